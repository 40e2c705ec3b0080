"""The embedded commune gazetteer: loads data/gazetteer.json.gz and answers look-ups in memory.

Over 500 lines: the name matching (exact, contained, fuzzy, per postcode) is one piece.
"""

from __future__ import annotations

import gzip
import heapq
import math
import re
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import orjson
from rapidfuzz import fuzz, process

from geo.boundaries import FILE_NAME as BOUNDARIES_FILE_NAME
from geo.boundaries import TOLERANCE_M, Boundaries
from geo.geodesy import distances_km
from geo.text import commune_key, commune_key_of_folded, fold

#: Score of a name that is an official commune name (after folding).
EXACT_SCORE = 1.0
#: Score of a name that addresses still use: commune déléguée/associée, routing label.
ALIAS_SCORE = 0.95
#: Score of a commune of the given postcode whose name contains the given name as whole words
#: (« Cherbourg » 50100 → Cherbourg-en-Cotentin, « Bourg » 01000 → Bourg-en-Bresse): above an
#: exact homonym elsewhere, below an exact name or an alias.
CONTAINED_SCORE = 0.92
#: Factor applied to an exact name whose communes lack the given postcode, in its département.
OTHER_POSTCODE_FACTOR = 0.9
#: Factor applied to an exact name whose communes lie outside the postcode's département.
OTHER_DEPARTEMENT_FACTOR = 0.85
#: Fuzzy matches never reach an exact score.
FUZZY_CEILING = 0.94
#: Minimum rapidfuzz ratio (0-100) among the communes of a postcode, of a département,
#: and of the whole country.
FUZZY_CUTOFF_POSTCODE = 75.0
FUZZY_CUTOFF_DEPARTEMENT = 85.0
FUZZY_CUTOFF_COUNTRY = 88.0
#: Most name keys a fuzzy search keeps (best ratios first).
FUZZY_LIMIT = 10
#: Per-instance look-up caches are emptied when they reach this many entries.
CACHE_LIMIT = 200_000
#: Cell size of the nearest-commune grid, in degrees.
GRID_DEGREES = 0.25
#: Rings of cells searched around a point before scanning every commune.
MAX_RINGS = 40
#: Cached match answers: commune codes best first, and their scores.
_Codes = tuple[str, ...]
_Scores = tuple[float, ...]
_POSTCODE_DIGITS = re.compile(r"\d+")

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "gazetteer.json.gz"
#: Gazetteer file formats this module reads (1: without communes déléguées' positions).
FORMATS = (1, 2)


@dataclass(frozen=True, slots=True)
class Commune:
    """A current commune or a municipal arrondissement of Paris, Lyon or Marseille."""

    code_insee: str
    nom: str
    codes_postaux: tuple[str, ...]
    departement: str
    departement_nom: str
    region: str
    region_nom: str
    population: int | None
    lon: float
    lat: float
    position: str
    type: str


@dataclass(frozen=True, slots=True)
class Locality:
    """A commune déléguée or associée: its own name and town hall, inside a current commune."""

    code_insee: str
    nom: str
    commune: str  # INSEE code of the current commune
    lon: float
    lat: float
    position: str


def normalise_postcode(code_postal: str | None) -> str | None:
    """Five-digit postcode from user text: '75011', ' 1000 ' → '01000', '75700 CEDEX 07'.

    Returns ``None`` when the text holds no plausible postcode.
    """
    if not code_postal:
        return None
    found = _POSTCODE_DIGITS.search(code_postal)
    if found is None:
        return None
    digits = found.group()
    if len(digits) == 4:
        digits = "0" + digits
    return digits if len(digits) == 5 else None


def departement_of_postcode(code_postal: str) -> tuple[str, ...]:
    """Départements a postcode may belong to: '20000' → ('2A', '2B'), '97400' → ('974',).

    By its prefix: a few postcodes cross a border (97133 is Saint-Barthélemy, 977).
    """
    if code_postal.startswith("20"):
        return ("2A", "2B")
    if code_postal.startswith(("97", "98")):
        return (code_postal[:3],)
    return (code_postal[:2],)


class _Grid:
    """Communes bucketed in cells of GRID_DEGREES for nearest-point queries."""

    def __init__(self, communes: list[Commune]) -> None:
        self.communes = tuple(communes)
        self.lons = np.array([c.lon for c in communes], dtype=np.float64)
        self.lats = np.array([c.lat for c in communes], dtype=np.float64)
        cells: dict[tuple[int, int], list[int]] = defaultdict(list)
        for index, commune in enumerate(communes):
            cells[_cell(commune.lon, commune.lat)].append(index)
        self.cells = {cell: np.array(found, dtype=np.intp) for cell, found in cells.items()}
        self.blocks: dict[tuple[int, int], np.ndarray] = {}

    def _block(self, column: int, row: int) -> np.ndarray:
        """Return the communes of the 3 x 3 cells around a cell (indices, cached per cell)."""
        block = self.blocks.get((column, row))
        if block is None:
            parts = [
                found
                for dx in (-1, 0, 1)
                for dy in (-1, 0, 1)
                if (found := self.cells.get((column + dx, row + dy))) is not None
            ]
            block = np.concatenate(parts) if parts else np.empty(0, dtype=np.intp)
            self.blocks[(column, row)] = block
        return block

    def nearest(self, lon: float, lat: float) -> Commune:
        """Find the nearest commune: the 3 x 3 cells around the point, else rings outwards."""
        if not self.communes:
            raise ValueError("empty gazetteer")
        column, row = _cell(lon, lat)
        cos_lat = max(math.cos(math.radians(min(abs(lat), 89.0))), 0.05)
        km_per_cell = GRID_DEGREES * 111.32 * cos_lat * 0.98  # margin: cos varies in a cell
        block = self._block(column, row)
        best_index, best_km = -1, math.inf
        if len(block):
            distances = distances_km(lon, lat, self.lons[block], self.lats[block])
            position = int(np.argmin(distances))
            best_km, best_index = float(distances[position]), int(block[position])
            if best_km <= km_per_cell:  # anything outside the block is farther than a cell
                return self.communes[best_index]
        for ring in range(2, MAX_RINGS + 1):
            for dx in range(-ring, ring + 1):
                step = 1 if abs(dx) == ring else 2 * ring  # inner columns: top and bottom only
                for dy in range(-ring, ring + 1, step):
                    indices = self.cells.get((column + dx, row + dy))
                    if indices is None:
                        continue
                    distances = distances_km(lon, lat, self.lons[indices], self.lats[indices])
                    position = int(np.argmin(distances))
                    if distances[position] < best_km:
                        best_km, best_index = float(distances[position]), int(indices[position])
            if best_index >= 0 and ring * km_per_cell >= best_km:
                return self.communes[best_index]
        distances = distances_km(lon, lat, self.lons, self.lats)  # far away: scan everything
        return self.communes[int(np.argmin(distances))]


def _signatures_of(key: str) -> tuple[str, str, str]:
    """Signatures of a key: one typo (one edit) leaves at least one of them unchanged.

    An edit near the start spares the last four letters, near the end the first four, and
    in the middle of a short key the first two plus the last two.
    """
    return ("<" + key[:4], key[-4:] + ">", key[:2] + "|" + key[-2:])


def _length_window(length: int, cutoff: float) -> tuple[int, int]:
    """Shortest and longest keys that may reach ``cutoff`` (0-100) against a key of ``length``.

    fuzz.ratio is 100 x (1 - indel distance / total length), and the indel distance is at
    least the difference of lengths; the bounds are rounded outwards (never too narrow).
    """
    slack = 1.0 - cutoff / 100.0
    shortest = math.floor(length * (1.0 - slack) / (1.0 + slack))
    longest = math.ceil(length * (1.0 + slack) / (1.0 - slack)) if slack < 1.0 else 10**9
    return shortest, longest


def _numbered_for(commune: Commune, code_postal: str) -> bool:
    """Whether an arrondissement's number is the one its postcode spells (13013 → 13e).

    Paris 751NN and Marseille 132NN match 750NN/751NN and 130NN; Lyon 6938N matches 6900N.
    """
    if commune.type != "arrondissement_municipal" or code_postal not in commune.codes_postaux:
        return False
    return int(commune.code_insee[-2:]) % 80 == int(code_postal[-2:])


def _normalise_code(code: str) -> str:
    """Return an INSEE code as the COG writes it: ' 2a004 ' → '2A004', '1001' → '01001'."""
    code = code.strip().upper()
    return "0" + code if len(code) == 4 and code.isdigit() else code


def _cell(lon: float, lat: float) -> tuple[int, int]:
    return (math.floor(lon / GRID_DEGREES), math.floor(lat / GRID_DEGREES))


class Gazetteer:
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
        self._scope_words: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {}

    @cached_property
    def _keys_of(self) -> dict[str, tuple[str, ...]]:
        """Name keys (official and aliases) of each commune code."""
        keys_of: dict[str, tuple[str, ...]] = {
            commune.code_insee: (key,)
            for commune, key in zip(self._communes, self._official_keys, strict=True)
            if key
        }
        for key, code in self._alias_keys:
            known = keys_of.get(code, ())
            if key and key not in known:
                keys_of[code] = (*known, key)
        return keys_of

    @cached_property
    def _folded_of(self) -> dict[str, str]:
        """Folded official name of each commune code."""
        return {
            commune.code_insee: folded
            for commune, folded in zip(self._communes, self._folded_names, strict=True)
        }

    @cached_property
    def _all_keys(self) -> list[str]:
        """Every name key, sorted."""
        return sorted(self._names)

    @cached_property
    def _by_departement(self) -> dict[str, list[Commune]]:
        """Communes of each département."""
        found: dict[str, list[Commune]] = defaultdict(list)
        for commune in self._communes:
            found[commune.departement].append(commune)
        return found

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

    @cached_property
    def _signatures(self) -> dict[str, tuple[str, ...]]:
        """Keys by signature (first 4, last 4, first 2 + last 2 letters), for fuzzy matching.

        Each signature's keys are sorted by length, so that a query slices out only the keys
        long enough and short enough to reach the cutoff.
        """
        found: dict[str, list[str]] = defaultdict(list)
        for key in sorted(self._all_keys, key=len):  # stable: alphabetical within a length
            for signature in _signatures_of(key):  # three distinct signatures per key
                found[signature].append(key)
        return {signature: tuple(keys) for signature, keys in found.items()}

    def _country_fuzzy(self, key: str, cutoff: float) -> tuple[tuple[str, float], ...]:
        """Best keys (at most 10) sharing a signature with ``key`` and scoring ``cutoff`` or more.

        Same answer as ranking every key that shares a signature in alphabetical order (score
        first, then key), but only keys whose length can reach the cutoff are compared, and
        without building and sorting their union.
        """
        shortest, longest = _length_window(len(key), cutoff)
        candidates: list[str] = []
        signatures = self._signatures
        for signature in _signatures_of(key):
            keys = signatures.get(signature)
            if keys is not None:
                start = bisect_left(keys, shortest, key=len)
                candidates += keys[start : bisect_right(keys, longest, start, key=len)]
        scores: dict[str, float] = {}  # a key found under two signatures counts once
        if candidates:
            for choice, score, _ in process.extract(
                key, candidates, scorer=fuzz.ratio, score_cutoff=cutoff, limit=None
            ):
                scores[choice] = float(score)
        if len(scores) > FUZZY_LIMIT:
            best = heapq.nsmallest(FUZZY_LIMIT, scores.items(), key=lambda kv: (-kv[1], kv[0]))
            return tuple(best)
        return tuple(sorted(scores.items(), key=lambda kv: (-kv[1], kv[0])))

    @cached_property
    def _prefixes(self) -> list[tuple[str, str]]:
        """Sorted (prefix key, code) pairs on folded names and commune keys (autocomplete)."""
        prefixes: set[tuple[str, str]] = set()
        for key, codes in self._names.items():
            for code in codes:
                prefixes.add((key, code))
        for commune, folded in zip(self._communes, self._folded_names, strict=True):
            prefixes.add((folded, commune.code_insee))
        return sorted(prefixes)

    @cached_property
    def _grid(self) -> _Grid:
        """The nearest-commune grid, built on first use; cities with arrondissements left out."""
        return _Grid([c for c in self._communes if c.code_insee not in self._children])

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
        with gzip.open(path, "rb") as handle:
            document: dict[str, Any] = orjson.loads(handle.read())
        boundaries = path.with_name(BOUNDARIES_FILE_NAME)
        if document.get("format") != 1 and not boundaries.exists():
            raise OSError(f"boundaries file missing beside the gazetteer: {boundaries}")
        return cls.from_document(document, boundaries if boundaries.exists() else None)

    @classmethod
    def from_document(
        cls, document: Mapping[str, Any], boundaries: Boundaries | Path | None = None
    ) -> Gazetteer:
        """Build a gazetteer from the decoded JSON document of the gazetteer file.

        :param boundaries: the boundaries, or the path of their file (read on first use).
        """
        if document.get("format") not in FORMATS:
            raise ValueError(f"unsupported gazetteer format: {document.get('format')!r}")
        regions = {code: nom for code, nom in document["regions"]}
        departements = {code: nom for code, nom, _ in document["departements"]}
        communes = []
        parents = {}
        for code, nom, cps, dep, reg, pop, lon, lat, position, kind, parent in document["communes"]:
            communes.append(  # positional: the field order of Commune (faster to load)
                Commune(
                    code,
                    nom,
                    tuple(cps.split()),
                    dep,
                    departements.get(dep, dep),
                    reg,
                    regions.get(reg, reg),
                    pop,
                    lon,
                    lat,
                    position,
                    kind,
                )
            )
            if parent:
                parents[code] = parent
        return cls(
            communes,
            departements,
            regions,
            aliases=[(name, code) for name, code in document["alias"]],
            old_codes=dict(document["anciens_codes"]),
            parents=parents,
            localities=[Locality(*record) for record in document.get("localites", ())],
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

    def match(self, nom: str, code_postal: str | None = None) -> list[tuple[Commune, float]]:
        """Communes whose name matches ``nom``, best first, with a score in [0, 1].

        Insensitive to accents, case, hyphens, St/Saint, leading articles, CEDEX and small
        typos; names of communes déléguées/associées and routing labels give the current
        commune (score 0.95). With a postcode, communes having it come first, and a city
        with arrondissements is answered by the arrondissement of that postcode. Exact
        names score 1.0, fuzzy ones at most 0.94.

        :param nom: commune name as written by a human.
        :param code_postal: optional postcode, used to choose and to narrow fuzzy matching.
        """
        key = commune_key(nom)
        if not key:
            return []
        normalised = normalise_postcode(code_postal)
        cache_key = (key, normalised)
        cached = self._match_cache.get(cache_key)
        if cached is None:
            if len(self._match_cache) >= CACHE_LIMIT:
                self._match_cache.clear()
            cached = self._match(key, normalised)
            self._match_cache[cache_key] = cached
        codes, scores = cached
        by_code = self._by_code
        return [(by_code[code], score) for code, score in zip(codes, scores, strict=True)]

    def _match(self, key: str, code_postal: str | None) -> tuple[_Codes, _Scores]:
        """Codes of the matching communes, best first, and their scores."""
        exact = self._names.get(key)
        if code_postal is None:
            scores = exact or self._fuzzy(key, None, FUZZY_CUTOFF_COUNTRY)
        else:
            scope = self._scope_of(code_postal)
            if scope is None:
                scores = {}
            else:
                codes = self._scope_codes[scope]
                scores = {c: s for c, s in exact.items() if c in codes} if exact else {}
                if not scores:
                    by_departement = scope.startswith("dep:")
                    cutoff = FUZZY_CUTOFF_DEPARTEMENT if by_departement else FUZZY_CUTOFF_POSTCODE
                    scores = self._fuzzy(key, scope, cutoff, codes)
                    for code in self._containing(key, scope):
                        scores[code] = max(scores.get(code, 0.0), CONTAINED_SCORE)
            if exact:
                departements = departement_of_postcode(code_postal)
                for code, score in exact.items():
                    if code not in scores:
                        near = self._by_code[code].departement in departements
                        scores[code] = score * (
                            OTHER_POSTCODE_FACTOR if near else OTHER_DEPARTEMENT_FACTOR
                        )
            scores = self._to_arrondissements(scores, code_postal)
        if len(scores) == 1:
            ((code, score),) = scores.items()
            return (code,), (round(score, 4),)
        if not scores:
            return (), ()
        by_code = self._by_code
        ranked = sorted(
            scores.items(),
            key=lambda item: (-item[1], -(by_code[item[0]].population or 0), item[0]),
        )
        return tuple(code for code, _ in ranked), tuple(round(score, 4) for _, score in ranked)

    def _scope_of(self, code_postal: str) -> str | None:
        """Fuzzy scope of a postcode: itself, else its département(s) (CEDEX), else ``None``.

        Fills the scope's commune codes on first use.
        """
        scope: str = code_postal
        if scope in self._scope_codes:
            return scope
        area: Iterable[Commune] | None = self._postcode_all.get(code_postal)
        if not area:  # CEDEX and other special postcodes: the communes of the département
            departements = departement_of_postcode(code_postal)
            scope = "dep:" + "/".join(departements)
            if scope in self._scope_codes:
                return scope
            area = [c for d in departements for c in self._by_departement.get(d, [])]
            if not area:
                return None
        self._scope_codes[scope] = frozenset(c.code_insee for c in area)
        return scope

    def _containing(self, key: str, scope: str) -> list[str]:
        """Codes of the communes of a scope whose official name contains ``key`` as whole words.

        « Cherbourg » is in « Cherbourg-en-Cotentin » and « Bourg » in « Bourg-en-Bresse », but
        « Bourg » is not in « Strasbourg ».
        """
        words_of = self._scope_words.get(scope)
        if words_of is None:
            folded_of = self._folded_of
            words_of = tuple(
                (code, tuple(commune_key(word) for word in folded_of[code].split()))
                for code in sorted(self._scope_codes[scope])
            )
            self._scope_words[scope] = words_of
        found = []
        for code, words in words_of:
            runs = (
                "".join(words[start:stop])
                for start in range(len(words))
                for stop in range(start + 1, len(words) + 1)
                if stop - start < len(words)
            )
            if key in runs:
                found.append(code)
        return found

    def _keys_of_scope(self, scope: str) -> tuple[str, ...]:
        """Sorted name keys of the communes of a scope (built on the first fuzzy search there)."""
        keys = self._scope_keys.get(scope)
        if keys is None:
            keys_of = self._keys_of
            codes = self._scope_codes[scope]
            keys = tuple(sorted({k for code in codes for k in keys_of.get(code, ())}))
            self._scope_keys[scope] = keys
        return keys

    def _fuzzy(
        self,
        key: str,
        scope: str | None,
        cutoff: float,
        allowed: frozenset[str] | None = None,
    ) -> dict[str, float]:
        """Fuzzy scores of the communes whose name keys are close to ``key`` in a scope.

        ``scope`` is a postcode, ``"dep:…"``, or ``None`` for the whole country.
        """
        cache_key = (key, scope or "")
        found = self._fuzzy_cache.get(cache_key)
        if found is None:
            if len(self._fuzzy_cache) >= CACHE_LIMIT:
                self._fuzzy_cache.clear()
            if scope is None:
                found = self._country_fuzzy(key, cutoff)
            else:
                hits = process.extract(
                    key,
                    self._keys_of_scope(scope),
                    scorer=fuzz.ratio,
                    score_cutoff=cutoff,
                    limit=FUZZY_LIMIT,
                )
                found = tuple((choice, float(score)) for choice, score, _ in hits)
            self._fuzzy_cache[cache_key] = found
        scores: dict[str, float] = {}
        for choice, ratio in found:
            for code, name_score in self._names[choice].items():
                if allowed is not None and code not in allowed:
                    continue
                score = min(FUZZY_CEILING, ratio / 100.0 * name_score)
                if score > scores.get(code, 0.0):
                    scores[code] = score
        return scores

    def _to_arrondissements(self, scores: dict[str, float], code_postal: str) -> dict[str, float]:
        children_of = self._children
        if scores.keys().isdisjoint(children_of):
            return scores  # the usual case: no Paris, Lyon or Marseille among the candidates
        result: dict[str, float] = {}
        for code, score in scores.items():
            children = [c for c in children_of.get(code, ()) if code_postal in c.codes_postaux]
            numbered = [c for c in children if _numbered_for(c, code_postal)]
            if numbered:  # "Marseille" + 13013: the 13e, though 12e and 14e share 13013
                children = numbered
            target = children[0].code_insee if len(children) == 1 else code
            result[target] = max(result.get(target, 0.0), score)
        return result

    @cached_property
    def _boundaries(self) -> Boundaries | None:
        """The boundaries, read from their file on first use."""
        source = self._boundaries_source
        return Boundaries.load(source) if isinstance(source, Path) else source

    @property
    def has_boundaries(self) -> bool:
        """Whether :meth:`commune_at` decides by boundaries (else by the nearest commune)."""
        return self._boundaries_source is not None

    def commune_at(
        self, lon: float, lat: float, tolerance_m: float = TOLERANCE_M
    ) -> Commune | None:
        """Find the commune whose boundary contains (lon, lat); arrondissements within cities.

        A point outside every boundary (at sea, abroad) belongs to the nearest commune whose
        boundary lies within ``tolerance_m`` metres (coasts and borders are simplified), else
        the answer is ``None``. The boundaries file is read on the first call. A gazetteer
        without boundaries (small ones in tests) answers the nearest commune.

        :raises ValueError: non-finite coordinates.
        """
        if not (math.isfinite(lon) and math.isfinite(lat)):
            raise ValueError(f"invalid coordinates: {lon!r}, {lat!r}")
        boundaries = self._boundaries
        if boundaries is None:
            return self._grid.nearest(lon, lat)
        code = boundaries.containing(lon, lat, tolerance_m)
        return None if code is None else self._by_code.get(code)

    def boundary(self, code: str) -> Any:
        """Return the boundary (a shapely MultiPolygon) of a commune or arrondissement, or None.

        Paris, Lyon and Marseille have none: their arrondissements have.
        """
        boundaries = self._boundaries
        return None if boundaries is None else boundaries.geometry(code)

    def is_within(self, inner: Commune, outer: Commune) -> bool:
        """Whether ``inner`` is ``outer`` or one of its municipal arrondissements."""
        return inner.code_insee == outer.code_insee or inner in self._children.get(
            outer.code_insee, ()
        )

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

    def nearest(self, lon: float, lat: float) -> Commune:
        """Find the commune nearest to (lon, lat); arrondissements within cities.

        :raises ValueError: empty gazetteer or non-finite coordinates.
        """
        if not (math.isfinite(lon) and math.isfinite(lat)):
            raise ValueError(f"invalid coordinates: {lon!r}, {lat!r}")
        return self._grid.nearest(lon, lat)

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
