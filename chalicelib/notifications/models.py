from typing import Annotated, Any

from pydantic import ConfigDict, Field, StringConstraints, create_model

from chalicelib.core.model import BaseModel

from .sections import SECTIONS, Section


class NoteOut(BaseModel):
    id: str
    created_at: str
    title: str
    body: str
    read: bool
    link: str | None = None


class FeedPage(BaseModel):
    items: list[NoteOut]
    next_cursor: str | None = None
    unread: int


class FeedQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cursor: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{22}$")] | None = None
    limit: int = Field(default=20, ge=1, le=100)


_SECTION_TITLES = {
    "accounts": "Счета и приборы",
    "readings": "Показания",
    "appeals": "Обращения",
    "connection": "Присоединение",
    "outages": "Отключения",
}

# One field per counted section, so the document lists them all.
_section_fields: dict[str, Any] = {
    s: (int, Field(ge=0, description=f"«{_SECTION_TITLES[s]}»: новых событий с последнего открытия раздела"))
    for s in SECTIONS
}
NewInSections = create_model("NewInSections", __base__=BaseModel, **_section_fields)


class SectionCounters(BaseModel):
    unread: int = Field(ge=0, description="Непрочитанных уведомлений (счётчик раздела «Уведомления»)")
    sections: NewInSections


class SectionSeen(BaseModel):
    model_config = ConfigDict(extra="forbid")
    section: Section
