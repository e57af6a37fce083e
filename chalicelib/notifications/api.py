"""Routes of the in-app notification feed (`me/notifications`) and the menu's counters (`me/sections`)."""

from __future__ import annotations

from chalicelib.core.web import ApiBlueprint, Request

from .models import FeedPage, FeedQuery, SectionCounters, SectionSeen

api = ApiBlueprint(__name__, tag="Уведомления")


@api.route("/me/notifications", summary="Лента уведомлений", query=FeedQuery, response=FeedPage)
def feed(req: Request) -> FeedPage:
    from .service import FeedService

    return FeedService().page(req.principal.user_id, req.query.limit, req.query.cursor)


@api.route(
    "/me/notifications/{note_id}/read", "POST", summary="Отметить уведомление прочитанным", status=204, errors=(404,)
)
def mark_read(req: Request, note_id: str) -> None:
    from .service import FeedService

    FeedService().mark_read(req.principal.user_id, note_id)


@api.route("/me/notifications/read-all", "POST", summary="Отметить все уведомления прочитанными", status=204)
def mark_all_read(req: Request) -> None:
    from .service import FeedService

    FeedService().mark_all_read(req.principal.user_id)


@api.route(
    "/me/sections",
    summary="Счётчики разделов меню: новые события с последнего открытия раздела и непрочитанные уведомления",
    response=SectionCounters,
)
def sections(req: Request) -> SectionCounters:
    from .service import FeedService

    return FeedService().sections(req.principal.user_id)


@api.route(
    "/me/sections/seen",
    "POST",
    summary="Раздел открыт: его счётчик новых событий обнуляется",
    body=SectionSeen,
    status=204,
)
def section_seen(req: Request) -> None:
    from .service import FeedService

    FeedService().section_seen(req.principal.user_id, req.body.section)
