"""Bytes to text: the encoding decided per line, and text broken by a wrong encoding repaired.

A CSV is UTF-8 (with or without BOM), UTF-16 with BOM, or Windows-1252. A UTF-8 file with a
few Windows-1252 lines (pasted from another tool) is decoded line by line, each line in its
own encoding, and those lines are named in a warning. UTF-8 that was once read as
Windows-1252 and saved again (« CollectivitÃ© ») is repaired by :func:`repair_mojibake`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from geo.importer.model import InputFileError, Issue, Level

UTF8: Final = "utf-8"
CP1252: Final = "cp1252"
#: Name of the encoding of a file whose lines are partly UTF-8, partly Windows-1252.
MIXED: Final = "utf-8+cp1252"

#: What Windows-1252 makes of the continuation bytes 0x80–0xBF of UTF-8 (0x81, 0x8D, 0x8F,
#: 0x90 and 0x9D are undefined in Windows-1252 and cannot appear).
_CONTINUATION: Final = "".join(
    bytes([b]).decode(CP1252) for b in range(0x80, 0xC0) if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)
)
#: A lead byte of a 2- to 4-byte UTF-8 sequence read as Windows-1252, then its continuations.
MOJIBAKE: Final = re.compile(
    "(?:[\u00c2-\u00df][{c}]|[\u00e0-\u00ef][{c}]{{2}}|[\u00f0-\u00f4][{c}]{{3}})+".format(
        c=re.escape(_CONTINUATION)
    )
)


#: What Windows-1252 makes of the first bytes of UTF-8 for Latin letters (Ã, Â, Å),
#: punctuation and symbols (â then a byte 0x80–0x8F: â€, â‚, â„…) and emoji (ð): mojibake of
#: European text holds one of them. Much rarer in French than é or à, which start
#: :data:`MOJIBAKE` matches, so a file without any is skipped fast.
_MOJIBAKE_HINT: Final = re.compile(
    "[ÃÂÅð]|â[{}]".format(
        re.escape(
            "".join(
                bytes([b]).decode(CP1252) for b in range(0x80, 0x90) if b not in (0x81, 0x8D, 0x8F)
            )
        )
    )
)


def may_hold_mojibake(text: str) -> bool:
    """Cheap test, before :data:`MOJIBAKE`, of whether ``text`` may need repairing."""
    return not text.isascii() and _MOJIBAKE_HINT.search(text) is not None


@dataclass(frozen=True, slots=True)
class DecodedText:
    """Text of a file, the encoding used, and the lines read otherwise (1-based, physical)."""

    text: str
    encoding: str
    other_lines: tuple[int, ...] = ()
    other_encoding: str | None = None


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 read as Windows-1252 (« CollectivitÃ© » → « Collectivité »), where possible.

    Only runs of characters that Windows-1252 makes of UTF-8 sequences are touched, so text
    that is right stays as it is.
    """
    if not may_hold_mojibake(text):
        return text

    def fix(match: re.Match[str]) -> str:
        try:
            return match.group().encode(CP1252).decode(UTF8)
        except UnicodeError:
            return match.group()

    return MOJIBAKE.sub(fix, text)


def repaired_issue(line: int) -> Issue:
    """Make the warning for a row whose text :func:`repair_mojibake` repaired."""
    return Issue(
        line,
        None,
        None,
        "texte mal encodé (UTF-8 lu comme Windows-1252, « Ã© » pour « é ») : réparé",
        Level.AVERTISSEMENT,
    )


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode CSV bytes (see :func:`decode_lines`); returns the text and the encoding's name."""
    decoded = decode_lines(data)
    return decoded.text, decoded.encoding


def decode_lines(data: bytes) -> DecodedText:
    """Decode CSV bytes: UTF-8 (BOM or not), UTF-16 with BOM, Windows-1252, or a mix per line.

    Raises :class:`InputFileError` for binary content.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return _checked(_decode_utf8_lines(data[3:], "utf-8-sig"))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return _checked(DecodedText(data.decode("utf-16"), "utf-16"))
        except UnicodeDecodeError:
            raise _unreadable() from None
    if b"\x00" in data[:8192]:
        raise InputFileError(
            "le fichier n'est pas un tableur reconnu (contenu binaire) : "
            "attendu un tableur CSV ou XLSX, ou un fichier JSON ou GeoJSON."
        )
    return _checked(_decode_utf8_lines(data, UTF8))


def _decode_utf8_lines(data: bytes, name: str) -> DecodedText:
    try:
        return DecodedText(data.decode(UTF8), name)
    except UnicodeDecodeError:
        pass
    lines = data.split(b"\n")
    utf8_evidence = 0
    cp1252_lines: list[int] = []
    texts: list[str] = []
    for number, line in enumerate(lines, start=1):
        try:
            text = line.decode(UTF8)
            if not line.isascii():
                utf8_evidence += 1
        except UnicodeDecodeError:
            try:
                text = line.decode(CP1252)
            except UnicodeDecodeError:
                raise _unreadable() from None
            cp1252_lines.append(number)
        texts.append(text)
    if not utf8_evidence:  # a plain Windows-1252 file: no line needs a word
        return DecodedText("\n".join(texts), CP1252)
    return DecodedText("\n".join(texts), MIXED, tuple(cp1252_lines), CP1252)


def _checked(decoded: DecodedText) -> DecodedText:
    if _looks_binary(decoded.text):
        raise _unreadable()
    return decoded


def _unreadable() -> InputFileError:
    return InputFileError(
        "le fichier n'est pas un texte lisible (ni UTF-8 ni Windows-1252) : "
        "enregistrez-le en CSV UTF-8 ou en XLSX."
    )


def _looks_binary(text: str) -> bool:
    sample = text[:8192]
    if not sample:
        return False
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\r\n\t")
    return controls > max(2, len(sample) // 100)
