"""Customer page panel: filled in below."""
