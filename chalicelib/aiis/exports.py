"""Staff export of one day in the АТС 80020 layout for metering points on АИИС КУЭ.

Points are the meters assigned to agents that have an АТС point code (from billing); they are found
through the agents table's `POINTS` listing (one Query), their day items in BatchGetItems.
"""
from __future__ import annotations

from datetime import date
from typing import Optional

from chalicelib.core import clock
from chalicelib.core.config import Settings, get_settings
from chalicelib.core.errors import field_error
from chalicelib.core.web import Result

from .agents_repository import AgentsRepository
from .days import slots_of
from .export80020 import ENCODING, ExportPoint, build_80020
from .repository import AiisRepository

MAX_POINTS = 2000


class PointsExport:
    def __init__(self, agents: Optional[AgentsRepository] = None, repository: Optional[AiisRepository] = None,
                 settings: Optional[Settings] = None) -> None:
        self.agents = agents or AgentsRepository()
        self.repo = repository or AiisRepository()
        self.settings = settings or get_settings()

    def day_80020(self, day: date, codes: Optional[str]) -> Result:
        now = clock.now()
        if day > now.astimezone(self.settings.tz).date():
            raise field_error("date", "Этот день ещё не наступил")
        assigned = {a.point_code: a for a in self.agents.points() if a.point_code}
        wanted = [c.strip() for c in codes.split(",") if c.strip()] if codes else sorted(assigned)
        unknown = [c for c in wanted if c not in assigned]
        if unknown:
            raise field_error("points", f"Точек измерения АИИС с такими кодами нет: {len(unknown)} из {len(wanted)}")
        if not wanted:
            raise field_error("points", "Нет точек измерения АИИС для выгрузки")
        if len(wanted) > MAX_POINTS:
            raise field_error("points", f"За один раз выгружается не больше {MAX_POINTS} точек")
        selected = [assigned[c] for c in dict.fromkeys(wanted)]
        days = self.repo.days_of_meters((a.meter_id for a in selected), day)
        points = [ExportPoint(a.point_code or "", a.point_name, slots_of(days.get(a.meter_id, {}))) for a in selected]
        number = self.repo.next_export_number()
        inn = self.settings.company_inn
        body = build_80020(number, now, day, self.settings.tz, self.settings.company_name, inn, points)
        name = f"80020_{inn or 'kabinet'}_{day:%Y%m%d}_{number}.xml"
        return Result(body=body, headers={"Content-Type": f"application/xml; charset={ENCODING}",
                                          "Content-Disposition": f'attachment; filename="{name}"'})
