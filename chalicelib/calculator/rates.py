"""Rate tables: one JSON file per company and year in `rates/`, validated on load.

Standardised rates follow the structure of the ФАС methodology (приказ ФАС России от 29.08.2017
№ 1135/17): C1 per connection (ТУ and their check), C2/C3 per km of overhead/cable line, C5 per kW of
a 6(10)/0.4 kV substation, C8 per metering point. C4, C6 and C7 (sectionalising points, distribution
substations, 35 kV and above) need a project and are left to the company's own estimate.
"""

import re
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import ConfigDict, Field

from chalicelib.core.model import BaseModel

RATES_DIR = Path(__file__).resolve().parent / "rates"
LineVoltage = Literal["0.4", "6-10", "20"]
MeterVoltage = Literal["0.23", "0.4", "6-10", "20"]
PowerBand = Literal["upto_150", "over_150"]
Construction = Literal["overhead", "cable"]
Settlement = Literal["urban", "rural"]
_FILE = re.compile(r"^(?P<company>[a-z0-9_-]+)-(?P<year>\d{4})\.json$")


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Standardised(_Data):
    c1_per_connection: dict[PowerBand, Decimal]
    lines_per_km: dict[Construction, dict[LineVoltage, Decimal]]
    substation_per_kw: dict[Literal["0.4"], Decimal]
    metering_per_point: dict[MeterVoltage, Decimal]


class PerKwRate(_Data):
    voltage: LineVoltage
    up_to_kw: Decimal | None = Field(description="Верхняя граница диапазона мощности включительно; null — без границы")
    rate: Decimal


class Preferential(_Data):
    rate_per_kw_with_vat: Decimal
    max_kw: Decimal
    distance_m: dict[Settlement, int]
    basis: str


class RateTable(_Data):
    company: str
    company_name: str
    year: int
    valid_from: date
    valid_to: date
    source: str
    vat_rate: Decimal
    standardised: Standardised
    per_kw: list[PerKwRate]
    preferential: Preferential

    def per_kw_rate(self, voltage: str, power_kw: Decimal) -> Decimal | None:
        """The rate of the first band (in file order) of this voltage whose upper bound covers the power."""
        for band in self.per_kw:
            if band.voltage == voltage and (band.up_to_kw is None or power_kw <= band.up_to_kw):
                return band.rate
        return None


@lru_cache(maxsize=16)
def table(company: str, year: int) -> RateTable:
    return RateTable.model_validate_json((RATES_DIR / f"{company}-{year}.json").read_text(encoding="utf-8"))


def years(company: str) -> list[int]:
    found = (_FILE.match(path.name) for path in RATES_DIR.glob("*.json"))
    return sorted(int(m["year"]) for m in found if m is not None and m["company"] == company)


def for_year(company: str, year: int) -> RateTable | None:
    """The table of `year`, or — while next year's decision is not published — the latest earlier one."""
    earlier = [y for y in years(company) if y <= year]
    return table(company, earlier[-1]) if earlier else None
