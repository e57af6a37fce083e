"""Staff export of one day (or a zip of several) in the АТС 80020 layout for metering points on АИИС КУЭ.

Points are the meters assigned to agents that have an АТС point code (from billing); they are found
through the agents table's `POINTS` listing (one Query), their day items in BatchGetItems.
"""
from __future__ import annotations

import io
import zipfile
from datetime import date, timedelta
from typing import Any, Optional

from chalicelib.core import clock
from chalicelib.core.config import Settings, get_settings
from chalicelib.core.errors import field_error
from chalicelib.core.web import Result
from chalicelib.settings import company

from .agents_repository import AgentsRepository
from .days import slots_of
from .export80020 import ENCODING, ExportPoint, build_80020
from .repository import AiisRepository

MAX_POINTS = 2000
MAX_DAYS = 31


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
        name, body = self._day_file(self._points(codes), day)
        return Result(body=body, headers={"Content-Type": f"application/xml; charset={ENCODING}",
                                          "Content-Disposition": f'attachment; filename="{name}"'})

    def range_80020(self, first: date, last: date, codes: Optional[str]) -> Result:
        """Several days: one 80020 file per day (each with its own message number), in a zip."""
        if last < first:
            raise field_error("to", "Конец периода раньше его начала")
        if (last - first).days >= MAX_DAYS:
            raise field_error("to", f"За один раз выгружается не больше {MAX_DAYS} суток")
        if last > clock.now().astimezone(self.settings.tz).date():
            raise field_error("to", "Этот день ещё не наступил")
        selected = self._points(codes)
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
            for offset in range((last - first).days + 1):
                zipped.writestr(*self._day_file(selected, first + timedelta(days=offset)))
        name = f"80020_{company().requisites.inn or 'kabinet'}_{first:%Y%m%d}-{last:%Y%m%d}.zip"
        return Result(body=archive.getvalue(), headers={"Content-Type": "application/zip",
                                                        "Content-Disposition": f'attachment; filename="{name}"'})

    def _points(self, codes: Optional[str]) -> list[Any]:
        assigned = {a.point_code: a for a in self.agents.points() if a.point_code}
        wanted = [c.strip() for c in codes.split(",") if c.strip()] if codes else sorted(assigned)
        unknown = [c for c in wanted if c not in assigned]
        if unknown:
            raise field_error("points", f"Точек измерения АИИС с такими кодами нет: {len(unknown)} из {len(wanted)}")
        if not wanted:
            raise field_error("points", "Нет точек измерения АИИС для выгрузки")
        if len(wanted) > MAX_POINTS:
            raise field_error("points", f"За один раз выгружается не больше {MAX_POINTS} точек")
        return [assigned[c] for c in dict.fromkeys(wanted)]

    def _day_file(self, selected: list[Any], day: date) -> tuple[str, bytes]:
        days = self.repo.days_of_meters((a.meter_id for a in selected), day)
        points = [ExportPoint(a.point_code or "", a.point_name, slots_of(days.get(a.meter_id, {}))) for a in selected]
        number = self.repo.next_export_number()
        requisites = company().requisites
        body = build_80020(number, clock.now(), day, self.settings.tz, requisites.name, requisites.inn, points)
        return f"80020_{requisites.inn or 'kabinet'}_{day:%Y%m%d}_{number}.xml", body
