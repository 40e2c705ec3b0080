"""Domain exceptions, their HTTP status map and the handlers that turn them into JSON answers.

Every error a client sees has the shape ``{"detail": [{"parametre": ..., "message": ...}]}``
with a French message; 5xx answers never carry internals (those go to the log).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from app.policy import CORS_HEADERS, NO_STORE

logger = logging.getLogger("carte_gen.errors")


class CarteGenError(Exception):
    """Base of every error Carte GEN reports to a client; ``message`` is French."""

    parametre: str | None = None

    def __init__(self, message: str, parametre: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if parametre is not None:
            self.parametre = parametre

    def details(self) -> list[dict[str, Any]]:
        """Items of the ``detail`` list of the JSON answer."""
        return [{"parametre": self.parametre, "message": self.message}]


class InvalidParameter(CarteGenError):
    """A query parameter is malformed or out of range (400)."""

    def __init__(self, parametre: str, message: str) -> None:
        super().__init__(message, parametre)


class InvalidParameters(CarteGenError):
    """Several query parameters are wrong at once (422, like FastAPI's validation errors)."""

    def __init__(self, problems: Sequence[tuple[str | None, str]]) -> None:
        super().__init__("; ".join(message for _, message in problems))
        self.problems = list(problems)

    def details(self) -> list[dict[str, Any]]:
        """One item per wrong parameter."""
        return [{"parametre": name, "message": message} for name, message in self.problems]


class NotFound(CarteGenError):
    """The requested resource (a training, a page) does not exist (404)."""


class DatasetUnavailable(CarteGenError):
    """A resource the answer needs (the gazetteer, the dataset) is not loaded (503)."""


STATUS_CODES: Final[Mapping[type[CarteGenError], int]] = {
    InvalidParameter: 400,
    InvalidParameters: 422,
    NotFound: 404,
    DatasetUnavailable: 503,
}

INTERNAL_ERROR_MESSAGE: Final = "Erreur interne du serveur ; l'incident a été journalisé."


def status_for(exc: CarteGenError) -> int:
    """HTTP status of a domain error (500 for an unmapped subclass)."""
    for cls in type(exc).__mro__:
        if cls in STATUS_CODES:
            return STATUS_CODES[cls]
    return 500


def error_body(details: Iterable[Mapping[str, Any]]) -> bytes:
    """Encode the common error shape ``{"detail": [{"parametre", "message"}, …]}``."""
    return orjson.dumps({"detail": list(details)})


def error_response(
    status_code: int, details: Iterable[Mapping[str, Any]], headers: Mapping[str, str] | None = None
) -> Response:
    """JSON error answer in the common shape, never cached by shared caches."""
    all_headers = {"Cache-Control": NO_STORE, **dict(CORS_HEADERS)}
    all_headers.update(headers or {})
    return Response(
        error_body(details),
        status_code=status_code,
        media_type="application/json",
        headers=all_headers,
    )


# --------------------------------------------------------------------------- validation errors

_PYDANTIC_MESSAGES: Final[Mapping[str, str]] = {
    "missing": "paramètre obligatoire manquant",
    "int_parsing": "un nombre entier est attendu",
    "int_from_float": "un nombre entier est attendu",
    "float_parsing": "un nombre est attendu",
    "finite_number": "un nombre fini est attendu",
    "bool_parsing": "une valeur booléenne est attendue (true ou false)",
    "string_too_short": "texte trop court",
    "string_too_long": "texte trop long",
    "enum": "valeur non reconnue",
    "literal_error": "valeur non reconnue",
    "greater_than": "valeur trop petite",
    "greater_than_equal": "valeur trop petite",
    "less_than": "valeur trop grande",
    "less_than_equal": "valeur trop grande",
    "string_type": "un texte est attendu",
    "int_type": "un nombre entier est attendu",
    "float_type": "un nombre est attendu",
    "list_type": "une liste est attendue",
    "json_invalid": "JSON invalide",
}


def french_validation_message(error: Mapping[str, Any]) -> str:
    """Translate one pydantic error into a French sentence, keeping the limit when there is one."""
    kind = str(error.get("type", ""))
    message = _PYDANTIC_MESSAGES.get(kind, "valeur invalide")
    ctx = error.get("ctx") or {}
    limits = {
        "greater_than": "gt",
        "greater_than_equal": "ge",
        "less_than": "lt",
        "less_than_equal": "le",
        "string_too_short": "min_length",
        "string_too_long": "max_length",
    }
    if kind in limits and limits[kind] in ctx:
        symbol = {"gt": ">", "ge": "≥", "lt": "<", "le": "≤"}.get(limits[kind])
        if symbol:
            message += f" (attendu {symbol} {ctx[limits[kind]]})"
        else:
            message += f" (limite : {ctx[limits[kind]]} caractères)"
    if kind in ("enum", "literal_error") and "expected" in ctx:
        message += f" (valeurs possibles : {ctx['expected']})"
    return message


def validation_details(errors: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Map FastAPI's validation errors to ``{"parametre", "message"}`` items."""
    details = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ()) if part not in ("query", "path", "body")]
        details.append(
            {"parametre": loc[0] if loc else None, "message": french_validation_message(error)}
        )
    return details


# --------------------------------------------------------------------------- handlers


async def _carte_gen_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, CarteGenError)
    status_code = status_for(exc)
    if status_code >= 500:
        logger.error("%s on %s: %s", type(exc).__name__, request.url.path, exc.message)
    headers = {"Retry-After": "30"} if status_code == 503 else None
    return error_response(status_code, exc.details(), headers)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    # OGC API Features wants 400 for any invalid parameter; the rest of the API uses 422.
    status_code = 400 if request.url.path.startswith("/ogc") else 422
    return error_response(status_code, validation_details(exc.errors()))


#: French messages of the HTTP errors Starlette raises itself (its ``detail`` is English).
HTTP_MESSAGES: Final[Mapping[int, str]] = {
    400: "requête invalide",
    404: "ressource introuvable",
    405: "méthode non autorisée (seul GET est accepté)",
    406: "aucune représentation acceptable",
    413: "requête trop volumineuse",
    414: "adresse trop longue",
    415: "type de contenu non pris en charge",
    429: "trop de requêtes ; réessayez plus tard",
}


def http_error_message(status_code: int) -> str:
    """French message of an HTTP error status (never Starlette's English ``detail``)."""
    if status_code >= 500:
        return INTERNAL_ERROR_MESSAGE
    return HTTP_MESSAGES.get(status_code, f"requête refusée (erreur HTTP {status_code})")


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    message = http_error_message(exc.status_code)
    return error_response(exc.status_code, [{"parametre": None, "message": message}], exc.headers)


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    logger.exception("Unexpected error on %s", request.url.path, exc_info=exc)
    return error_response(500, [{"parametre": None, "message": INTERNAL_ERROR_MESSAGE}])


def add_exception_handlers(app: FastAPI) -> None:
    """Install the handlers mapping domain, validation, HTTP and unexpected errors to JSON."""
    app.add_exception_handler(CarteGenError, _carte_gen_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
