"""The gazetteer's name index: exact, alias, contained and fuzzy matches of commune names."""

from __future__ import annotations

import heapq
import math
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable
from functools import cached_property

from rapidfuzz import fuzz, process

from geo.gazetteer.model import (
    Commune,
    _numbered_for,
    departement_of_postcode,
    normalise_postcode,
)
from geo.text import commune_key, commune_key_of_folded

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
#: Cached match answers: commune codes best first, and their scores.
_Codes = tuple[str, ...]
_Scores = tuple[float, ...]


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


class _NameIndex:
    """Name look-ups of :class:`geo.gazetteer.Gazetteer` (a base class of it)."""

    # set by Gazetteer.__init__
    _communes: tuple[Commune, ...]
    _by_code: dict[str, Commune]
    _children: dict[str, list[Commune]]
    _names: dict[str, dict[str, float]]
    _official_keys: list[str]
    _alias_keys: list[tuple[str, str]]
    _folded_names: list[str]
    _postcode_all: dict[str, list[Commune]]
    _match_cache: dict[tuple[str, str | None], tuple[_Codes, _Scores]]
    _fuzzy_cache: dict[tuple[str, str], tuple[tuple[str, float], ...]]
    _scope_codes: dict[str, frozenset[str]]
    _scope_keys: dict[str, tuple[str, ...]]
    _scope_runs: dict[str, dict[str, tuple[str, ...]]]

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

    def official_in_postcode(self, nom: str, code_postal: str) -> Commune | None:
        """Find the commune ``nom`` names officially among those of ``code_postal``, if plain.

        The commonest row, answered without ranking: :meth:`match` would answer this commune
        first at score 1.0, with no other commune of the postcode near its score. ``None``
        whenever that is not plain (no such name, a postcode not of five digits, two
        communes of that name in the postcode, a city with arrondissements), which leaves
        the answer to :meth:`match`.
        """
        exact = self._names.get(commune_key(nom))
        if exact is None or len(code_postal) != 5 or not code_postal.isdigit():
            return None
        found: Commune | None = None
        children = self._children
        for code, score in exact.items():
            if code in children:
                return None
            commune = self._by_code[code]
            if code_postal in commune.codes_postaux:
                if found is not None or score != EXACT_SCORE:
                    return None
                found = commune
        return found

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

    @cached_property
    def _folded_of(self) -> dict[str, str]:
        """Folded official name of each commune code."""
        return {
            commune.code_insee: folded
            for commune, folded in zip(self._communes, self._folded_names, strict=True)
        }

    def _runs_of_scope(self, scope: str) -> dict[str, tuple[str, ...]]:
        """Codes (sorted) of the communes of a scope whose official name has each run of words.

        A run is the keys of consecutive words of the folded name, joined, short of the whole
        name (the whole name is an exact match): « cherbourg » and « encotentin » for
        Cherbourg-en-Cotentin. Built on the first look-up in the scope, so that a file pays
        only for the postcodes it uses.
        """
        runs_of = self._scope_runs.get(scope)
        if runs_of is None:
            folded_of = self._folded_of
            found: dict[str, list[str]] = defaultdict(list)
            for code in sorted(self._scope_codes[scope]):
                words = [commune_key_of_folded(word) for word in folded_of[code].split()]
                runs = {
                    "".join(words[start:stop])
                    for start in range(len(words))
                    for stop in range(start + 1, len(words) + 1)
                    if stop - start < len(words)
                }
                for run in runs:
                    found[run].append(code)
            runs_of = {run: tuple(codes) for run, codes in found.items()}
            self._scope_runs[scope] = runs_of
        return runs_of

    def _containing(self, key: str, scope: str) -> list[str]:
        """Codes of the communes of a scope whose official name contains ``key`` as whole words.

        « Cherbourg » is in « Cherbourg-en-Cotentin » and « Bourg » in « Bourg-en-Bresse », but
        « Bourg » is not in « Strasbourg ».
        """
        return list(self._runs_of_scope(scope).get(key, ()))

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
