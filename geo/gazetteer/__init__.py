"""The embedded commune gazetteer: loads data/gazetteer.json.gz and answers look-ups in memory.

One room per job: ``model`` (communes and code helpers), ``loading`` (the file), ``names``
(name matching), ``places`` (positions); this module is the :class:`Gazetteer` that joins them.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any

from geo.boundaries import Boundaries
from geo.gazetteer.loading import DEFAULT_PATH, FORMATS, contents_of, read_file
from geo.gazetteer.model import (
    Commune,
    Locality,
    _normalise_code,
    _numbered_for,
    departement_of_postcode,
    normalise_postcode,
)
from geo.gazetteer.names import (
    ALIAS_SCORE,
    CACHE_LIMIT,
    CONTAINED_SCORE,
    EXACT_SCORE,
    FUZZY_CEILING,
    FUZZY_CUTOFF_COUNTRY,
    FUZZY_CUTOFF_DEPARTEMENT,
    FUZZY_CUTOFF_POSTCODE,
    FUZZY_LIMIT,
    OTHER_DEPARTEMENT_FACTOR,
    OTHER_POSTCODE_FACTOR,
    _Codes,
    _NameIndex,
    _Scores,
)
from geo.gazetteer.names import _length_window as _length_window
from geo.gazetteer.names import _signatures_of as _signatures_of
from geo.gazetteer.places import GRID_DEGREES, MAX_RINGS, _Places
from geo.text import commune_key, commune_key_of_folded, fold

__all__ = [
    "ALIAS_SCORE",
    "CACHE_LIMIT",
    "CONTAINED_SCORE",
    "DEFAULT_PATH",
    "EXACT_SCORE",
    "FORMATS",
    "FUZZY_CEILING",
    "FUZZY_CUTOFF_COUNTRY",
    "FUZZY_CUTOFF_DEPARTEMENT",
    "FUZZY_CUTOFF_POSTCODE",
    "FUZZY_LIMIT",
    "GRID_DEGREES",
    "MAX_RINGS",
    "OTHER_DEPARTEMENT_FACTOR",
    "OTHER_POSTCODE_FACTOR",
    "Commune",
    "Gazetteer",
    "Locality",
    "departement_of_postcode",
    "normalise_postcode",
]


class Gazetteer(_NameIndex, _Places):
    """In-memory commune look-ups: by INSEE code, postcode, name, position, and prefix."""

    def __init__(
        self,
        communes: Iterable[Commune],
        departements: Mapping[str, str],
        regions: Mapping[str, str],
        aliases: Iterable[tuple[str, str]] = (),
        old_codes: Mapping[str, str] | None = None,
        parents: Mapping[str, str] | None = None,
        localities: Iterable[Locality] = (),
        boundaries: Boundaries | Path | None = None,
    ) -> None:
        """Index communes; ``aliases`` are (name, code), ``parents`` arrondissement → city.

        ``boundaries`` is the communes' boundaries, or the path of the file to read them
        from on first use (only builds with explicit coordinates need them).
        """
        self._communes: tuple[Commune, ...] = tuple(sorted(communes, key=lambda c: c.code_insee))
        self.departements: Mapping[str, str] = MappingProxyType(dict(departements))
        self.regions: Mapping[str, str] = MappingProxyType(dict(regions))
        self._by_code: dict[str, Commune] = {c.code_insee: c for c in self._communes}
        self._old_codes: dict[str, str] = {
            old: new for old, new in (old_codes or {}).items() if new in self._by_code
        }
        self._children: dict[str, list[Commune]] = defaultdict(list)
        for child_code, parent_code in (parents or {}).items():
            if child_code in self._by_code and parent_code in self._by_code:
                self._children[parent_code].append(self._by_code[child_code])
        if parents is None:  # small gazetteers: infer Paris/Lyon/Marseille from the types
            self._infer_children()

        # Names: key → {code: score}; official names win over aliases.
        self._names: dict[str, dict[str, float]] = defaultdict(dict)
        folded_names = [fold(commune.nom) for commune in self._communes]
        official_keys = [commune_key_of_folded(folded) for folded in folded_names]
        for commune, key in zip(self._communes, official_keys, strict=True):
            self._names[key][commune.code_insee] = EXACT_SCORE
        alias_keys: list[tuple[str, str]] = []  # (key, code)
        for name, code in aliases:
            if code in self._by_code:
                key = commune_key(name)
                alias_keys.append((key, code))
                slot = self._names[key]
                slot[code] = max(slot.get(code, 0.0), ALIAS_SCORE)
        self._names.pop("", None)
        self._official_keys = official_keys
        self._alias_keys = alias_keys

        # Postcodes: all communes having one, and the public answer (cities replaced by their
        # arrondissements when these cover the postcode).
        self._postcode_all: dict[str, list[Commune]] = defaultdict(list)
        for commune in self._communes:
            for code_postal in commune.codes_postaux:
                self._postcode_all[code_postal].append(commune)
        self._localities_by_code: dict[str, Locality] = {}
        self._localities_by_name: dict[tuple[str, str], Locality] = {}
        for locality in sorted(localities, key=lambda item: (item.code_insee, item.commune)):
            current = self._by_code.get(locality.commune)
            if current is None:
                continue
            if locality.code_insee != current.code_insee:
                self._localities_by_code.setdefault(locality.code_insee, locality)
            key = commune_key(locality.nom)
            if key and key != commune_key(current.nom):
                self._localities_by_name.setdefault((key, current.code_insee), locality)
        self._boundaries_source = boundaries
        self._split: dict[str, set[str]] = defaultdict(set)  # postcode → cities split by it
        for parent, children in self._children.items():
            for child in children:
                for code_postal in child.codes_postaux:
                    self._split[code_postal].add(parent)
        self._postcode: dict[str, tuple[Commune, ...]] = {}  # answers, sorted on first use

        self._folded_names = folded_names
        # Caches hold tuples of strings and floats, not lists nor communes: such tuples leave
        # the garbage collector's watch, so the caches a cold run fills are not rescanned by
        # every full collection (collections took about a third of a cold run's CPU time, and
        # these caches were nearly half of the objects they scanned).
        self._match_cache: dict[tuple[str, str | None], tuple[_Codes, _Scores]] = {}
        self._fuzzy_cache: dict[tuple[str, str], tuple[tuple[str, float], ...]] = {}
        # per postcode or département scope: codes of its communes and their sorted name keys
        self._scope_codes: dict[str, frozenset[str]] = {}
        self._scope_keys: dict[str, tuple[str, ...]] = {}
        self._scope_runs: dict[str, dict[str, tuple[str, ...]]] = {}  # runs of words in names

    def _postcode_answer(self, code_postal: str) -> tuple[Commune, ...]:
        """Communes of a postcode as by_postcode answers them (cached)."""
        answer = self._postcode.get(code_postal)
        if answer is None:
            split = self._split.get(code_postal, set())
            kept = [c for c in self._postcode_all.get(code_postal, ()) if c.code_insee not in split]
            kept.sort(
                key=lambda c: (
                    not _numbered_for(c, code_postal),
                    -(c.population or 0),
                    c.code_insee,
                )
            )
            answer = tuple(kept)
            if answer or code_postal in self._postcode_all:
                self._postcode[code_postal] = answer
        return answer

    def _infer_children(self) -> None:
        for commune in self._communes:
            if commune.type != "arrondissement_municipal":
                continue
            city = commune_key(commune.nom.split(" ")[0])
            for parent in self._communes:
                if (
                    parent.type == "commune"
                    and parent.departement == commune.departement
                    and commune_key(parent.nom) == city
                ):
                    self._children[parent.code_insee].append(commune)

    # -- construction

    @classmethod
    def load(cls, path: Path = DEFAULT_PATH) -> Gazetteer:
        """Load the gazetteer built by ``scripts/build_gazetteer.py``.

        :param path: a ``gazetteer.json.gz`` file.
        :raises OSError, ValueError: unreadable or malformed file.
        """
        document, boundaries = read_file(path)
        return cls.from_document(document, boundaries)

    @classmethod
    def from_document(
        cls, document: Mapping[str, Any], boundaries: Boundaries | Path | None = None
    ) -> Gazetteer:
        """Build a gazetteer from the decoded JSON document of the gazetteer file.

        :param boundaries: the boundaries, or the path of their file (read on first use).
        """
        contents = contents_of(document)
        return cls(
            contents.communes,
            contents.departements,
            contents.regions,
            aliases=contents.aliases,
            old_codes=contents.old_codes,
            parents=contents.parents,
            localities=contents.localities,
            boundaries=boundaries,
        )

    @classmethod
    def from_communes(
        cls,
        communes: Iterable[Commune],
        departements: Mapping[str, str],
        regions: Mapping[str, str],
        aliases: Iterable[tuple[str, str]] = (),
        old_codes: Mapping[str, str] | None = None,
        localities: Iterable[Locality] = (),
        boundaries: Boundaries | None = None,
    ) -> Gazetteer:
        """Build a gazetteer of the given communes (small gazetteers in tests).

        Arrondissements (``type="arrondissement_municipal"``) are attached to the commune of
        the same département whose name starts theirs ("Paris 11e Arrondissement" → "Paris").
        Without ``boundaries``, :meth:`commune_at` answers the nearest commune.
        """
        return cls(
            communes,
            departements,
            regions,
            aliases,
            old_codes,
            localities=localities,
            boundaries=boundaries,
        )

    # -- look-ups

    def __len__(self) -> int:
        """Count communes and municipal arrondissements."""
        return len(self._communes)

    def __iter__(self) -> Iterator[Commune]:
        """Iterate over communes in INSEE code order."""
        return iter(self._communes)

    def by_insee(self, code: str) -> Commune | None:
        """Find the commune of a current, old or delegated INSEE code (``None`` when unknown).

        :param code: INSEE code, e.g. "75056", "75111", "2A004"; "1001" is read as "01001".
        """
        code = _normalise_code(code)
        found = self._by_code.get(code)
        if found is None and code in self._old_codes:
            found = self._by_code[self._old_codes[code]]
        return found

    def by_postcode(self, code_postal: str) -> list[Commune]:
        """Communes having a postcode, most populated first.

        Paris, Lyon and Marseille are answered by their arrondissement ("75011" → Paris 11e
        Arrondissement). Four-digit postcodes (a lost leading zero) are read as five.
        """
        normalised = normalise_postcode(code_postal)
        if normalised is None:
            return []
        return list(self._postcode_answer(normalised))

    def is_within(self, inner: Commune, outer: Commune) -> bool:
        """Whether ``inner`` is ``outer`` or one of its municipal arrondissements."""
        return inner.code_insee == outer.code_insee or inner in self._children.get(
            outer.code_insee, ()
        )

    def city_of(self, commune: Commune) -> Commune:
        """Return the city of a municipal arrondissement (Paris, Lyon, Marseille), else itself."""
        return self._city_of_arrondissement.get(commune.code_insee, commune)

    @cached_property
    def _city_of_arrondissement(self) -> dict[str, Commune]:
        return {
            child.code_insee: self._by_code[parent]
            for parent, children in self._children.items()
            for child in children
        }

    def locality(
        self, commune: Commune, nom: str | None = None, code_insee: str | None = None
    ) -> Locality | None:
        """Find the commune déléguée/associée of ``commune`` a row names, by code or by name.

        :param commune: the current commune the row was matched to.
        :param nom: the commune name as the row writes it (« Cran-Gevrier » for Annecy).
        :param code_insee: the INSEE code as the row writes it (74093 for Cran-Gevrier).
        """
        if code_insee:
            found = self._localities_by_code.get(_normalise_code(code_insee))
            if found is not None and found.commune == commune.code_insee:
                return found
        if nom:
            return self._localities_by_name.get((commune_key(nom), commune.code_insee))
        return None

    def autocomplete(self, q: str, limit: int = 10) -> list[Commune]:
        """Communes whose name (or postcode) starts with ``q``, exact names then most populated.

        :param q: the beginning of a commune name ("st ét", "annecy") or of a postcode ("750").
        :param limit: maximum number of communes returned.
        """
        if limit <= 0:
            return []
        text = q.strip()
        if text.isdigit():
            found = {
                c.code_insee: c
                for code_postal in self._postcode_all
                if code_postal.startswith(text)
                for c in self._postcode_answer(code_postal)
            }
            return sorted(found.values(), key=lambda c: (-(c.population or 0), c.code_insee))[
                :limit
            ]
        candidates: dict[str, bool] = {}
        for prefix in {fold(text), commune_key(text)}:
            if not prefix:
                continue
            start = bisect_left(self._prefixes, (prefix, ""))
            for name, code in self._prefixes[start:]:
                if not name.startswith(prefix):
                    break
                exact = name == prefix
                candidates[code] = candidates.get(code, False) or exact
        ranked = sorted(
            candidates,
            key=lambda code: (
                not candidates[code],
                -(self._by_code[code].population or 0),
                code,
            ),
        )
        return [self._by_code[code] for code in ranked[:limit]]
