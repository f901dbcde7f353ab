"""Demo data of the collections app."""
