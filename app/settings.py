"""Service and build settings, read from the environment with the ``CARTE_GEN_`` prefix."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, HttpUrl
from pydantic_settings import BaseSettings, SettingsConfigDict

from geo.ban import BanConfig

#: Root of the repository (or of the installed project in the Docker image).
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
#: The BAN client's defaults are the settings' defaults (one source).
_BAN = BanConfig()


class Basemap(StrEnum):
    """Background maps the page can show."""

    PLAN_IGN = "plan-ign"
    OSM = "osm"


class Settings(BaseSettings):
    """Every tunable of Carte GEN; each field maps to ``CARTE_GEN_<FIELD>``."""

    model_config = SettingsConfigDict(
        env_prefix="CARTE_GEN_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
    )

    # Data
    data_path: Path = Field(
        DATA_DIR / "formations.geojson", description="GeoJSON served by the API and the map."
    )
    gazetteer_path: Path = Field(
        DATA_DIR / "gazetteer.json.gz", description="Embedded commune gazetteer."
    )
    reload_interval_s: float = Field(
        2.0, ge=0, description="Minimum seconds between two checks of the data file for changes."
    )

    # Safe reloads (a new data file replaces the served one only if it is no worse)
    baisse_max: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Largest share of trainings a new data file may drop (0.5: half) unless "
        "built with `carte-gen build --accepter-baisse`; an empty file is refused likewise.",
    )
    data_max_mb: int = Field(
        2048,
        ge=1,
        description="Largest data file loaded, in MiB: the memory budget of a reload (a "
        "loaded dataset takes about its file's size, twice while a reload runs).",
    )

    # Online geocoding (BAN / addok)
    ban_url: str = Field(_BAN.base_url, description="Base URL of an addok-compatible geocoder.")
    ban_timeout_s: float = Field(_BAN.timeout_s, gt=0)
    ban_max_retries: int = Field(_BAN.max_retries, ge=0)
    ban_concurrency: int = Field(_BAN.concurrency, ge=1)
    ban_rate_limit_per_s: float = Field(
        _BAN.rate_limit_per_s, gt=0, description="Stay below the 50 req/s per IP."
    )
    ban_batch_size: int = Field(_BAN.batch_size, ge=1, description="Rows per /search/csv/ upload.")
    ban_min_score: float = Field(_BAN.min_score, ge=0, le=1)
    ban_cache_path: Path = Field(
        Path.home() / ".cache" / "carte-gen" / "ban.sqlite3",
        description="SQLite cache of geocoder answers.",
    )

    today: date | None = Field(
        None,
        description="The day `session_avant` counts sessions as not over from; unset: today's "
        "date in Europe/Paris (tests fix it, as the page's tests fix the browser's clock).",
    )

    # HTTP service
    cache_max_age_s: int = Field(300, ge=0)
    frame_ancestors: str = Field(
        "*", description="CSP frame-ancestors of the pages; '*' since the data are public."
    )
    basemap: Basemap = Basemap.PLAN_IGN
    public_url: HttpUrl | None = Field(
        None,
        validation_alias=AliasChoices("CARTE_GEN_URL_PUBLIQUE", "CARTE_GEN_PUBLIC_URL"),
        description="Public base URL (CARTE_GEN_URL_PUBLIQUE), e.g. https://carte.exemple.fr: "
        "it builds every absolute link (OGC API links, embed snippets). The Host header is "
        "never used: when unset, OGC links are relative to the site's root.",
    )
    static_path: Path = Field(
        PROJECT_ROOT / "static", description="Folder of our own front-end files (/static)."
    )
    node_modules_path: Path = Field(
        PROJECT_ROOT / "node_modules", description="npm packages whose dist folders are served."
    )

    # Publisher and « about » panel of the page (journey, issue 12). The demo's defaults say
    # plainly that nobody is declared; a real deployment sets each of them.
    publisher_name: str = Field(
        "Démonstration Carte GEN (aucun éditeur déclaré)",
        min_length=1,
        max_length=200,
        description="Who publishes the map, shown in the page footer.",
    )
    publisher_logo_path: str | None = Field(
        None,
        pattern=r"^/[A-Za-z0-9._~-][A-Za-z0-9._~/-]*$",
        description="Logo served by this app (a path like /static/logo.svg: the CSP allows "
        "images from our own origin only).",
    )
    publisher_legal_notice_url: HttpUrl | None = Field(None, description="Mentions légales.")
    publisher_accessibility_url: HttpUrl | None = Field(
        None, description="Déclaration d'accessibilité."
    )
    publisher_contact_url: HttpUrl | None = Field(None, description="Contact page (a web form).")
    publisher_contact_email: str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9._+-]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$",
        description="Contact e-mail address.",
    )
    about_path: Path = Field(
        DATA_DIR / "a-propos.md",
        description="Text of the « Qu'est-ce que la Grande École du Numérique ? » panel.",
    )


@lru_cache
def get_settings() -> Settings:
    """Return the settings from the environment, built once per process (tests pass theirs)."""
    return Settings()  # type: ignore[call-arg]  # fields come from the environment
