"""Staff export of one day (or a zip of several) in the АТС 80020 layout for metering points on АИИС КУЭ.

Points are the meters assigned to agents that have an АТС point code (from billing); they are found
through the agents table's `POINTS` listing (one Query), their day items in BatchGetItems. A point
whose meter keeps a profile that does not add up to half hours (60-minute and the like) on a
requested day makes the request a 422 naming it: the layout would need invented half hours. Staff
who have read that may ask again with `half_hours_only` to leave such points out.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date, timedelta
from typing import Any

from chalicelib.aiis.storage.agents_repository import AgentsRepository
from chalicelib.aiis.storage.days import interval_of, slots_of
from chalicelib.aiis.storage.repository import AiisRepository
from chalicelib.core import clock
from chalicelib.core.config import Settings, get_settings
from chalicelib.core.errors import field_error
from chalicelib.core.web import Result
from chalicelib.settings import company

from .export80020 import ENCODING, ExportPoint, build_80020, half_hourly

MAX_POINTS = 2000
MAX_DAYS = 31


class PointsExport:
    def __init__(
        self,
        agents: AgentsRepository | None = None,
        repository: AiisRepository | None = None,
        settings: Settings | None = None,
    ) -> None:
        self.agents = agents or AgentsRepository()
        self.repo = repository or AiisRepository()
        self.settings = settings or get_settings()

    def day_80020(self, day: date, codes: str | None, half_hours_only: bool = False) -> Result:
        now = clock.now()
        if day > now.astimezone(self.settings.tz).date():
            raise field_error("date", "Этот день ещё не наступил")
        selected, items = self._half_hourly_days(self._points(codes), [day], bool(codes), half_hours_only)
        name, body = self._day_file(selected, day, items[day])
        return Result(
            body=body,
            headers={
                "Content-Type": f"application/xml; charset={ENCODING}",
                "Content-Disposition": f'attachment; filename="{name}"',
            },
        )

    def range_80020(self, first: date, last: date, codes: str | None, half_hours_only: bool = False) -> Result:
        """Several days: one 80020 file per day (each with its own message number), in a zip."""
        if last < first:
            raise field_error("to", "Конец периода раньше его начала")
        if (last - first).days >= MAX_DAYS:
            raise field_error("to", f"За один раз выгружается не больше {MAX_DAYS} суток")
        if last > clock.now().astimezone(self.settings.tz).date():
            raise field_error("to", "Этот день ещё не наступил")
        selected, items = self._half_hourly_days(
            self._points(codes),
            [first + timedelta(days=n) for n in range((last - first).days + 1)],
            bool(codes),
            half_hours_only,
        )
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
            for day, found in items.items():
                zipped.writestr(*self._day_file(selected, day, found))
        name = f"80020_{company().requisites.inn or 'kabinet'}_{first:%Y%m%d}-{last:%Y%m%d}.zip"
        return Result(
            body=archive.getvalue(),
            headers={"Content-Type": "application/zip", "Content-Disposition": f'attachment; filename="{name}"'},
        )

    def _points(self, codes: str | None) -> list[Any]:
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

    def _half_hourly_days(
        self, selected: list[Any], days: list[date], listed: bool, skip: bool
    ) -> tuple[list[Any], dict[date, dict[str, dict[str, Any]]]]:
        """The points to export and their day items by day and meter, read before any file is numbered.
        A point whose profile cannot give half hours on one of the days is a 422 naming it, or (`skip`)
        is left out of every file."""
        items = {day: self.repo.days_of_meters((a.meter_id for a in selected), day) for day in days}
        refused: dict[str, tuple[Any, int, date]] = {}
        for day, found in items.items():
            for point in selected:
                minutes = interval_of(found.get(point.meter_id, {}))
                if not half_hourly(minutes) and point.point_code not in refused:
                    refused[point.point_code] = (point, minutes, day)
        if refused and skip:
            selected = [point for point in selected if point.point_code not in refused]
            if not selected:
                raise field_error(
                    "points", "Ни по одной из точек выгрузка 80020 невозможна: их профиль не делится на получасы"
                )
            return selected, items
        if refused:
            named = "; ".join(
                f"{p.point_code} «{p.point_name}» — интервал {m} мин ({d:%d.%m.%Y})"
                for p, m, d in list(refused.values())[:5]
            )
            more = f" и ещё {len(refused) - 5}" if len(refused) > 5 else ""
            raise field_error(
                "points",
                "Макет 80020 составляется из получасовых интервалов, а профиль этих точек "
                f"на получасы не делится: {named}{more}. По ним выгрузка 80020 невозможна — "
                + (
                    "уберите их из списка точек"
                    if listed
                    else "перечислите нужные точки без них или выгрузите, пропустив их"
                ),
            )
        return selected, items

    def _day_file(self, selected: list[Any], day: date, found: dict[str, dict[str, Any]]) -> tuple[str, bytes]:
        points = [
            ExportPoint(
                a.point_code or "",
                a.point_name,
                slots_of(found.get(a.meter_id, {})),
                interval_of(found.get(a.meter_id, {})),
            )
            for a in selected
        ]
        number = self.repo.next_export_number()
        requisites = company().requisites
        body = build_80020(number, clock.now(), day, self.settings.tz, requisites.name, requisites.inn, points)
        return f"80020_{requisites.inn or 'kabinet'}_{day:%Y%m%d}_{number}.xml", body
