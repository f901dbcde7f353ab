"""Options shared by the report commands: the date, the entity, the output file."""

from __future__ import annotations

from argparse import ArgumentParser, ArgumentTypeError
from datetime import date
from pathlib import Path

from django.core.management.base import CommandError
from django.utils import timezone

from encours.core.aging import validate_edges
from encours.core.errors import EncoursError
from encours.web.params import date_argument


def edges(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(part) for part in text.split(",") if part.strip())
        validate_edges(values)
    except (ValueError, EncoursError) as exc:
        raise ArgumentTypeError(f"bucket edges like 30,60,90,120: {exc}") from None
    return values


def add_scope_arguments(parser: ArgumentParser) -> None:
    parser.add_argument(
        "--as-of", type=date_argument, default=None, help="the date the books are read as of (default: today)"
    )
    parser.add_argument("--entity", help="SIREN of one legal entity (default: every entity)")


def as_of_of(options: dict) -> date:
    return options["as_of"] or timezone.localdate()


def write_output(path: str, content: str | bytes) -> None:
    target = Path(path)
    if not target.parent.exists():
        raise CommandError(f"{target.parent}: no such directory")
    if isinstance(content, str):
        target.write_text(content, encoding="utf-8", newline="")
    else:
        target.write_bytes(content)
