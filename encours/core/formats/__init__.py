"""File formats: each parser returns ``(rows, errors)`` and never touches a database."""
