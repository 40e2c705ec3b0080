"""Build RFC 7946 GeoJSON from placed rows (pure) and write it atomically."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final
from zoneinfo import ZoneInfo

import orjson

from geo.geocode import PlacedRow, Placement
from geo.importer import NO_DETAILS, ImportedRow, TrainingDetails
from geo.importer.details import prochaine_session
from geo.io import write_bytes_atomic, write_pieces_atomic

if TYPE_CHECKING:
    from geo.gazetteer import Commune

#: Decimals kept in coordinates (RFC 7946 §11.2 recommends no more than 6: about 10 cm).
COORDINATE_DECIMALS: Final = 6
#: Metadata flag of a file the operator accepted despite a large drop in trainings.
DROP_ACCEPTED_KEY: Final = "baisse_acceptee"
DEFAULT_TITLE: Final = "Formations labellisées Grande École du Numérique"
#: The build date (``prochaine_session``) is the generation's day in this time zone.
BUILD_TIME_ZONE: Final = ZoneInfo("Europe/Paris")


@dataclass(frozen=True, slots=True)
class CollectionMetadata:
    """What the ``metadonnees`` foreign member says about a build (besides version and count)."""

    source: str
    date_generation: str
    titre: str = DEFAULT_TITLE
    demo: bool = False
    licence: str | None = None


def build_date_of(metadata: CollectionMetadata) -> date:
    """Return the build's day (Europe/Paris) from the metadata's generation moment."""
    return datetime.fromisoformat(metadata.date_generation).astimezone(BUILD_TIME_ZONE).date()


def _detail_properties(details: TrainingDetails, build_date: date) -> dict[str, Any]:
    """Properties of a training's details, in ``PROPERTY_FIELDS`` order."""
    if details is NO_DETAILS:  # most files have none of these columns
        return {
            "sessions": [],
            "prochaine_session": None,
            "contact_email": None,
            "contact_telephone": None,
            "url_candidature": None,
            "certification": None,
            "niveau_entree": None,
            "niveau_sortie": None,
            "public_vise": [],
            "alternance": None,
            "nombre_heures": None,
            "prise_en_charge": None,
        }
    return {
        "sessions": [{"debut": debut, "fin": fin} for debut, fin in details.sessions],
        "prochaine_session": prochaine_session(details.sessions, build_date),
        "contact_email": details.contact_email,
        "contact_telephone": details.contact_telephone,
        "url_candidature": details.url_candidature,
        "certification": details.certification,
        "niveau_entree": details.niveau_entree.value if details.niveau_entree else None,
        "niveau_sortie": details.niveau_sortie.value if details.niveau_sortie else None,
        "public_vise": [public.value for public in details.public_vise],
        "alternance": details.alternance,
        "nombre_heures": details.nombre_heures,
        "prise_en_charge": details.prise_en_charge,
    }


# A feature's properties come in five groups, by what they depend on: the row (before and
# after the commune's), the matched commune, the details, and the placement. The encoder
# shares the encoding of the last three between the rows with the same objects. Enumerations
# stay members: they are ``StrEnum``, which JSON writes as their value.


def _default_postcode(commune: Commune) -> str | None:
    """Return the postcode of a row that gives none: its commune's, when it has only one."""
    return commune.codes_postaux[0] if len(commune.codes_postaux) == 1 else None


def _row_head(row: ImportedRow, code_postal: str | None) -> dict[str, Any]:
    """Properties from ``intitule`` to ``code_postal``."""
    return {
        "intitule": row.intitule,
        "structure": row.structure,
        "type_structure": row.type_structure,
        "adresse": row.adresse,
        "code_postal": code_postal,
    }


def _commune_properties(commune: Commune) -> dict[str, Any]:
    """Properties from ``commune`` to ``region_nom``: the matched commune's, not the input's."""
    return {
        "commune": commune.nom,
        "code_insee": commune.code_insee,
        "departement": commune.departement,
        "departement_nom": commune.departement_nom,
        "region": commune.region,
        "region_nom": commune.region_nom,
    }


def _row_tail(row: ImportedRow) -> dict[str, Any]:
    """Properties from ``duree_mois`` to ``date_labellisation``."""
    return {
        "duree_mois": row.duree_mois,
        "modalite": row.modalite,
        "site_web": row.site_web,
        "date_labellisation": row.date_labellisation,
    }


def _geocoding_properties(placement: Placement) -> dict[str, Any]:
    """Properties from ``geocodage_source`` to ``geocodage_libelle``."""
    return {
        "geocodage_source": placement.source,
        "geocodage_precision": placement.precision,
        "geocodage_score": placement.score,
        "geocodage_libelle": placement.libelle,
    }


def _geometry(placement: Placement) -> dict[str, Any]:
    """Make a Point at ``[lon, lat]``, rounded to :data:`COORDINATE_DECIMALS`."""
    lon = round(placement.lon, COORDINATE_DECIMALS)
    lat = round(placement.lat, COORDINATE_DECIMALS)
    return {"type": "Point", "coordinates": [lon, lat]}


def feature_properties(item: PlacedRow, build_date: date) -> dict[str, Any]:
    """Properties of one feature, exactly ``PROPERTY_FIELDS`` in order (``None`` when absent).

    Written in that order (``tests/geo/test_geojson.py`` checks it), so no reordering pass
    runs per feature. List fields are ``[]`` when empty; ``prochaine_session`` is the first
    session start on or after ``build_date``.
    """
    row, placement = item.row, item.placement
    code_postal = row.code_postal
    if code_postal is None:
        code_postal = _default_postcode(placement.commune)
    return {
        **_row_head(row, code_postal),
        **_commune_properties(placement.commune),
        **_row_tail(row),
        **_detail_properties(row.details, build_date),
        **_geocoding_properties(placement),
    }


def build_feature(item: PlacedRow, build_date: date) -> dict[str, Any]:
    """One GeoJSON Point feature with a top-level string ``id`` and ``[lon, lat]`` coordinates."""
    return {
        "type": "Feature",
        "id": str(item.row.id),
        "geometry": _geometry(item.placement),
        "properties": feature_properties(item, build_date),
    }


def features_version(features: Iterable[Mapping[str, Any]]) -> str:
    """Sha256 of the features as the file writes them (compact JSON): changes iff they change."""
    return hashlib.sha256(orjson.dumps(list(features))).hexdigest()


def _metadonnees(metadata: CollectionMetadata, version: str, count: int) -> dict[str, Any]:
    """Make the ``metadonnees`` foreign member of a collection (RFC 7946 §6.1)."""
    return {
        "titre": metadata.titre,
        "demo": metadata.demo,
        "version": version,
        "date_generation": metadata.date_generation,
        "source": metadata.source,
        "licence": metadata.licence,
        "nombre": count,
    }


def build_feature_collection(
    placed_rows: Iterable[PlacedRow], metadata: CollectionMetadata
) -> dict[str, Any]:
    """Build the FeatureCollection with its ``metadonnees`` foreign member (RFC 7946 §6.1).

    :param placed_rows: rows in output order.
    :param metadata: source, generation date (its day is the build date of
        ``prochaine_session``) and the sidecar's title, demo flag and licence.
    :returns: a JSON-ready dict; ``metadonnees.version`` is :func:`features_version`.
        :func:`encode_feature_collection` writes the same bytes without the dicts.
    """
    build_date = build_date_of(metadata)
    features = [build_feature(item, build_date) for item in placed_rows]
    return {
        "type": "FeatureCollection",
        "metadonnees": _metadonnees(metadata, features_version(features), len(features)),
        "features": features,
    }


#: Features joined into one piece of an :class:`EncodedCollection`: a piece's features are
#: freed as soon as it is joined, so their memory is reused by the next piece's.
FEATURES_PER_PIECE: Final = 2048


@dataclass(frozen=True, slots=True)
class EncodedCollection:
    """A FeatureCollection encoded as compact JSON in pieces, with its ``metadonnees``."""

    #: The ``metadonnees`` member; a caller may add a flag (:data:`DROP_ACCEPTED_KEY`).
    metadonnees: dict[str, Any]
    #: The features array, in pieces (``[``, features separated by commas, ``]``).
    features: tuple[bytes, ...]

    def pieces(self) -> list[bytes]:
        """Return the document in pieces: joined, what :func:`dumps_collection` gives."""
        head = b'{"type":"FeatureCollection","metadonnees":' + orjson.dumps(self.metadonnees)
        return [head, b',"features":', *self.features, b"}"]


def encode_feature_collection(
    placed_rows: Iterable[PlacedRow], metadata: CollectionMetadata
) -> EncodedCollection:
    """Encode the collection :func:`build_feature_collection` builds, without building it.

    The same bytes once written, but each feature is joined from the encodings of its groups
    of properties, and rows that share a placement (one per commune) or have no details share
    those encodings; the version hashes the pieces as they are made.
    """
    build_date = build_date_of(metadata)
    dumps = orjson.dumps
    no_details = b"," + dumps(_detail_properties(NO_DETAILS, build_date))[1:-1] + b","
    # id(placement) → the placement (kept alive, so that its id is not reused) and encodings
    shared: dict[int, tuple[Placement, bytes, bytes, bytes, str | None]] = {}
    hasher = hashlib.sha256()
    pieces: list[bytes] = [b"["]
    batch: list[bytes] = []
    separator = b""
    count = 0
    for item in placed_rows:
        row, placement = item.row, item.placement
        parts = shared.get(id(placement))
        if parts is None:
            commune = placement.commune
            parts = (
                placement,
                b',"geometry":' + dumps(_geometry(placement)) + b',"properties":',
                b"," + dumps(_commune_properties(commune))[1:-1] + b",",
                dumps(_geocoding_properties(placement))[1:-1] + b"}}",
                _default_postcode(commune),
            )
            shared[id(placement)] = parts
        _, geometry, commune_part, geocoding, default_postcode = parts
        code_postal = row.code_postal
        if code_postal is None:
            code_postal = default_postcode
        details = row.details
        batch.append(
            b"".join(
                (
                    separator,
                    b'{"type":"Feature","id":',
                    dumps(str(row.id)),
                    geometry,
                    dumps(_row_head(row, code_postal))[:-1],
                    commune_part,
                    dumps(_row_tail(row))[1:-1],
                    no_details
                    if details is NO_DETAILS
                    else b"," + dumps(_detail_properties(details, build_date))[1:-1] + b",",
                    geocoding,
                )
            )
        )
        separator = b","
        if len(batch) == FEATURES_PER_PIECE:
            pieces.append(b"".join(batch))
            count += len(batch)
            batch = []
    pieces.append(b"".join(batch) + b"]")
    count += len(batch)
    for piece in pieces:
        hasher.update(piece)
    version = hasher.hexdigest()
    return EncodedCollection(_metadonnees(metadata, version, count), tuple(pieces))


def generation_date(environ: Mapping[str, str] | None = None) -> str:
    """Build date in ISO 8601 UTC; ``SOURCE_DATE_EPOCH`` fixes it for reproducible builds."""
    environ = os.environ if environ is None else environ
    epoch = environ.get("SOURCE_DATE_EPOCH", "").strip()
    moment = datetime.fromtimestamp(int(epoch), UTC) if epoch.isdigit() else datetime.now(UTC)
    return moment.replace(microsecond=0).isoformat()


class SidecarError(ValueError):
    """The metadata sidecar exists but is unreadable; the message is French."""


def read_sidecar(input_path: Path) -> dict[str, Any]:
    """Read ``<input stem>.meta.json`` next to the input (``{}`` when there is none)."""
    path = input_path.with_name(input_path.stem + ".meta.json")
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SidecarError(f"métadonnées {path.name} illisibles : {exc}") from exc
    if not isinstance(data, dict):
        raise SidecarError(f"métadonnées {path.name} : un objet JSON est attendu")
    return data


def metadata_from_sidecar(
    sidecar: Mapping[str, Any], source: str, date_generation: str
) -> CollectionMetadata:
    """Make collection metadata from a sidecar's ``titre``, ``demo`` and ``licence``."""
    titre = sidecar.get("titre")
    licence = sidecar.get("licence")
    return CollectionMetadata(
        source=source,
        date_generation=date_generation,
        titre=titre if isinstance(titre, str) and titre else DEFAULT_TITLE,
        demo=bool(sidecar.get("demo", False)),
        licence=licence if isinstance(licence, str) else None,
    )


def dumps_collection(collection: Mapping[str, Any]) -> bytes:
    """Serialise a collection as compact UTF-8 JSON."""
    return orjson.dumps(collection)


def write_geojson_atomic(path: Path, collection: Mapping[str, Any] | EncodedCollection) -> None:
    """Write the collection through a temporary file in the same folder, then ``os.replace``.

    A reader (the service's hot reload) sees either the old file or the new one, never half.
    """
    if isinstance(collection, EncodedCollection):
        write_pieces_atomic(path, collection.pieces())
    else:
        write_bytes_atomic(path, dumps_collection(collection))
