"""Decoding text files from ERPs: UTF-8 (with or without BOM) or Latin-1/Windows-1252.

>>> decode_text("Électricité".encode("cp1252")).encoding
'cp1252'
>>> decode_text("\\ufeffÉlec".encode("utf-8")).text
'Élec'

A file mixing both has no right decoding. By default that raises; a parser that reports
every row error at once asks for the bad lines as errors instead, and goes on reading:

>>> mixed = decode_text("Café\\nThé\\n".encode() + "Crème\\n".encode("cp1252"), report_mixed=True)
>>> [(e.line, e.value) for e in mixed.errors]
[(3, 'Crème')]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from encours.core.errors import InvalidFile, RowError

# A multi-byte UTF-8 sequence: if a file that is not valid UTF-8 still contains these, it mixes
# encodings (a Latin-1 line pasted into a UTF-8 file), and no single decoding is right.
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
MIXED_REASON = (
    "byte 0x{byte:02X} is not UTF-8 while other lines are: the file mixes encodings; "
    "export it again in UTF-8 or Latin-1"
)
MAX_MIXED_ERRORS = 100


@dataclass(frozen=True, slots=True, kw_only=True)
class DecodedText:
    text: str
    encoding: str
    errors: tuple[RowError, ...] = ()


def _line_of(raw: bytes, offset: int) -> int:
    return raw.count(b"\n", 0, offset) + 1


def decode_text(raw: bytes, *, report_mixed: bool = False) -> DecodedText:
    if not raw.strip():
        raise InvalidFile("line 1: the file is empty")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in raw[:4096]:
        raise InvalidFile("line 1: the file is UTF-16 or binary; expected a UTF-8 or Latin-1 text file")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return DecodedText(text=raw.decode("utf-8"), encoding="utf-8")
    except UnicodeDecodeError as exc:
        bad_offset = exc.start
    if _UTF8_SEQUENCE.search(raw):
        if report_mixed:
            return _decode_mixed(raw)
        line = _line_of(raw, bad_offset)
        raise InvalidFile(f"line {line}: " + MIXED_REASON.format(byte=raw[bad_offset]))
    try:
        return DecodedText(text=raw.decode("cp1252"), encoding="cp1252")
    except UnicodeDecodeError:
        return DecodedText(text=raw.decode("latin-1"), encoding="latin-1")


def _decode_mixed(raw: bytes) -> DecodedText:
    """UTF-8 line by line; a line that is not is read as Windows-1252 and reported."""
    lines = raw.split(b"\n")
    errors: list[RowError] = []
    for number, line in enumerate(lines):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as exc:
            if len(errors) < MAX_MIXED_ERRORS:
                shown = line[max(0, exc.start - 15) : exc.start + 15].decode("cp1252", errors="replace").strip()
                errors.append(
                    RowError(line=number + 1, column="", value=shown, reason=MIXED_REASON.format(byte=line[exc.start]))
                )
            lines[number] = line.decode("cp1252", errors="replace").encode("utf-8")
    return DecodedText(text=b"\n".join(lines).decode("utf-8"), encoding="utf-8", errors=tuple(errors))
