"""The staff 80020 export of several days: a zip with one 80020 file per day."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from xml.etree import ElementTree as ET

import pytest
from aiis_support import interval, local_day, make_site
from test_reference import staff_token


@pytest.fixture(scope="module")
def site(client):
    from helpers import Api

    return make_site(Api(client))


def download(api, path: str, token: str, accept: str = "application/zip"):
    return api.client.http.get(f"/api/v1{path}", headers={"Authorization": f"Bearer {token}", "Accept": accept})


def test_a_range_of_days_downloads_as_a_zip_of_80020_files(api, site, settings_override):
    settings_override(company_inn="3664000000")
    first, last = local_day(3), local_day(1)
    assert site.agent.batch([interval(site.serials[0], local_day(2), i, 0.5) for i in range(48)])[1]["accepted"] == 48
    from chalicelib.aiis.storage.agents_repository import AssignmentItem, assignment_key

    code = AssignmentItem.get(assignment_key(site.meter_ids[0]), "ASSIGNMENT").point_code
    engineer = staff_token(api, "metering")
    response = download(api, f"/staff/aiis/80020/range?from={first}&to={last}&points={code}", engineer)
    assert response.status_code == 200, response.body
    assert response.headers["Content-Type"] == "application/zip"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="80020_3664000000_{first:%Y%m%d}-{last:%Y%m%d}.zip"'
    )

    archive = zipfile.ZipFile(io.BytesIO(response.body))
    names = sorted(archive.namelist())
    assert [name.split("_")[2] for name in names] == [f"{first + timedelta(days=d):%Y%m%d}" for d in range(3)]
    assert len({name.split("_")[3] for name in names}) == 3  # each file has its own message number
    totals = {}
    for name in names:
        root = ET.fromstring(archive.read(name))
        assert (root.get("class"), root.get("version")) == ("80020", "2")
        [point] = root.findall("area/measuringpoint")
        active = point.find("measuringchannel[@code='01']")
        totals[name.split("_")[2]] = sum(int(p.find("value").text) for p in active.findall("period"))
    assert totals[f"{local_day(2):%Y%m%d}"] == 24


def test_a_range_is_checked_before_anything_is_built(api, site):
    engineer = staff_token(api, "metering")
    day = local_day(1)
    cases = [
        (f"from={day}&to={day - timedelta(days=1)}", "to", "Конец периода раньше его начала"),
        (f"from={day - timedelta(days=31)}&to={day}", "to", "За один раз выгружается не больше 31 суток"),
        (f"from={day}&to={day + timedelta(days=2)}", "to", "Этот день ещё не наступил"),
        (f"from={day}&to={day}&points=NO-SUCH-POINT", "points", "Точек измерения АИИС с такими кодами нет: 1 из 1"),
    ]
    for query, path, message in cases:
        status, answer = api.get(
            f"/staff/aiis/80020/range?{query}", token=engineer, headers={"Accept": "application/zip"}
        )
        assert status == 422, query
        assert answer["error"]["fields"] == [{"path": path, "message": message}]


def test_only_metering_billing_and_administrators_download_the_range(api, site):
    day = local_day(1)
    path = f"/staff/aiis/80020/range?from={day}&to={day}"
    assert download(api, path, site.owner["token"], accept="*/*").status_code == 403
    assert download(api, path, staff_token(api, "operator"), accept="*/*").status_code == 403
    assert download(api, path, staff_token(api, "billing")).status_code == 200
