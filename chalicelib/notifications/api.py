"""Routes of the in-app notification feed (`me/notifications`)."""
from __future__ import annotations

from chalicelib.core.web import ApiBlueprint, Request

from .models import FeedPage, FeedQuery

api = ApiBlueprint(__name__, tag="Уведомления")


@api.route("/me/notifications", summary="Лента уведомлений", query=FeedQuery, response=FeedPage)
def feed(req: Request) -> FeedPage:
    from .service import FeedService

    return FeedService().page(req.principal.user_id, req.query.limit, req.query.cursor)


@api.route("/me/notifications/{note_id}/read", "POST", summary="Отметить уведомление прочитанным",
           status=204, errors=(404,))
def mark_read(req: Request, note_id: str) -> None:
    from .service import FeedService

    FeedService().mark_read(req.principal.user_id, note_id)


@api.route("/me/notifications/read-all", "POST", summary="Отметить все уведомления прочитанными", status=204)
def mark_all_read(req: Request) -> None:
    from .service import FeedService

    FeedService().mark_all_read(req.principal.user_id)
