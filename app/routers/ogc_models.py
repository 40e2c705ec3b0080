"""Documentation models of the OGC API – Features answers (their OpenAPI schemas)."""

from __future__ import annotations

from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.routers.api_models import FormationFeature

CRS84: Final = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


class Link(BaseModel):
    """A link of OGC API resources."""

    href: str
    rel: str
    type: str | None = None
    title: str | None = None


class LandingPage(BaseModel):
    """Landing page of the OGC API."""

    title: str
    description: str
    links: list[Link]


class Conformance(BaseModel):
    """Conformance classes the API implements."""

    conformsTo: list[str]


class SpatialExtent(BaseModel):
    """Bounding boxes of a collection."""

    bbox: list[list[float]]
    crs: str = CRS84


class Extent(BaseModel):
    """Extent of a collection."""

    spatial: SpatialExtent


class Collection(BaseModel):
    """The description of a feature collection."""

    id: str
    title: str
    description: str
    itemType: str = "feature"
    crs: list[str]
    extent: Extent | None = None
    links: list[Link]


class Collections(BaseModel):
    """The list of collections."""

    links: list[Link]
    collections: list[Collection]


class ItemsPage(BaseModel):
    """A page of features."""

    type: Literal["FeatureCollection"]
    timeStamp: str
    numberMatched: int
    numberReturned: int
    links: list[Link]
    features: list[FormationFeature]


class OgcFeature(FormationFeature):
    """A training with its links."""

    links: list[Link]


class Queryables(BaseModel):
    """The filter parameters of the items, as a JSON Schema (OGC API Features Part 3)."""

    model_config = ConfigDict(populate_by_name=True)

    schema_: str = Field(alias="$schema")
    id_: str = Field(alias="$id")
    type: Literal["object"]
    title: str
    properties: dict[str, dict[str, Any]]
    additionalProperties: bool
