"""Demo data of the insurance app (filled in slice 3)."""
