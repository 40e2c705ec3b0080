"""The structure types' icons: ``data:`` URLs for the markers, inline SVG for the legend.

Both are drawn from the same files, ``static/icones/<type>.svg`` (30 × 40, a pin of a
distinct shape and colour per type: never colour alone).
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Final
from xml.etree import ElementTree

from markupsafe import Markup

from app.map.elements import STATIC_PREFIX
from geo.schema import TYPE_STRUCTURE_LABELS

#: Marker icon of each structure type, by its URL under ``/static``.
ICONES_TYPE_STRUCTURE: Final[dict[str, str]] = {
    str(key): f"{STATIC_PREFIX}/icones/{key}.svg" for key in TYPE_STRUCTURE_LABELS
}
#: A training's marker: its icon's size and the point of it on the training's place (the tip).
MARQUEUR_PX: Final = (30, 40)
MARQUEUR_ANCRE_PX: Final = (15, 38)
#: Clusters: a disc per size, by the number of trainings below which it is used (the last has
#: no bound): its name (``.grappe-<name>`` of ``static/carte.css``) and diameter in pixels.
TAILLES_GRAPPES: Final[tuple[tuple[int | None, str, int], ...]] = (
    (10, "petite", 34),
    (100, "moyenne", 40),
    (1000, "grande", 46),
    (None, "enorme", 54),
)
#: The legend's icons: half the markers' size.
LEGENDE_ICONE_PX: Final = (MARQUEUR_PX[0] // 2, MARQUEUR_PX[1] // 2)
SVG_NS: Final = "http://www.w3.org/2000/svg"


def icon_sources(static_path: Path) -> dict[str, str]:
    """Return each structure type's icon as a ``data:`` URL, for the markers and the list.

    A few hundred bytes each: in the page, they cost no request, drawn with the first markers.
    """
    return {
        key: "data:image/svg+xml;base64,"
        + base64.b64encode(_icon_file(static_path, url).read_bytes()).decode()
        for key, url in ICONES_TYPE_STRUCTURE.items()
    }


def legend_icons(static_path: Path) -> dict[str, Markup]:
    """Return each structure type's icon as inline SVG, legend-sized, hidden from screen readers.

    An ``<img>`` of an SVG is a document of its own, parsed while the page's body is: six of
    them held the map's script back by a rendering frame. Inline, they are a few elements of
    the page's (drawn from the same files as the markers' icons).
    """
    return {
        key: _inline_svg(_icon_file(static_path, url)) for key, url in ICONES_TYPE_STRUCTURE.items()
    }


def _icon_file(static_path: Path, url: str) -> Path:
    """Return the file behind one of our ``/static`` icon URLs."""
    return static_path / url.removeprefix(f"{STATIC_PREFIX}/")


def _inline_svg(path: Path) -> Markup:
    """Return one of our SVG files as an ``<svg>`` element of an HTML page, legend-sized.

    The HTML parser puts ``<svg>`` and its children in the SVG namespace: the tags lose theirs.
    """
    root = ElementTree.fromstring(path.read_bytes())
    if root.tag != f"{{{SVG_NS}}}svg":
        raise ValueError(f"{path} is not an SVG image")
    for element in root.iter():
        element.tag = element.tag.removeprefix(f"{{{SVG_NS}}}")
        element.text = element.tail = None
    width, height = LEGENDE_ICONE_PX
    root.attrib.update(
        {"width": str(width), "height": str(height), "aria-hidden": "true", "focusable": "false"}
    )
    return Markup(ElementTree.tostring(root, encoding="unicode"))
