"""Request and response shapes of the information pages."""

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints

from chalicelib.core.model import BaseModel

PageKind = Literal["agreement", "help", "contacts"]


class PageSummary(BaseModel):
    slug: str
    kind: PageKind
    title: str
    version: int = Field(description="Редакция страницы; у соглашения каждая редакция доступна по номеру")
    updated_at: str | None = Field(description="Когда сохранена; пусто — текст по умолчанию")


class PageList(BaseModel):
    items: list[PageSummary]


class PageOut(PageSummary):
    html: str = Field(description="HTML, очищенный от сценариев и небезопасных ссылок")


class PageSource(PageOut):
    markdown: str


class PageIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    title: Annotated[str, StringConstraints(min_length=1, max_length=150)]
    markdown: Annotated[str, StringConstraints(min_length=1, max_length=50_000)]
    version: int = Field(ge=1, description="Редакция, которую правили: если страницу успели изменить, ответ 409")
