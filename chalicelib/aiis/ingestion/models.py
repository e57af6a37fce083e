"""Shapes of the agent upload routes (ingestion/api.py): documentation of the signed, gzip-compressed
bodies and the answers; the heartbeat is also validated with its model (upload-protocol.md §4).
"""

from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, ConfigDict, Field

from chalicelib.core.model import BaseModel


class BatchDoc(BaseModel):
    batch_id: str
    agent_id: str
    records: list[dict[str, Any]] = Field(
        description="register | interval | event | relay | snapshot, см. upload-protocol.md"
    )


class RejectedRecord(BaseModel):
    index: int
    code: str | None = Field(
        default=None,
        description="not_assigned, unknown_kind, unsupported_interval, "
        "interval_changed — агент откладывает запись до retry-parked; "
        "прочие коды окончательны",
    )
    message: str


class BatchAnswer(BaseModel):
    accepted: int
    duplicate: bool
    rejected: list[RejectedRecord]


def _clip(limit: int) -> AfterValidator:
    return AfterValidator(lambda text: text[:limit] if isinstance(text, str) else text)


class HeartbeatMeter(BaseModel):
    model_config = ConfigDict(extra="ignore")
    serial: Annotated[str, Field(min_length=1, max_length=40)]
    last_read_at: AwareDatetime | None = None
    last_error: Annotated[str | None, _clip(500)] = None
    clock_drift_s: float | None = Field(default=None, allow_inf_nan=False)


class Heartbeat(BaseModel):
    """upload-protocol.md §4; fields added by newer agents are ignored."""

    model_config = ConfigDict(extra="ignore")
    agent_time: AwareDatetime
    version: Annotated[str, Field(max_length=40)] = ""
    backlog: int = Field(default=0, ge=0)
    meters: list[HeartbeatMeter] = Field(default_factory=list, max_length=5000)


class HeartbeatAnswer(BaseModel):
    received_at: str
