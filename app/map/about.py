"""The publisher block and the « about » panel of the page, from settings and an editable file.

The panel's text lives in a plain file (``data/a-propos.md`` by default) so that it can be
edited without touching code. Only a small part of Markdown is read, as plain text: a
``# `` title, paragraphs separated by blank lines, and ``- `` list items. The page template
escapes every piece of it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from app.settings import Settings

#: The title when the file has none.
DEFAULT_ABOUT_TITLE = "Qu’est-ce que la Grande École du Numérique ?"

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Block:
    """A paragraph (``items`` empty) or a list (``text`` empty) of the about panel."""

    text: str = ""
    items: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class About:
    """The about panel: a title and its blocks (empty when the file is missing)."""

    title: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True, slots=True)
class Publisher:
    """Who publishes the map, with the links a public service owes its users."""

    name: str
    logo_path: str | None
    legal_notice_url: str | None
    accessibility_url: str | None
    contact_url: str | None
    contact_email: str | None


def publisher_of(settings: Settings) -> Publisher:
    """Return the publisher block of the settings (URLs as text for the template)."""

    def text(value: object) -> str | None:
        return str(value) if value is not None else None

    return Publisher(
        name=settings.publisher_name,
        logo_path=settings.publisher_logo_path,
        legal_notice_url=text(settings.publisher_legal_notice_url),
        accessibility_url=text(settings.publisher_accessibility_url),
        contact_url=text(settings.publisher_contact_url),
        contact_email=settings.publisher_contact_email,
    )


def parse_about(source: str) -> About:
    """Read the about text: a ``# `` title, paragraphs, and ``- `` lists (plain text)."""
    title = DEFAULT_ABOUT_TITLE
    blocks: list[Block] = []
    for chunk in source.replace("\r\n", "\n").split("\n\n"):
        lines = [line.strip() for line in chunk.strip().split("\n") if line.strip()]
        if not lines:
            continue
        if lines[0].startswith("# "):
            title = lines[0][2:].strip() or title
            lines = lines[1:]
        if not lines:
            continue
        if all(line.startswith("- ") for line in lines):
            blocks.append(Block(items=tuple(line[2:].strip() for line in lines)))
        else:
            blocks.append(Block(text=" ".join(lines)))
    return About(title=title, blocks=tuple(blocks))


def load_about(path: Path) -> About:
    """Read the about file; a missing or unreadable file gives an empty panel, never an error."""
    try:
        return parse_about(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        logger.warning("about panel left empty: cannot read %s (%s)", path, error)
        return About(title=DEFAULT_ABOUT_TITLE, blocks=())
