"""Hostile LHEO files are refused early, in bounded memory, with a clear French message."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from geo.lheo import LheoError, read_lheo
from geo.lheo.reader import MAX_DEPTH, MAX_RECORD_ELEMENTS

pytestmark = pytest.mark.timeout(60)

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lheo [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<lheo><offres><formation><intitule-formation>&lol9;</intitule-formation>
<action><session><periode><debut>20270101</debut><fin>20270601</fin></periode></session></action>
</formation></offres></lheo>
"""


def _external_entity(system_id: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE lheo [<!ENTITY xxe SYSTEM "{system_id}">]>
<lheo><offres><formation><intitule-formation>&xxe;</intitule-formation>
<action/></formation></offres></lheo>
""".encode()


class CountingStream(io.RawIOBase):
    """A file that counts the bytes the reader pulled out of it."""

    def __init__(self, path: Path) -> None:
        self._file = path.open("rb")
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self._file.read(size)
        self.bytes_read += len(data)
        return data

    def close(self) -> None:
        self._file.close()
        super().close()


def _refusal(data: bytes) -> LheoError:
    with pytest.raises(LheoError) as caught:
        list(read_lheo(io.BytesIO(data)))
    return caught.value


def test_entity_expansion_bomb_is_refused_at_its_doctype():
    error = _refusal(BILLION_LAUGHS)
    assert "DOCTYPE" in str(error) and "bombe d'expansion" in str(error)
    assert error.line == 2


@pytest.mark.parametrize(
    "system_id", ["file:///etc/passwd", "http://127.0.0.1:9/lheo.dtd", "https://example.org/x"]
)
def test_external_entities_are_refused_without_being_fetched(system_id):
    error = _refusal(_external_entity(system_id))
    assert "DOCTYPE" in str(error)
    assert "root:" not in str(error)


def test_a_plain_doctype_is_refused_too():
    error = _refusal(
        b'<?xml version="1.0"?>\n<!-- x -->\n<!DOCTYPE lheo SYSTEM "lheo.dtd">\n<lheo/>'
    )
    assert error.line == 3


def test_a_doctype_in_utf16_is_refused_by_the_parser_side_check():
    data = BILLION_LAUGHS.decode().replace('<?xml version="1.0"?>', "").encode("utf-16")
    assert "DOCTYPE" in str(_refusal(data))


def test_an_entity_reference_without_declaration_is_refused():
    error = _refusal(b"<lheo><offres><formation><intitule-formation>&xxe;</intitule-formation>")
    assert "XML mal formé" in str(error) and "xxe" in str(error)
    assert error.line == 1


def test_100_mb_of_nesting_is_refused_at_the_first_element_too_deep(tmp_path):
    path = tmp_path / "imbrication.xml"
    chunk = b"<extras>" * 8192
    with path.open("wb") as out:  # written in chunks: the test never holds 100 MB
        out.write(b'<?xml version="1.0"?>\n<lheo><offres><formation>\n')
        for _ in range(100 * 1024 * 1024 // len(chunk)):
            out.write(chunk)
    assert path.stat().st_size > 100_000_000
    stream = CountingStream(path)
    try:
        with pytest.raises(LheoError) as caught:
            list(read_lheo(stream))
    finally:
        stream.close()
    assert f"plus de {MAX_DEPTH} niveaux" in str(caught.value)
    assert caught.value.line == 3  # the nesting starts on the file's third line
    assert stream.bytes_read < 1024 * 1024  # stopped within the first mebibyte


def test_a_formation_too_big_to_hold_is_refused_before_the_end_of_the_file(tmp_path):
    path = tmp_path / "formation-geante.xml"
    with path.open("wb") as out:
        out.write(b"<lheo><offres><formation><intitule-formation>x</intitule-formation>\n")
        for _ in range(4 * MAX_RECORD_ELEMENTS // 1000):
            out.write(b"<extras/>" * 1000)
        out.write(b"</formation></offres></lheo>")
    stream = CountingStream(path)
    try:
        with pytest.raises(LheoError, match=f"plus de {MAX_RECORD_ELEMENTS} éléments"):
            list(read_lheo(stream))
    finally:
        stream.close()
    assert stream.bytes_read < path.stat().st_size / 2


def test_an_unclosed_tag_is_malformed_xml_with_its_line():
    data = b"""<?xml version="1.0"?>
<lheo>
  <offres>
    <formation>
      <intitule-formation>Sans fin
    </formation>
  </offres>
</lheo>
"""
    error = _refusal(data)
    assert str(error).startswith("fichier LHEO illisible : XML mal formé")
    assert error.line == 6
    assert "(ligne 6)" in str(error)


def test_a_truncated_file_names_its_last_line():
    error = _refusal(b"<lheo>\n<offres>\n<formation>\n<action>")
    assert "XML mal formé" in str(error)
    assert error.line == 4


def test_an_empty_file_says_so():
    assert "vide" in str(_refusal(b""))


class TrickleStream(io.RawIOBase):
    """A stream that hands out at most three bytes per read, as a slow network would."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        return self._data.read(3 if size < 0 else min(size, 3))


def test_the_prolog_check_waits_for_bytes_split_across_reads(demo_bytes, read_bytes):
    assert list(read_lheo(TrickleStream(demo_bytes))) == read_bytes(demo_bytes)
    with pytest.raises(LheoError, match="DOCTYPE"):
        list(read_lheo(TrickleStream(BILLION_LAUGHS)))


def test_a_doctype_after_a_byte_order_mark_is_refused():
    assert "DOCTYPE" in str(_refusal(b"\xef\xbb\xbf" + BILLION_LAUGHS))
