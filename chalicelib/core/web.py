"""Thin routes: parse with pydantic → call a service → map the result or error to HTTP.

`ApiBlueprint.route` declares a route so every handler gets a parsed, validated request and every
failure leaves as the one error shape. The declared models feed the OpenAPI generator.

Cold start: the app does not import the capability modules. It puts one lazy view per route of the
generated manifest (chalicelib/route_manifest.py) on the Chalice app (`serve_manifest`); a route's
first call imports its module, whose `ApiBlueprint.route` decorators record the real views here. So
this module imports neither pydantic nor the validation helpers at its top: they load with the first
module that declares a route.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import import_module
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import unquote

from chalice import Chalice, Response
from chalice.app import Request as ChaliceRequest

from .errors import ApiError, FieldError, forbidden, unauthorized, validation_error
from .jsonlimits import BodyTooDeep, check_depth

if TYPE_CHECKING:
    from pydantic import BaseModel

logger = logging.getLogger("kabinet.web")

# "user": consumers only; "staff": employees only (with one of `roles`, if given); "any": either
# realm — the few routes both use (sign-out, file uploads, form options).
Access = Literal["public", "user", "staff", "any"]
JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store"}
# JSON only. text/plain and form bodies are what any web page can make a visitor's browser send
# cross-site without a CORS preflight (password guessing from other people's browsers); the router's
# 415 for them leaves in our error shape (router_errors_in_contract).
ACCEPTED_CONTENT_TYPES = ["application/json"]
# A JSON body larger than this is refused before it is read; routes that take files inline say more.
DEFAULT_MAX_BODY_BYTES = 256 * 1024
TOO_LARGE = "Слишком большой запрос"
NOT_AN_OBJECT = "Тело запроса должно быть JSON-объектом"


@dataclass(frozen=True)
class RouteSpec:
    path: str
    method: str
    summary: str
    tag: str
    access: Access
    roles: tuple[str, ...]
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    errors: tuple[int, ...]
    raw_body: bool = False
    produces: str = "application/json"
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    paced: bool = False


@dataclass
class Request:
    body: Any
    query: Any
    principal: Any
    source_ip: str
    headers: dict[str, str]
    # The path as the client sent it (behind API Gateway's default URL it starts with the stage),
    # and as routed, without any such prefix: signed requests may have been signed over either.
    path: str = ""
    route_path: str = ""
    # The Lambda context of the invocation (its remaining time, for work that must stop in time).
    lambda_context: Any = None


@dataclass
class Result:
    """A handler's answer when it needs a status or headers other than the route's default.

    A `str` or `bytes` body is sent as it is (a download: CSV, XML); `headers` then name its
    Content-Type, and a bytes type must be in the app's `api.binary_types`."""

    body: Any = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


# A route's view: the Chalice request and the path parameters in, the response out.
View = Callable[[ChaliceRequest, dict[str, str]], Response]
# One manifest row: (method, path without the API prefix, module declaring it, handler name).
ManifestRoute = tuple[str, str, str, str]


@dataclass(frozen=True)
class Declared:
    """A route declared by a module imported in this process: what the manifest records, and its view."""

    module: str
    name: str
    view: View


ROUTES: list[RouteSpec] = []
# (method, path) → the route declared by an imported module; a manifest's lazy views dispatch to it.
DECLARED: dict[tuple[str, str], Declared] = {}


class ApiBlueprint:
    def __init__(self, import_name: str, tag: str) -> None:
        self.module = import_name
        self.tag = tag

    def route(
        self,
        path: str,
        method: str = "GET",
        *,
        summary: str,
        access: Access = "user",
        roles: tuple[str, ...] = (),
        body: type[BaseModel] | None = None,
        query: type[BaseModel] | None = None,
        response: type[BaseModel] | None = None,
        status: int = 200,
        errors: tuple[int, ...] = (),
        raw_body: bool = False,
        produces: str = "application/json",
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        paced: bool = False,
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """`raw_body`: the handler gets the body bytes exactly as received (signed or compressed
        bodies); `body` then only documents their decoded shape. `produces`: the success
        response's media type when it is not JSON. `max_body_bytes`: the largest body accepted.
        `paced`: every answer takes at least `auth_response_floor_ms` — for public routes whose work
        differs with whether an account exists (registration, recovery), so timing tells nothing."""
        spec = RouteSpec(
            path,
            method,
            summary,
            self.tag,
            access,
            roles,
            body,
            query,
            response,
            status,
            errors,
            raw_body,
            produces,
            max_body_bytes,
            paced,
        )
        if (method, path) in DECLARED:
            raise ValueError(f"{method} {path}: declared by {DECLARED[method, path].module} already")
        ROUTES.append(spec)

        def decorator(handler: Callable[..., Any]) -> Callable[..., Any]:
            def view(chalice_request: ChaliceRequest, path_params: dict[str, str]) -> Response:
                if spec.paced:
                    with at_least(_floor_seconds()):
                        return _dispatch(chalice_request, spec, handler, path_params)
                return _dispatch(chalice_request, spec, handler, path_params)

            DECLARED[method, path] = Declared(self.module, handler.__name__, view)
            return handler

        return decorator


def serve_manifest(app: Chalice, prefix: str, manifest: Iterable[ManifestRoute]) -> None:
    """Every route of the manifest on `app` under `prefix`, as a view that imports the route's module on
    its first call (the module's decorators then declare the real view) and dispatches to it."""
    for method, path, module, name in manifest:
        app.route(prefix + path, methods=[method], content_types=ACCEPTED_CONTENT_TYPES, name=name)(
            _lazy_view(app, method, path, module)
        )


def _lazy_view(app: Chalice, method: str, path: str, module: str) -> Callable[..., Response]:
    def view(**path_params: str) -> Response:
        # Imports the module once per process; a no-op after that, and it waits for another thread
        # still importing it rather than dispatching to a half-declared module.
        import_module(module)
        request = app.current_request
        if request is None:  # Chalice sets it before any view runs
            raise RuntimeError("a route view called outside a request")
        return DECLARED[method, path].view(request, path_params)

    return view


def declare_all(manifest: Iterable[ManifestRoute]) -> list[RouteSpec]:
    """Imports every module of the manifest, so ROUTES holds every route served (the OpenAPI document)."""
    for module in dict.fromkeys(row[2] for row in manifest):
        import_module(module)
    return ROUTES


def _floor_seconds() -> float:
    from .config import get_settings

    return get_settings().auth_response_floor_ms / 1000


@contextmanager
def at_least(seconds: float) -> Iterator[None]:
    """The block takes at least `seconds` (wall clock), however it ends."""
    started = time.monotonic()
    try:
        yield
    finally:
        remaining = seconds - (time.monotonic() - started)
        if remaining > 0:
            time.sleep(remaining)


def _dispatch(
    chalice_request: ChaliceRequest, spec: RouteSpec, handler: Callable[..., Any], path_params: dict[str, str]
) -> Response:
    principal = None
    try:
        route_path = chalice_request.path
        for name, value in path_params.items():
            route_path = route_path.replace(f"{{{name}}}", value)
        # Who is calling is settled before anything the caller sent is read: a stranger learns
        # nothing of a route's fields, and a large body costs nothing before the 401.
        principal = _authenticate(spec, chalice_request.headers)
        if spec.body is not None and not _declares_json(chalice_request.headers):
            raise ApiError(_ROUTER_ERRORS["UnsupportedMediaType"][1], status=415, code="unsupported_media_type")
        request = Request(
            body=chalice_request.raw_body if spec.raw_body else _parse_body(spec, chalice_request.raw_body),
            query=_parse_query(spec, chalice_request.query_params or {}),
            principal=principal,
            source_ip=_source_ip(chalice_request.context, chalice_request.headers),
            headers={k.lower(): v for k, v in (chalice_request.headers or {}).items()},
            path=(chalice_request.context or {}).get("path") or route_path,
            route_path=route_path,
            lambda_context=chalice_request.lambda_context,
        )
        # Chalice's local gateway passes path segments as sent; "ДЭ-1001" arrives percent-encoded.
        result = handler(request, **{name: unquote(value) for name, value in path_params.items()})
    except ApiError as exc:
        # What support is asked about ("why was my reading refused?"): the route, who, and why — field
        # names only, never what was sent.
        logger.info(
            "refused %s %s for %s: %s %s%s",
            spec.method,
            spec.path,
            getattr(principal, "user_id", None) or "anonymous",
            exc.status,
            exc.code,
            f" fields={[f.path for f in exc.fields]}" if exc.fields else "",
        )
        return error_response(exc)
    except Exception:  # the one place that turns a bug into a clean 500 without details
        logger.exception("unhandled error in %s %s", spec.method, spec.path)
        return error_response(ApiError("Внутренняя ошибка. Попробуйте позже", status=500, code="internal_error"))
    return _success(spec, result)


def _declares_json(headers: Any) -> bool:
    """The body's media type is application/json itself. The router also lets through a header that
    merely lists it («text/plain;application/json», which a browser sends cross-site without a
    preflight, as it does a body with no type at all)."""
    content_type: str = (headers or {}).get("content-type") or ""
    return content_type.split(";", 1)[0].strip().lower() == "application/json"


def _parse_body(spec: RouteSpec, raw: str | bytes) -> Any:
    # pydantic and the helpers built on it: loaded by the route's module already (see the module docstring).
    from pydantic import ValidationError

    from .jsontypes import wrong_json_types
    from .validation import MAX_FIELD_ERRORS, to_api_error

    if spec.body is None:
        return None
    if isinstance(raw, str):  # chalice's type; it hands over bytes
        raw = raw.encode()
    if len(raw or b"") > spec.max_body_bytes:
        raise ApiError(TOO_LARGE, status=413, code="payload_too_large")
    try:
        check_depth(raw or b"")
        data = json.loads(raw or b"null")
    except BodyTooDeep:
        raise ApiError("Слишком глубокая вложенность JSON", code="bad_request") from None
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ApiError(NOT_AN_OBJECT, code="bad_request") from None
    if not isinstance(data, dict):
        raise ApiError(NOT_AN_OBJECT, code="bad_request")
    wrong_types = wrong_json_types(spec.body, data)
    if wrong_types:
        raise validation_error([FieldError(path, message) for path, message in wrong_types[:MAX_FIELD_ERRORS]])
    try:
        return spec.body.model_validate(data)
    except ValidationError as exc:
        raise to_api_error(exc, getattr(spec.body, "loc_noise", frozenset())) from None


def _parse_query(spec: RouteSpec, params: Mapping[str, Any]) -> Any:
    from pydantic import ValidationError

    from .validation import to_api_error

    if spec.query is None:
        return None
    try:
        return spec.query.model_validate(dict(params))
    except ValidationError as exc:
        error = to_api_error(exc)
        # What concerns no one parameter (an unknown one, a rule across several) is the query's, not a body's.
        error.fields = [FieldError("query", f.message) if f.path == "body" else f for f in error.fields]
        raise error from None


def _authenticate(spec: RouteSpec, headers: Any) -> Any:
    if spec.access == "public":
        return None
    header = (headers or {}).get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise unauthorized()
    from chalicelib.accounts.guard import authenticate  # the guard needs the accounts store

    principal = authenticate(token.strip())
    if spec.access == "staff" and (not principal.is_staff or (spec.roles and not principal.has_any(spec.roles))):
        raise forbidden()
    if spec.access == "user" and principal.is_staff:
        raise forbidden(
            "Сотрудник не может пользоваться личным кабинетом потребителя со своей учётной записью сотрудника"
        )
    return principal


def _source_ip(context: dict[str, Any] | None, headers: Any) -> str:
    from .config import get_settings

    header = get_settings().client_ip_header
    if header:
        forwarded: str = (headers or {}).get(header.lower(), "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return ((context or {}).get("identity") or {}).get("sourceIp") or "unknown"


def _success(spec: RouteSpec, result: Any) -> Response:
    from pydantic import BaseModel

    status = spec.status
    headers: dict[str, str | list[str]] = dict(JSON_HEADERS)
    if isinstance(result, Result):
        status, headers, result = result.status, {**headers, **result.headers}, result.body
        if isinstance(result, (str, bytes)):
            return Response(body=result, status_code=status, headers=headers)
    if result is None:
        return Response(body="", status_code=204 if status == 200 else status, headers={"Cache-Control": "no-store"})
    if isinstance(result, BaseModel):
        result = result.model_dump(mode="json")
    return Response(body=json.dumps(result, ensure_ascii=False), status_code=status, headers=headers)


def error_response(exc: ApiError) -> Response:
    headers: dict[str, str | list[str]] = {**JSON_HEADERS, **exc.headers}
    return Response(body=json.dumps(exc.body(), ensure_ascii=False), status_code=exc.status, headers=headers)


# Chalice answers some requests itself, before any route runs, in its own English shape
# ({"Code": "MethodNotAllowedError", "Message": "Unsupported method: …"}), echoing what was sent.
_ROUTER_ERRORS = {
    "MethodNotAllowedError": ("method_not_allowed", "Этот метод не поддерживается для данного адреса"),
    "UnsupportedMediaType": ("unsupported_media_type", "Тело запроса должно быть JSON (application/json)"),
    "BadRequest": ("bad_request", "Неверный запрос"),
    "NotFoundError": ("not_found", "Адрес API не найден"),
    "InternalServerError": ("internal_error", "Внутренняя ошибка. Попробуйте позже"),
}


def observed(event: Any, get_response: Callable[[Any], Any]) -> Any:
    """Chalice middleware for every kind of invocation: its ids in the logs and the trace
    (core/observability.py); an HTTP answer names its request id for support."""
    from .observability import invocation

    if isinstance(event, ChaliceRequest):
        with invocation(event.lambda_context, (event.context or {}).get("requestId")) as correlation:
            response = get_response(event)
        response.headers["X-Request-Id"] = correlation
        return response
    with invocation(getattr(event, "context", None)):
        return get_response(event)


def router_errors_in_contract(event: Any, get_response: Callable[[Any], Response]) -> Response:
    """Chalice middleware: the router's own errors leave in the one error shape, in Russian."""
    response = get_response(event)
    body = response.body
    if isinstance(body, dict) and body.get("Code") in _ROUTER_ERRORS and "error" not in body:
        code, message = _ROUTER_ERRORS[body["Code"]]
        kept = {k: v for k, v in (response.headers or {}).items() if k.lower() == "allow" and isinstance(v, str)}
        return error_response(ApiError(message, status=response.status_code, code=code, headers=kept))
    return response
