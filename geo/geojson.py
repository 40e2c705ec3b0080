"""Build RFC 7946 GeoJSON from placed rows (pure) and write it atomically."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo

import orjson

from geo.geocode import PlacedRow
from geo.importer import NO_DETAILS, TrainingDetails
from geo.importer.details import prochaine_session
from geo.io import write_bytes_atomic

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


def feature_properties(item: PlacedRow, build_date: date) -> dict[str, Any]:
    """Properties of one feature, exactly ``PROPERTY_FIELDS`` in order (``None`` when absent).

    Written in that order (``tests/geo/test_geojson.py`` checks it), so no reordering pass
    runs per feature. List fields are ``[]`` when empty; ``prochaine_session`` is the first
    session start on or after ``build_date``.
    """
    row, placement = item.row, item.placement
    commune = placement.commune
    code_postal = row.code_postal
    if code_postal is None and len(commune.codes_postaux) == 1:
        code_postal = commune.codes_postaux[0]
    return {
        "intitule": row.intitule,
        "structure": row.structure,
        "type_structure": row.type_structure.value,
        "adresse": row.adresse,
        "code_postal": code_postal,
        "commune": commune.nom,
        "code_insee": commune.code_insee,
        "departement": commune.departement,
        "departement_nom": commune.departement_nom,
        "region": commune.region,
        "region_nom": commune.region_nom,
        "duree_mois": row.duree_mois,
        "modalite": row.modalite.value if row.modalite else None,
        "site_web": row.site_web,
        "date_labellisation": row.date_labellisation,
        **_detail_properties(row.details, build_date),
        "geocodage_source": placement.source.value,
        "geocodage_precision": placement.precision.value,
        "geocodage_score": placement.score,
        "geocodage_libelle": placement.libelle,
    }


def build_feature(item: PlacedRow, build_date: date) -> dict[str, Any]:
    """One GeoJSON Point feature with a top-level string ``id`` and ``[lon, lat]`` coordinates."""
    lon = round(item.placement.lon, COORDINATE_DECIMALS)
    lat = round(item.placement.lat, COORDINATE_DECIMALS)
    return {
        "type": "Feature",
        "id": str(item.row.id),
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": feature_properties(item, build_date),
    }


def features_version(features: Iterable[Mapping[str, Any]]) -> str:
    """Sha256 of the features in canonical JSON (sorted keys): changes iff the data change."""
    canonical = orjson.dumps(list(features), option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(canonical).hexdigest()


def build_feature_collection(
    placed_rows: Iterable[PlacedRow], metadata: CollectionMetadata
) -> dict[str, Any]:
    """Build the FeatureCollection with its ``metadonnees`` foreign member (RFC 7946 §6.1).

    :param placed_rows: rows in output order.
    :param metadata: source, generation date (its day is the build date of
        ``prochaine_session``) and the sidecar's title, demo flag and licence.
    :returns: a JSON-ready dict; ``metadonnees.version`` is :func:`features_version`.
    """
    build_date = build_date_of(metadata)
    features = [build_feature(item, build_date) for item in placed_rows]
    return {
        "type": "FeatureCollection",
        "metadonnees": {
            "titre": metadata.titre,
            "demo": metadata.demo,
            "version": features_version(features),
            "date_generation": metadata.date_generation,
            "source": metadata.source,
            "licence": metadata.licence,
            "nombre": len(features),
        },
        "features": features,
    }


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


def write_geojson_atomic(path: Path, collection: Mapping[str, Any]) -> None:
    """Write the collection through a temporary file in the same folder, then ``os.replace``.

    A reader (the service's hot reload) sees either the old file or the new one, never half.
    """
    write_bytes_atomic(path, dumps_collection(collection))
