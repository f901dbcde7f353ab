"""Demo disputes: filled in below."""
