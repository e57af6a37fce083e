"""`me/summary`: the counters behind the home-page tiles. Each capability adds its own counter
here as it arrives; a section without one is simply absent (the site shows it as not yet available)."""

from chalicelib.core.model import BaseModel
from chalicelib.core.web import ApiBlueprint, Request

api = ApiBlueprint(__name__, tag="Главная")


class Summary(BaseModel):
    unread_notifications: int
    sections: dict[str, int]


@api.route("/me/summary", summary="Счётчики плиток главной страницы", response=Summary)
def summary(req: Request) -> Summary:
    from chalicelib.notifications.service import FeedService

    # Counters that cost nothing beyond the auth read; sections needing a Query add theirs here.
    sections = {"meters": len(req.principal.user.meter_ids or ())}
    return Summary(unread_notifications=FeedService().unread(req.principal.user_id), sections=sections)
