"""The application factory: one Kordon service, the API routers and the officers' workspace."""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse

from kordon import __version__
from kordon.config import Settings
from kordon.interfaces.api.deps import KeyCache
from kordon.interfaces.api.limits import BodyLimits
from kordon.interfaces.api.writer import GroupWriter
from kordon.models import Declaration
from kordon.record import audit
from kordon.record.store import Store
from kordon.service import Kordon

DEFAULT_MAX_BODY = 2 * 1024 * 1024  # a batch of 1000 typical declarations fits; anything bigger is refused with 413


def _lists_in_force(k: Kordon, store: Store) -> None:
    # The lists a server screens with are part of the record: note them when they change.
    versions = k.context.list_versions()
    last = audit.last_entry(store, "lists", "lists.activate")
    if last is None or last.payload.get("versions") != versions:
        audit.append(store, "kordon serve", "lists.activate", "lists",
                     {"versions": versions, "sha256": {gl.id: gl.sha256 for gl in k.context.goods.lists}})


def create_app(settings: Settings | None = None, store: Store | None = None, max_body: int = DEFAULT_MAX_BODY,
               web: bool = True) -> FastAPI:
    from kordon.interfaces.api import cases, declarations, health, keys, lists, reviews

    settings = settings or Settings()
    store = store or Store(settings.database_url)
    k = Kordon(settings, store)
    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        _lists_in_force(k, store)
        yield
        _app.state.writer.stop()

    app = FastAPI(lifespan=lifespan, title="kordon", version=__version__,
                  description="Screen cross-border trade declarations for export-control and sanctions-circumvention risk; "
                              "officers' review queue, cases and audit trail. Every endpoint but /health and /ready needs an API key.")
    app.state.kordon = k
    app.state.keys = KeyCache(store)
    app.state.max_body = max_body
    app.add_middleware(BodyLimits, max_body=max_body)
    app.state.writer = GroupWriter(k)
    for module in (health, declarations, reviews, cases, lists, keys):
        app.include_router(module.router)
    from kordon.interfaces.api.documents import router as documents_router  # EAEU documents (issue 12)
    app.include_router(documents_router)
    if web:
        from kordon.interfaces.web import mount

        mount(app)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
        return JSONResponse({"detail": errors}, status_code=422)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        decl = Declaration.model_json_schema(ref_template="#/components/schemas/{model}")
        comps = schema.setdefault("components", {}).setdefault("schemas", {})
        comps.update(decl.pop("$defs", {}))
        comps["Declaration"] = decl
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to extend the schema
    return app
