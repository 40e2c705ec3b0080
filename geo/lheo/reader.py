"""Stream Carte GEN records out of an LHEO 2.x document, in bounded memory and safely.

Reads both forms: ``<lheo><offres><formation>…`` (one record per action and training site)
and ``<lheo-index><resumes-offres><resume-offre>`` (one record per summary), with or without
an LHEO namespace. ``lxml.etree.iterparse`` parses without loading DTDs, resolving entities
or touching the network; each ``<formation>`` is dropped once its records are out, so memory
holds one formation at a time. Hostile input is refused early with :class:`LheoError`:
a DOCTYPE (the carrier of entity bombs and external entities, which LHEO never needs),
nesting deeper than :data:`MAX_DEPTH`, a formation larger than :data:`MAX_RECORD_ELEMENTS`,
and malformed XML, each with its line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any, Final

from lxml import etree

from geo.lheo.codes import KNOWN_NAMESPACE
from geo.lheo.errors import LheoError
from geo.lheo.records import Located, Record, RecordPlan

#: Deepest element nesting accepted. LHEO's deepest path is about a dozen levels; a deeper
#: document is a nesting bomb or not LHEO, and is refused at the first element too deep.
MAX_DEPTH: Final = 64

#: Elements one child of ``<offres>`` (a formation) may hold: memory holds one at a time, so
#: this bounds it. A real formation, even with hundreds of sessions, holds far fewer.
MAX_RECORD_ELEMENTS: Final = 200_000

#: Bytes the prolog (XML declaration, comments) may take before the root element.
MAX_PROLOG_BYTES: Final = 64 * 1024

#: The roots read and the element under their container that holds one record.
_RECORD_ELEMENT: Final = {"lheo": "formation", "lheo-index": "resume-offre"}


class _PrologGuard:
    """A binary stream that refuses a DOCTYPE before the parser ever sees it.

    The prolog (everything before the root element) is scanned as it streams past: XML
    declaration, processing instructions, comments and blanks are allowed; ``<!DOCTYPE`` is
    refused. A stream in an encoding that is not ASCII-compatible (UTF-16) is left to the
    parser-side check in :func:`read_lheo`.
    """

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self._prolog = b""
        self._checking = True

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        if self._checking:
            self._prolog += data
            self._check()
        return data

    def _check(self) -> None:
        buffer = self._prolog
        if buffer.startswith((b"\xff\xfe", b"\xfe\xff")):
            self._checking = False
            return
        position = 3 if buffer.startswith(b"\xef\xbb\xbf") else 0
        while True:
            while position < len(buffer) and buffer[position] in b" \t\r\n":
                position += 1
            rest = buffer[position:]
            if not rest:
                break
            if rest.startswith(b"<?"):
                end = buffer.find(b"?>", position)
                if end < 0:
                    break
                position = end + 2
            elif rest.startswith(b"<!--"):
                end = buffer.find(b"-->", position + 4)
                if end < 0:
                    break
                position = end + 3
            elif b"<!--".startswith(rest) or b"<!DOCTYPE".startswith(rest.upper()):
                break  # too short to tell: wait for more bytes
            elif rest.startswith(b"<!"):  # <!DOCTYPE, or another declaration: never LHEO
                line = buffer.count(b"\n", 0, position) + 1
                raise LheoError(
                    "fichier LHEO refusé : il contient une déclaration DOCTYPE. LHEO n'en a pas "
                    "besoin, et elle sert à déclarer des entités (bombe d'expansion, accès à des "
                    "fichiers ou au réseau) : retirez-la",
                    line,
                )
            else:
                self._checking = False  # the root element starts here
                self._prolog = b""
                return
        if len(buffer) > MAX_PROLOG_BYTES:
            raise LheoError(
                f"fichier LHEO refusé : plus de {MAX_PROLOG_BYTES // 1024} Kio avant l'élément "
                "racine (commentaires ou instructions de traitement)"
            )


def _split_tag(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return "", tag


#: What turns one record element into records.
RecordsOf = Callable[[Any], Iterable[Located]]


def _root_plan(root: Any) -> tuple[str, RecordsOf]:
    """Check the root element; return the qualified record tag and what reads one."""
    if not isinstance(root.tag, str):
        raise LheoError("fichier LHEO illisible : élément racine inattendu", root.sourceline)
    namespace, local = _split_tag(root.tag)
    if local not in _RECORD_ELEMENT:
        raise LheoError(
            f"ce n'est pas un fichier LHEO : l'élément racine est <{local}>, "
            "attendu <lheo> (offres complètes) ou <lheo-index> (résumés d'offres)",
            root.sourceline,
        )
    if namespace and not KNOWN_NAMESPACE.match(namespace):
        raise LheoError(
            f"espace de noms « {namespace} » inconnu pour <{local}> : attendu celui de LHEO 2.x "
            "(http://lheo.gouv.fr/2.3, http://www.lheo.org/2.2…) ou aucun",
            root.sourceline,
        )
    if root.getroottree().docinfo.doctype:
        raise LheoError("fichier LHEO refusé : il contient une déclaration DOCTYPE", 1)
    prefix = f"{{{namespace}}}" if namespace else ""
    plan = RecordPlan(namespace)
    if local == "lheo":
        return prefix + _RECORD_ELEMENT[local], plan.formation_records
    return prefix + _RECORD_ELEMENT[local], plan.resume_records


def _no_records(element: Any) -> Iterable[Located]:
    return ()


def read_lheo(stream: IO[bytes]) -> Iterator[Record]:
    """Yield the records of an LHEO document read from a binary stream, as they come.

    Each record is a dict with the keys of :data:`geo.lheo.mapping.RECORD_FIELDS`: strings,
    None, ``public_vise`` a list of strings and ``sessions`` a list of ``{debut, fin}``.
    Nothing is validated beyond the XML mapping: the importer judges the values.
    Raises :class:`LheoError` as :func:`read_lheo_lines` does.
    """
    for _, record in read_lheo_lines(stream):
        yield record


def read_lheo_lines(stream: IO[bytes]) -> Iterator[Located]:
    """Yield ``(line, record)``: each record of :func:`read_lheo` with the line it comes from.

    The line is that of the training site (``lieu-de-formation``), else of the action, else of
    the formation, or of the ``resume-offre``: what an import report points the user to.

    Raises :class:`LheoError` (French message, with the line) for a DOCTYPE, nesting deeper
    than :data:`MAX_DEPTH`, a formation of more than :data:`MAX_RECORD_ELEMENTS` elements,
    malformed XML, or a document that is not LHEO.
    """
    context = etree.iterparse(
        _PrologGuard(stream),
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    depth = 0
    started = False
    record_tag = ""
    records_of: RecordsOf = _no_records
    elements = 0  # elements started in the current child of <offres> / <resumes-offres>
    try:
        for event, element in context:
            if event == "start":
                depth += 1
                elements += 1
                if depth > MAX_DEPTH:
                    raise LheoError(
                        f"fichier LHEO refusé : éléments imbriqués sur plus de {MAX_DEPTH} "
                        "niveaux (LHEO n'en utilise qu'une douzaine)",
                        element.sourceline,
                    )
                if depth <= 3:
                    elements = 0
                elif elements > MAX_RECORD_ELEMENTS:
                    raise LheoError(
                        f"fichier LHEO refusé : une formation contient plus de "
                        f"{MAX_RECORD_ELEMENTS} éléments (elle est lue en mémoire d'un bloc)",
                        element.sourceline,
                    )
                if depth == 1:
                    started = True
                    record_tag, records_of = _root_plan(element)
                continue
            depth -= 1
            if depth == 2:  # a child of <offres> or <resumes-offres>
                if element.tag == record_tag:
                    yield from records_of(element)
                _drop(element)
            elif depth == 1:
                _drop(element)
    except etree.XMLSyntaxError as error:
        raise _syntax_error(error, context.error_log, started) from None


def _syntax_error(error: Any, log: Any, started: bool) -> LheoError:
    """Make a French :class:`LheoError` of a parser error, with the line and the parser's words."""
    entries = list(log)  # this parse only: the exception's own log is process-wide
    if entries:
        last = entries[-1]
        line, column, message = last.line, last.column, last.message
    else:
        (line, column), message = error.position or (0, 0), error.msg
    if not line and not started:
        return LheoError(
            "fichier LHEO illisible : le fichier est vide ou ne contient aucun élément"
        )
    return LheoError(
        f"fichier LHEO illisible : XML mal formé, colonne {column} (l'analyseur dit : {message})",
        line or None,
    )


def _drop(element: Any) -> None:
    """Free a finished element and its children, so memory holds one record element."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        parent.remove(element)
