"""Customer-page panels of the collections app (timeline, penalties)."""
