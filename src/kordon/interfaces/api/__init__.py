"""kordon's HTTP API: ``create_app(settings, store)`` builds the FastAPI application."""

from kordon.interfaces.api.app import create_app

__all__ = ["create_app"]
