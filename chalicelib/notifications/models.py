from __future__ import annotations

from typing import Annotated, Optional

from pydantic import BaseModel, ConfigDict, Field, StringConstraints


class NoteOut(BaseModel):
    id: str
    created_at: str
    title: str
    body: str
    read: bool
    link: Optional[str] = None


class FeedPage(BaseModel):
    items: list[NoteOut]
    next_cursor: Optional[str] = None
    unread: int


class FeedQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cursor: Optional[Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{22}$")]] = None
    limit: int = Field(default=20, ge=1, le=100)
