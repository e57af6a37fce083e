"""Company settings in one place: a versioned document in DynamoDB with defaults in the repository."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .service import company, stored

__all__ = ["company", "stored"]


def __getattr__(name: str) -> Any:
    # Loaded on first use: `settings.api` and `settings.views` are imported at every cold start to
    # register routes, and the service brings the DynamoDB client library with it.
    if name in __all__:
        from . import service

        return getattr(service, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
