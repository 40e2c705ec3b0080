"""Encode and free large JSON values in pieces, handing over the GIL between two.

Used by work that runs in the reload thread while requests are served (the map data of a
version): one ``orjson.dumps`` of a large value, or the freeing of millions of objects at
once, would hold the GIL, and so stall every request, for tens of milliseconds.
"""

from __future__ import annotations

from typing import Any, Final

import orjson

from app.store import yield_the_gil

#: Values of a long list encoded in one ``orjson.dumps`` call (a few ms at most).
VALUES_PER_PIECE: Final = 8192


def json_in_pieces(value: Any, out: list[bytes]) -> None:
    """Append the JSON of ``value`` to ``out`` in pieces, handing over the GIL between two.

    A dict is written member by member and a long list :data:`VALUES_PER_PIECE` values at a
    time, so no single encoding call holds the GIL for long.
    """
    if isinstance(value, dict):
        out.append(b"{")
        for number, (key, member) in enumerate(value.items()):
            out += (b"," if number else b"", orjson.dumps(key), b":")
            json_in_pieces(member, out)
        out.append(b"}")
        return
    if not isinstance(value, list) or len(value) <= VALUES_PER_PIECE:
        out.append(orjson.dumps(value))
        yield_the_gil()
        return
    out.append(b"[")
    for start in range(0, len(value), VALUES_PER_PIECE):
        if start:
            out.append(b",")
        out.append(orjson.dumps(value[start : start + VALUES_PER_PIECE])[1:-1])
        yield_the_gil()
    out.append(b"]")


def free_in_pieces(value: Any) -> None:
    """Empty ``value``'s lists slice by slice, handing over the GIL between two.

    The encoded columns hold millions of objects (codes, texts); freeing them all at once,
    when the function returns, held the GIL for tens of ms at 100,000 trainings.
    """
    if isinstance(value, dict):
        for member in value.values():
            free_in_pieces(member)
    elif isinstance(value, list):
        while value:
            del value[-VALUES_PER_PIECE:]
            yield_the_gil()
