"""Request and response shapes of the staff АИИС КУЭ routes (admin/staff_api.py): agents and 80020 exports.

The console gets UTC instants (`…Z`), as the other staff pages do, and shows them in the browser's zone.
"""

from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints

from chalicelib.core.model import BaseModel
from chalicelib.core.types import IsoDate


class _Query(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


AgentId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,63}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class MeterRef(_Strict):
    contract: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    serial: Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=r"^[0-9A-Za-z\-]+$")]


class AgentCreate(_Strict):
    id: AgentId
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)] = Field(
        description="Где стоит УСПД, например «ТП-17, ул. Ленина, 5»"
    )
    meters: list[MeterRef] = Field(default_factory=list, max_length=500)


SeenRevision = Annotated[
    int | None,
    Field(
        ge=1,
        description="revision агента, который видел сотрудник: если "
        "агента изменили после этого — 409, ничего не меняется",
    ),
]


class AgentPatch(_Strict):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    enabled: bool | None = None
    revision: SeenRevision = None


class AgentMetersIn(_Strict):
    meters: list[MeterRef] = Field(max_length=500, description="Полный список счётчиков агента")
    revision: SeenRevision = None


class AgentMeterOut(BaseModel):
    serial: str
    meter_id: str
    contract: str
    point_code: str | None
    coefficient: str = Field(description="Расчётный коэффициент (Ктт × Ктн) из биллинга: на него умножается профиль")
    last_read_at: str | None
    last_error: str | None
    clock_drift_s: float | None
    drift_alarm: bool


class AgentOut(BaseModel):
    id: str
    name: str
    enabled: bool
    revision: int = Field(
        description="Номер изменения: передаётся в PATCH и PUT meters для защиты от одновременной правки"
    )
    created_at: str
    key_rotated_at: str
    previous_key_valid_until: str | None = Field(
        description="До какого времени ещё принимается прежний секрет после смены (null — не принимается)"
    )
    last_contact_at: str | None
    overdue: bool = Field(description="Агент не выходил на связь дольше допустимого (или ни разу)")
    agent_time: str | None
    clock_skew_s: float | None = Field(description="Часы УСПД минус часы сервера при последнем сигнале")
    version: str | None
    backlog: int | None = Field(description="Записей на УСПД, ещё не доставленных в облако")
    meters: list[AgentMeterOut]
    unassigned_serials: list[str] = Field(
        description="Счётчики, которые агент опрашивает, но которые за ним не закреплены: их данные не принимаются"
    )


class AgentList(BaseModel):
    agents: list[AgentOut]


class AgentCreated(BaseModel):
    agent: AgentOut
    secret: str = Field(description="Секрет агента (hex) для файла ключа УСПД; показывается только один раз")


class AgentRotate(_Strict):
    keep_previous_hours: int = Field(
        default=24,
        ge=0,
        le=72,
        description="Сколько часов прежний секрет ещё действует, пока на УСПД меняют файл ключа; 0 — если секрет "
        "скомпрометирован. Первый запрос с новым секретом прекращает действие прежнего",
    )


class AgentSecret(BaseModel):
    agent_id: str
    secret: str = Field(description="Новый секрет (hex); показывается только один раз")
    previous_valid_until: str | None = Field(
        description="До какого времени действует прежний секрет; null — прекратил действовать сразу"
    )


HALF_HOURS_ONLY = Field(
    default=False,
    description="Пропустить точки, профиль которых не делится на получасы "
    "(60 минут и т. п.): без этого флага такие точки — ошибка 422 "
    "с их перечнем",
)


class Export80020Query(_Query):
    date: IsoDate
    points: Annotated[str, StringConstraints(max_length=4000)] | None = Field(
        default=None, description="Коды точек измерения через запятую; по умолчанию — все точки АИИС"
    )
    half_hours_only: bool = HALF_HOURS_ONLY


class Export80020RangeQuery(_Query):
    date_from: IsoDate = Field(alias="from")
    date_to: IsoDate = Field(alias="to", description="Включительно; не больше 31 суток от начала")
    points: Annotated[str, StringConstraints(max_length=4000)] | None = Field(
        default=None, description="Коды точек измерения через запятую; по умолчанию — все точки АИИС"
    )
    half_hours_only: bool = HALF_HOURS_ONLY
