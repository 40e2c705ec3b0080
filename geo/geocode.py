"""The offline geocoding chain: each row's commune and position from the embedded gazetteer.

One module over 500 lines: the chain's steps share the geocoder's per-build caches and its
rules' order, which splitting would have to expose between modules.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from geo.gazetteer import departement_of_postcode
from geo.importer import FIELD_LABELS, ImportedRow, Issue, Level
from geo.schema import GeocodingSource, Precision
from geo.text import commune_key

if TYPE_CHECKING:
    from geo.gazetteer import Commune, Gazetteer, Locality


# --------------------------------------------------------------------------- offline chain

#: Generous bounding boxes (lon_min, lat_min, lon_max, lat_max) of the territories served.
TERRITORY_BOUNDS: Final[dict[str, tuple[float, float, float, float]]] = {
    "métropole": (-5.3, 42.25, 8.3, 51.2),
    "Corse": (8.45, 41.3, 9.65, 43.1),
    "Guadeloupe": (-62.0, 15.7, -60.8, 16.7),
    "Martinique": (-61.4, 14.2, -60.7, 15.0),
    "Guyane": (-54.7, 2.0, -51.5, 6.0),
    "La Réunion": (55.1, -21.5, 56.0, -20.7),
    "Mayotte": (44.9, -13.1, 45.4, -12.5),
}

#: Lowest name-match score accepted as the same commune.
MIN_NAME_SCORE: Final = 0.8
#: Name scores from here up are exact names or known other names (communes déléguées); below,
#: the gazetteer corrected a typo, which the report mentions.
EXACT_NAME_SCORE: Final = 0.95
#: Candidates within this much of the best score are considered equally good (ambiguity).
TIE_MARGIN: Final = 0.02
#: Distinct textual inputs (INSEE code, commune, postcode) whose outcome a geocoder keeps; the
#: cache starts over when it reaches this, so memory stays bounded whatever the file.
CACHE_LIMIT: Final = 100_000


def in_france(lon: float, lat: float) -> bool:
    """Whether a point lies in metropolitan France, Corsica or one of the five overseas regions."""
    return any(
        lon_min <= lon <= lon_max and lat_min <= lat <= lat_max
        for lon_min, lat_min, lon_max, lat_max in TERRITORY_BOUNDS.values()
    )


def _same_departement(commune: Commune, code_postal: str) -> bool:
    return commune.departement in departement_of_postcode(code_postal)


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a row was placed and how."""

    commune: Commune
    lon: float
    lat: float
    source: GeocodingSource
    precision: Precision
    score: float
    libelle: str


@dataclass(frozen=True, slots=True)
class PlacedRow:
    """A validated row with its placement: what the GeoJSON writer turns into a feature."""

    row: ImportedRow
    placement: Placement


@dataclass(frozen=True, slots=True)
class RowOutcome:
    """Result of the offline chain for one row: a placement (or ``None``) and its issues."""

    placement: Placement | None
    issues: tuple[Issue, ...]


#: An issue without its row: (column, motif, level), the same for every row of the same text.
_IssueTemplate = tuple[str | None, str, Level]


@dataclass(frozen=True, slots=True)
class _TextOutcome:
    """What the chain makes of a row's text; rows with the same text share it."""

    placement: Placement | None
    issues: tuple[_IssueTemplate, ...]
    #: the row outcome itself when there is no issue (shared: outcomes are immutable)
    outcome: RowOutcome | None


@dataclass(frozen=True, slots=True)
class _NameMatch:
    commune: Commune | None
    score: float
    candidates: tuple[Commune, ...]  # several when ambiguous


#: Candidates named in an ambiguity message; the rest are counted.
MAX_LISTED_CANDIDATES: Final = 8


def _describe(communes: Sequence[Commune]) -> str:
    listed = ", ".join(
        f"{c.nom} ({c.departement}, INSEE {c.code_insee})" for c in communes[:MAX_LISTED_CANDIDATES]
    )
    others = len(communes) - MAX_LISTED_CANDIDATES
    return listed + (f" et {others} autre(s)" if others > 0 else "")


class OfflineGeocoder:
    """The offline chain on a :class:`Gazetteer`; each distinct text is resolved once per build.

    Each row's commune is resolved from, in order: explicit coordinates (the commune whose
    boundary contains them), the INSEE code, the commune name (looked for among the
    postcode's communes first), and the postcode alone. A row naming a commune déléguée or
    associée (by name or code) is placed at its own town hall. Nothing is written;
    :meth:`locate` returns a placement and the issues.
    """

    def __init__(
        self,
        gazetteer: Gazetteer,
        column_names: Mapping[str, str] | None = None,
        min_name_score: float = MIN_NAME_SCORE,
    ) -> None:
        self.gazetteer = gazetteer
        self.columns = dict(column_names or {})
        self.min_name_score = min_name_score
        # real files repeat their communes: each distinct text is resolved once per build
        self._texts: dict[tuple[str | None, str | None, str | None], _TextOutcome] = {}
        self._postcodes: dict[str, tuple[Commune, ...]] = {}
        self._postcode_placements: dict[str, Placement] = {}
        self._commune_placements: dict[tuple[str, str, Precision, float], Placement] = {}

    # -- helpers

    def _column(self, name: str) -> str:
        return self.columns.get(name, FIELD_LABELS[name])

    def _postcode_communes(self, code_postal: str) -> tuple[Commune, ...]:
        found = self._postcodes.get(code_postal)
        if found is None:
            found = tuple(self.gazetteer.by_postcode(code_postal))
            self._postcodes[code_postal] = found
        return found

    def match_name(self, nom: str, code_postal: str | None) -> _NameMatch:
        """Resolve a commune name, using the postcode to confirm or to choose."""
        # match answers each commune once, best score first: filtering keeps that order
        min_score = self.min_name_score
        good = [pair for pair in self.gazetteer.match(nom, code_postal) if pair[1] >= min_score]
        if not good:
            return _NameMatch(None, 0.0, ())
        if code_postal and len(good) > 1:
            narrowed = [(c, s) for c, s in good if code_postal in c.codes_postaux]
            if not narrowed:  # CEDEX and special postcodes: at least the same département
                narrowed = [(c, s) for c, s in good if _same_departement(c, code_postal)]
            if narrowed:
                good = narrowed
        best = good[0][1]
        tied = [c for c, s in good if s >= best - TIE_MARGIN]
        if len(tied) == 1:
            return _NameMatch(tied[0], best, ())
        return _NameMatch(None, best, tuple(tied))

    def _issue(self, row: ImportedRow, name: str, motif: str, level: Level) -> Issue:
        return Issue(row.ligne, row.id, self._column(name), motif, level)

    # -- the chain

    def locate(self, row: ImportedRow) -> RowOutcome:
        """Place one row, or explain in French why it cannot be placed."""
        issues: list[Issue] = []
        if row.latitude is not None and row.longitude is not None:
            placement = self._from_coordinates(row, issues)
            if placement is not None or not row.has_place_hint:
                return RowOutcome(placement, tuple(issues) if issues else ())
        text = self._text_outcome(row)
        if text.outcome is not None and not issues:
            return text.outcome
        issues += [Issue(row.ligne, row.id, *template) for template in text.issues]
        return RowOutcome(text.placement, tuple(issues))

    def _text_outcome(self, row: ImportedRow) -> _TextOutcome:
        """Resolve a row's text to a placement and issues, once per distinct text."""
        key = (row.code_insee, row.commune, row.code_postal)
        found = self._texts.get(key)
        if found is None:
            issues: list[Issue] = []
            placement = self._from_text(row, issues)
            found = _TextOutcome(
                placement,
                tuple((issue.colonne, issue.motif, issue.niveau) for issue in issues),
                None if issues else RowOutcome(placement, ()),
            )
            if len(self._texts) >= CACHE_LIMIT:
                self._texts.clear()
            self._texts[key] = found
        return found

    def _from_coordinates(self, row: ImportedRow, issues: list[Issue]) -> Placement | None:
        assert row.latitude is not None and row.longitude is not None
        lat, lon = row.latitude, row.longitude
        if not in_france(lon, lat):
            if in_france(lat, lon):
                lat, lon = lon, lat
                issues.append(
                    self._issue(
                        row,
                        "latitude",
                        f"latitude et longitude inversées ({row.latitude}, {row.longitude}) : "
                        "corrigées",
                        Level.AVERTISSEMENT,
                    )
                )
            else:
                territories = ", ".join(TERRITORY_BOUNDS)
                motif = (
                    f"coordonnées ({row.latitude}, {row.longitude}) hors de France ({territories})"
                )
                if row.has_place_hint:
                    issues.append(
                        self._issue(row, "latitude", motif + " : ignorées", Level.AVERTISSEMENT)
                    )
                else:
                    issues.append(self._issue(row, "latitude", motif, Level.REJET))
                return None
        commune = self.gazetteer.commune_at(lon, lat)
        if commune is None:
            motif = f"coordonnées ({row.latitude}, {row.longitude}) hors des communes françaises"
            if row.has_place_hint:
                issues.append(
                    self._issue(row, "latitude", motif + " : ignorées", Level.AVERTISSEMENT)
                )
            else:
                issues.append(self._issue(row, "latitude", motif, Level.REJET))
            return None
        if row.has_place_hint:
            stated = self._text_outcome(row).placement
            if stated is not None and not self._agrees(row, commune, stated):
                issues.append(
                    self._issue(
                        row,
                        "latitude",
                        f"coordonnées dans la commune {commune.nom} ({commune.departement}), "
                        f"pas dans la commune indiquée ({stated.commune.nom}, "
                        f"{stated.commune.departement}) : les coordonnées sont retenues",
                        Level.AVERTISSEMENT,
                    )
                )
        return Placement(
            commune,
            round(lon, 6),
            round(lat, 6),
            GeocodingSource.COORDONNEES,
            Precision.ADRESSE,
            1.0,
            commune.nom,
        )

    def _agrees(self, row: ImportedRow, found: Commune, stated: Placement) -> bool:
        """Whether the commune containing a row's coordinates is the one its text names."""
        if self.gazetteer.is_within(found, stated.commune):
            return True  # the same commune, or an arrondissement of the city named
        # a postcode shared by several communes names none of them in particular
        return (
            stated.precision is Precision.CODE_POSTAL
            and row.code_postal is not None
            and row.code_postal in found.codes_postaux
        )

    def _at_commune(
        self,
        commune: Commune,
        precision: Precision,
        score: float,
        locality: Locality | None = None,
    ) -> Placement:
        # placements are immutable: rows of one commune share one object (fewer allocations)
        key = (commune.code_insee, locality.code_insee if locality else "", precision, score)
        placement = self._commune_placements.get(key)
        if placement is None:
            if locality is None:
                lon, lat, libelle = commune.lon, commune.lat, commune.nom
            else:  # a commune déléguée/associée: at its own town hall, inside the commune
                lon, lat = locality.lon, locality.lat
                libelle = f"{locality.nom} ({commune.nom})"
            placement = Placement(
                commune,
                lon,
                lat,
                GeocodingSource.GAZETTEER,
                precision,
                round(score, 3),
                libelle,
            )
            self._commune_placements[key] = placement
        return placement

    def _from_text(self, row: ImportedRow, issues: list[Issue]) -> Placement | None:
        warn = Level.AVERTISSEMENT
        code_postal = row.code_postal
        if row.code_insee:
            commune = self.gazetteer.by_insee(row.code_insee)
            if commune is not None:
                return self._check_insee(row, commune, issues)
            issues.append(
                self._issue(
                    row,
                    "code_insee",
                    f"code INSEE « {row.code_insee} » inconnu"
                    + (
                        " : localisation par la commune ou le code postal"
                        if (row.commune or code_postal)
                        else ""
                    ),
                    warn if (row.commune or code_postal) else Level.REJET,
                )
            )
            if not (row.commune or code_postal):
                return None
        ambiguous: tuple[Commune, ...] = ()
        if row.commune:
            if code_postal and self.min_name_score <= 1.0:
                # the commonest row (a commune's official name and its postcode): no ranking,
                # no warning, no commune déléguée (its name is not the official one)
                official = self.gazetteer.official_in_postcode(row.commune, code_postal)
                if official is not None:
                    return self._at_commune(official, Precision.COMMUNE, 1.0)
            found = self.match_name(row.commune, code_postal)
            if found.commune is not None:
                commune = found.commune
                if code_postal and code_postal not in commune.codes_postaux:
                    others = self._postcode_communes(code_postal)
                    if others or not _same_departement(commune, code_postal):
                        issues.append(
                            self._issue(
                                row,
                                "code_postal",
                                f"le code postal {code_postal} ne correspond pas à la commune "
                                f"« {row.commune} » ({commune.nom}, {commune.departement}) : "
                                "la commune est retenue",
                                warn,
                            )
                        )
                if found.score < EXACT_NAME_SCORE:
                    issues.append(
                        self._issue(
                            row,
                            "commune",
                            f"commune « {row.commune} » lue comme « {commune.nom} » "
                            f"({commune.departement}) : vérifiez l'orthographe",
                            warn,
                        )
                    )
                locality = self.gazetteer.locality(commune, nom=row.commune)
                return self._at_commune(commune, Precision.COMMUNE, found.score, locality)
            ambiguous = found.candidates
            if not code_postal or not self._postcode_communes(code_postal):
                if ambiguous:
                    issues.append(
                        self._issue(
                            row,
                            "commune",
                            f"commune « {row.commune} » ambiguë : {_describe(ambiguous)} ; "
                            "précisez le code postal ou le code INSEE",
                            Level.REJET,
                        )
                    )
                else:
                    motif = f"commune « {row.commune} » introuvable"
                    if code_postal:
                        motif += f" et code postal {code_postal} inconnu"
                    issues.append(self._issue(row, "commune", motif, Level.REJET))
                return None
            issues.append(
                self._issue(
                    row,
                    "commune",
                    f"commune « {row.commune} » "
                    + (f"ambiguë ({_describe(ambiguous)})" if ambiguous else "introuvable")
                    + f" : localisation par le code postal {code_postal}",
                    warn,
                )
            )
        if code_postal:
            return self._from_postcode(row, code_postal, issues)
        return None

    def _check_insee(self, row: ImportedRow, commune: Commune, issues: list[Issue]) -> Placement:
        warn = Level.AVERTISSEMENT
        code_postal = row.code_postal
        if row.commune and not self._name_agrees(row.commune, commune):
            found = self.match_name(row.commune, code_postal)
            if (
                found.commune is not None
                and code_postal
                and code_postal in found.commune.codes_postaux
                and code_postal not in commune.codes_postaux
            ):
                issues.append(
                    self._issue(
                        row,
                        "code_insee",
                        f"le code INSEE {row.code_insee} ({commune.nom}) contredit le code "
                        f"postal et la commune ({found.commune.nom}, {code_postal}) : "
                        f"{found.commune.nom} est retenue",
                        warn,
                    )
                )
                locality = self.gazetteer.locality(found.commune, nom=row.commune)
                return self._at_commune(found.commune, Precision.COMMUNE, found.score, locality)
            issues.append(
                self._issue(
                    row,
                    "commune",
                    f"la commune « {row.commune} » ne correspond pas au code INSEE "
                    f"{row.code_insee} ({commune.nom}) : le code INSEE est retenu",
                    warn,
                )
            )
        elif code_postal and code_postal not in commune.codes_postaux:
            others = self._postcode_communes(code_postal)
            if others or not _same_departement(commune, code_postal):
                issues.append(
                    self._issue(
                        row,
                        "code_postal",
                        f"le code postal {code_postal} ne correspond pas au code INSEE "
                        f"{row.code_insee} ({commune.nom}) : le code INSEE est retenu",
                        warn,
                    )
                )
        locality = self.gazetteer.locality(commune, nom=row.commune, code_insee=row.code_insee)
        return self._at_commune(commune, Precision.COMMUNE, 1.0, locality)

    def _name_agrees(self, nom: str, commune: Commune) -> bool:
        key, official = commune_key(nom), commune_key(commune.nom)
        if key == official or official.startswith(key) or key.startswith(official):
            return True  # "Paris" for "Paris 11e Arrondissement", and the reverse
        # the commune's own postcode keeps the gazetteer's fuzzy search local (fast)
        local = commune.codes_postaux[0] if commune.codes_postaux else None
        found = self.match_name(nom, local)
        return found.commune is not None and found.commune.code_insee == commune.code_insee

    def _from_postcode(
        self, row: ImportedRow, code_postal: str, issues: list[Issue]
    ) -> Placement | None:
        communes = self._postcode_communes(code_postal)
        if not communes:
            issues.append(
                self._issue(
                    row,
                    "code_postal",
                    f"code postal {code_postal} inconnu (CEDEX ?) : ajoutez la commune ou le "
                    "code INSEE",
                    Level.REJET,
                )
            )
            return None
        placement = self._postcode_placements.get(code_postal)
        if placement is None:
            placement = self._postcode_placement(code_postal, communes)
            self._postcode_placements[code_postal] = placement
        return placement

    def _postcode_placement(self, code_postal: str, communes: Sequence[Commune]) -> Placement:
        if len(communes) == 1:
            return self._at_commune(communes[0], Precision.COMMUNE, 1.0)
        main = communes[0]  # by_postcode answers the most populated first
        libelle = f"{code_postal} {main.nom} (et {len(communes) - 1} autre(s) commune(s))"
        return Placement(
            main,
            main.lon,
            main.lat,
            GeocodingSource.GAZETTEER,
            Precision.CODE_POSTAL,
            round(1.0 / len(communes), 3),
            libelle,
        )


# --------------------------------------------------------------------------- orchestration


@dataclass(slots=True)
class GeocodeReport:
    """Placed rows in input order, every issue, and the online geocoder's fallbacks."""

    placed: list[PlacedRow] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    #: rows sent to the online geocoder
    online_queries: int = 0
    #: rows the online geocoder could not place better, by French reason category
    online_fallbacks: Counter[str] = field(default_factory=Counter)


def geocode_offline(
    rows: Iterable[ImportedRow],
    gazetteer: Gazetteer,
    column_names: Mapping[str, str] | None = None,
    on_row: Callable[[], object] | None = None,
) -> GeocodeReport:
    """Run the offline chain over rows; ``on_row`` is called after each (progress bars)."""
    geocoder = OfflineGeocoder(gazetteer, column_names)
    report = GeocodeReport()
    for row in rows:
        outcome = geocoder.locate(row)
        report.issues.extend(outcome.issues)
        if outcome.placement is not None:
            report.placed.append(PlacedRow(row, outcome.placement))
        if on_row is not None:
            on_row()
    return report
