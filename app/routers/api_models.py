"""Models of the JSON answers of ``/api``, for the OpenAPI document (answers are pre-encoded)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from geo.schema import CERTIFICATION_PATTERN, Niveau, PublicVise


class ErrorItem(BaseModel):
    """One problem of a request."""

    parametre: str | None = Field(description="Paramètre en cause (null si aucun).")
    message: str = Field(description="Explication en français.")


class ErrorAnswer(BaseModel):
    """Error answer."""

    detail: list[ErrorItem]


class PointGeometry(BaseModel):
    """A GeoJSON Point in WGS84."""

    type: Literal["Point"]
    coordinates: list[float] = Field(
        min_length=2, max_length=3, description="[longitude, latitude]", examples=[[2.347, 48.8589]]
    )


class SessionPeriod(BaseModel):
    """One session of a training: its start and end dates (null when unknown)."""

    debut: str | None = Field(None, examples=["2027-01-05"])
    fin: str | None = Field(None, examples=["2027-06-30"])


class FormationProperties(BaseModel):
    """Properties of a training (null when unknown)."""

    intitule: str | None = Field(None, description="Intitulé de la formation.")
    structure: str | None = Field(None, description="Structure qui la porte.")
    type_structure: str | None = Field(
        None, description="Type de structure.", examples=["association"]
    )
    adresse: str | None = Field(None, description="Adresse postale.")
    code_postal: str | None = Field(None, examples=["75011"])
    commune: str | None = Field(None, examples=["Paris 11e Arrondissement"])
    code_insee: str | None = Field(
        None, description="Code INSEE de la commune.", examples=["75111"]
    )
    departement: str | None = Field(None, description="Code du département.", examples=["75"])
    departement_nom: str | None = Field(None, examples=["Paris"])
    region: str | None = Field(None, description="Code INSEE de la région.", examples=["11"])
    region_nom: str | None = Field(None, examples=["Île-de-France"])
    duree_mois: float | None = Field(None, description="Durée en mois.", examples=[6])
    modalite: str | None = Field(None, examples=["presentiel"])
    site_web: str | None = Field(None, examples=["https://exemple.fr"])
    date_labellisation: str | None = Field(None, examples=["2016-02-01"])
    sessions: list[SessionPeriod] = Field(
        default_factory=list, description="Sessions, triées par date de début ([] si aucune)."
    )
    prochaine_session: str | None = Field(
        None,
        description="Première date de début à partir de la date de construction des données.",
        examples=["2027-01-05"],
    )
    contact_email: str | None = Field(None, examples=["contact@exemple.fr"])
    contact_telephone: str | None = Field(None, examples=["01 23 45 67 89"])
    url_candidature: str | None = Field(None, examples=["https://exemple.fr/candidater"])
    certification: str | None = Field(
        None,
        description="Code RNCP ou RS (fiche France Compétences).",
        pattern=CERTIFICATION_PATTERN,
        examples=["RNCP37873"],
    )
    niveau_entree: Niveau | None = Field(None, description="Niveau d'entrée (cadre national).")
    niveau_sortie: Niveau | None = Field(None, description="Niveau de sortie (cadre national).")
    public_vise: list[PublicVise] = Field(
        default_factory=list, description="Publics visés ([] si non précisé)."
    )
    alternance: bool | None = Field(None, description="Formation en alternance ?")
    nombre_heures: int | None = Field(None, description="Nombre d'heures.", examples=[400])
    prise_en_charge: bool | None = Field(None, description="Frais pouvant être pris en charge ?")
    geocodage_source: str | None = Field(
        None, description="Origine de la position : coordonnees, gazetteer ou ban."
    )
    geocodage_precision: str | None = Field(
        None, description="Précision : adresse, rue, commune ou code_postal."
    )
    geocodage_score: float | None = Field(None, description="Confiance du géocodage, de 0 à 1.")
    geocodage_libelle: str | None = Field(None, description="Libellé du lieu trouvé.")
    distance_km: float | None = Field(
        None, description="Distance au point de recherche (si `lat`/`lon` sont donnés)."
    )


class FormationFeature(BaseModel):
    """A training as a GeoJSON Feature."""

    type: Literal["Feature"]
    id: str = Field(examples=["GEN-0001"])
    geometry: PointGeometry
    properties: FormationProperties


class CollectionMetadata(BaseModel):
    """What the dataset says about itself."""

    titre: str | None = None
    demo: bool = Field(description="Données de démonstration (fictives) ?")
    version: str = Field(description="Empreinte des données ; change à chaque nouvelle version.")
    date_generation: str | None = None
    source: str | None = None
    licence: str | None = None
    nombre: int = Field(description="Nombre total de formations du jeu de données.")
    emprise: list[float] | None = Field(
        None, description="[minLon, minLat, maxLon, maxLat] de toutes les formations."
    )


class FormationCollection(BaseModel):
    """Trainings as a GeoJSON FeatureCollection."""

    type: Literal["FeatureCollection"]
    metadonnees: CollectionMetadata
    nombre_total: int = Field(description="Formations correspondant aux filtres (avant limit).")
    features: list[FormationFeature]


class FacetValue(BaseModel):
    """One value of a filter."""

    valeur: str
    libelle: str
    nombre: int = Field(description="Formations ayant cette valeur sous les AUTRES filtres.")


class DurationRange(BaseModel):
    """Durations present under the other filters."""

    min: int | None
    max: int | None


class Facets(BaseModel):
    """Values of each filter."""

    region: list[FacetValue]
    departement: list[FacetValue]
    type_structure: list[FacetValue]
    modalite: list[FacetValue]
    niveau_sortie: list[FacetValue]
    public_vise: list[FacetValue] = Field(
        description="Formations dont la liste contient cette valeur, sous les AUTRES filtres."
    )
    certifiante: list[FacetValue] = Field(description="Valeurs `oui` et `non`.")
    alternance: list[FacetValue] = Field(
        description="Valeurs `oui` et `non` (les formations qui ne le disent pas sont omises)."
    )
    duree_mois: DurationRange


class FiltersAnswer(BaseModel):
    """Facets and dataset metadata."""

    filtres: Facets
    metadonnees: CollectionMetadata
