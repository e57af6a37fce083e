"""Служебное: the health check (kept out of app.py, which imports no models: see core/web.py)."""

from .config import get_settings
from .model import BaseModel
from .web import ApiBlueprint, Request

api = ApiBlueprint(__name__, tag="Служебное")


class Health(BaseModel):
    status: str
    stage: str


@api.route("/health", summary="Проверка работоспособности", access="public", response=Health)
def health(req: Request) -> Health:
    return Health(status="ok", stage=get_settings().stage)
