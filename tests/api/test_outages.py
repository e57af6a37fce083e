"""Outages: the public address lookup, subscriptions, the staff console, SMS on publishing, imports."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from urllib.parse import quote, urlencode

import pytest
from helpers import count_calls, deliver_notifications, login, register_and_confirm, sent_sms, unique_suffix
from test_reference import staff_token

MSK_DATE = "%Y-%m-%d"


def local_now() -> datetime:
    from chalicelib.core import clock
    from chalicelib.core.config import get_settings

    return clock.now().astimezone(get_settings().tz).replace(tzinfo=None, second=0, microsecond=0)


def local(days: float = 0, hour: int | None = None) -> str:
    """A local time (no offset: the company's zone) `days` from now, optionally at a whole hour."""
    moment = local_now() + timedelta(days=days)
    if hour is not None:
        moment = moment.replace(hour=hour, minute=0)
    return moment.strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def town():
    """A locality of this test's own with a few streets (tests share one backend)."""
    from chalicelib.reference.repository import Street, StreetRepository

    locality = f"Тестовск-{unique_suffix()}"
    streets = {name: Street.new(locality, name) for name in ("ул. Плехановская", "ул. Кольцовская", "пр-т Революции")}
    StreetRepository().write_many(streets.values())
    return {"locality": locality, **{name: street.id for name, street in streets.items()}}


@pytest.fixture
def operator(api) -> str:
    return staff_token(api, "operator")


@pytest.fixture
def consumer(api) -> dict:
    user = register_and_confirm(api)
    user["token"] = login(api, user["login"])["access_token"]
    return user


def planned(street_id: str, houses: str = "", days: float = 7, **overrides) -> dict:
    body = {
        "kind": "planned",
        "streets": [{"street_id": street_id, "houses": houses}],
        "start": local(days, 9),
        "end": local(days, 17),
        "reason": "Плановый ремонт ТП-12",
    }
    body.update(overrides)
    return body


def emergency(street_id: str, houses: str, days: float, reason: str) -> dict:
    """An emergency outage on `houses` of a street, begun `days` from now (negative: in the past), end unknown."""
    return {
        "kind": "emergency",
        "streets": [{"street_id": street_id, "houses": houses}],
        "start": local(days),
        "reason": reason,
    }


def lookup(api, street_id: str, **params) -> tuple[int, dict]:
    return api.get("/outages?" + urlencode({"street_id": street_id, **params}))


def create(api, token: str, body: dict) -> dict:
    status, outage = api.post("/staff/outages", body, token=token)
    assert status == 201, outage
    return outage


# --- public lookup ------------------------------------------------------------------------------


def test_anyone_looks_up_published_outages_of_an_address(api, operator, town):
    street = town["ул. Плехановская"]
    week = create(api, operator, planned(street, "1, 3, 5–11"))
    api.post(f"/staff/outages/{week['id']}/publish", token=operator)
    emergency = create(
        api,
        operator,
        {"kind": "emergency", "streets": [{"street_id": street}], "start": local(-0.1), "reason": "Повреждение кабеля"},
    )
    draft = create(api, operator, planned(street, "7", days=3))
    create(api, operator, planned(town["ул. Кольцовская"], "7"))  # another street

    with count_calls("dynamodb") as calls:
        status, found = lookup(api, street, house="7")
    assert status == 200 and len(calls) <= 2 and not any(c.startswith("Scan") for c in calls), calls
    assert [o["id"] for o in found["items"]] == [emergency["id"], week["id"]]  # by start; no draft
    assert draft["id"] not in json.dumps(found)
    first = found["items"][1]
    assert first["kind"] == "planned" and first["kind_title"] == "Плановое" and first["houses"] == "1, 3, 5–11"
    assert first["street"] == {"id": street, "name": "ул. Плехановская", "locality": town["locality"]}
    assert first["start"].endswith("+03:00") and first["start"][11:16] == "09:00"
    assert found["items"][0]["end"] is None  # an emergency whose end is not known yet
    assert found["from"] == local_now().strftime(MSK_DATE)
    assert found["to"] == (local_now() + timedelta(days=14)).strftime(MSK_DATE)

    assert [o["id"] for o in lookup(api, street, house="2")[1]["items"]] == [emergency["id"]]  # whole street
    assert [o["id"] for o in lookup(api, street, house="7", kind="planned")[1]["items"]] == [week["id"]]
    assert len(lookup(api, street)[1]["items"]) == 2  # no house: everything on the street
    # Later days: the planned outage is over; the emergency, with no end yet, is still going on.
    later = (local_now() + timedelta(days=10)).strftime(MSK_DATE)
    assert [o["id"] for o in lookup(api, street, house="7", **{"from": later})[1]["items"]] == [emergency["id"]]


def test_a_long_outage_that_began_before_the_period_is_found(api, operator, town):
    street = town["пр-т Революции"]
    long = create(api, operator, planned(street, days=-10, end=local(2, 12)))
    api.post(f"/staff/outages/{long['id']}/publish", token=operator)
    today = local_now().strftime(MSK_DATE)
    assert [o["id"] for o in lookup(api, street, **{"from": today, "to": today})[1]["items"]] == [long["id"]]
    after = (local_now() + timedelta(days=3)).strftime(MSK_DATE)
    assert lookup(api, street, **{"from": after})[1]["items"] == []


def test_lookup_input_is_checked_with_russian_messages_that_do_not_echo_it(api, town):
    street = town["ул. Плехановская"]
    status, answer = lookup(api, street, **{"from": "2024-03-10", "to": "2024-03-01"})
    assert status == 422 and answer["error"]["fields"] == [
        {"path": "to", "message": "Дата окончания периода раньше даты начала"}
    ]
    status, answer = lookup(api, street, **{"from": "2024-01-01", "to": "2024-04-02"})
    assert status == 422 and answer["error"]["fields"][0]["message"] == "Период не может быть длиннее 92 дней"
    status, answer = lookup(api, "нет-такой", house="дом-сорок-два", kind="любое", **{"from": "вчера"})
    assert status == 422
    assert {f["path"] for f in answer["error"]["fields"]} == {"street_id", "house", "kind", "from"}
    assert not any(bad in json.dumps(answer, ensure_ascii=False) for bad in ("нет-такой", "дом-сорок-два", "вчера"))


# --- subscriptions ------------------------------------------------------------------------------


def test_subscriptions_are_per_user_limited_and_removable(api, town, consumer):
    street = town["ул. Плехановская"]
    token = consumer["token"]
    assert api.get("/outages/subscriptions")[0] == 401
    status, sub = api.post("/outages/subscriptions", {"street_id": street, "house": "12 корп. 2"}, token=token)
    assert status == 201 and sub["house"] == "12к2" and sub["street"] == "ул. Плехановская"
    status, answer = api.post("/outages/subscriptions", {"street_id": street, "house": "12к2"}, token=token)
    assert status == 409 and answer["error"]["message"] == "Вы уже подписаны на этот адрес"
    status, answer = api.post("/outages/subscriptions", {"street_id": "f" * 32, "house": "1"}, token=token)
    assert status == 422 and answer["error"]["fields"] == [
        {"path": "street_id", "message": "Улица не найдена в справочнике"}
    ]

    other = register_and_confirm(api)
    other_token = login(api, other["login"])["access_token"]
    house = quote("12к2", safe="")
    assert api.call("DELETE", f"/outages/subscriptions/{street}/{house}", token=other_token)[0] == 404
    assert len(api.get("/outages/subscriptions", token=token)[1]["items"]) == 1

    for number in range(1, 10):
        assert api.post("/outages/subscriptions", {"street_id": street, "house": str(number)}, token=token)[0] == 201
    status, answer = api.post("/outages/subscriptions", {"street_id": street, "house": "99"}, token=token)
    assert status == 409 and answer["error"]["message"] == "Можно подписаться не более чем на 10 адресов"
    listed = api.get("/outages/subscriptions", token=token)[1]
    assert len(listed["items"]) == 10 and listed["limit"] == 10

    assert api.call("DELETE", f"/outages/subscriptions/{street}/{house}", token=token)[0] == 204
    assert api.call("DELETE", f"/outages/subscriptions/{street}/{house}", token=token)[0] == 404
    assert api.post("/outages/subscriptions", {"street_id": street, "house": "99"}, token=token)[0] == 201


def test_a_house_number_with_a_slash_travels_url_encoded(api, town, consumer):
    street = town["ул. Кольцовская"]
    status, sub = api.post("/outages/subscriptions", {"street_id": street, "house": "д. 14/1"}, token=consumer["token"])
    assert status == 201 and sub["house"] == "14/1"
    path = f"/outages/subscriptions/{street}/{quote('14/1', safe='')}"
    assert api.call("DELETE", path, token=consumer["token"])[0] == 204
    assert api.get("/outages/subscriptions", token=consumer["token"])[1]["items"] == []


# --- publishing -------------------------------------------------------------------------------


def test_publishing_a_planned_outage_texts_covered_subscribers_once(api, operator, town):
    street, other_street = town["ул. Плехановская"], town["ул. Кольцовская"]
    covered = [register_and_confirm(api) for _ in range(2)]
    uncovered = [register_and_confirm(api) for _ in range(2)]
    for user, (street_id, house) in zip(
        covered + uncovered, [(street, "7"), (street, "12к2"), (street, "12"), (other_street, "7")]
    ):
        user["token"] = login(api, user["login"])["access_token"]
        assert (
            api.post("/outages/subscriptions", {"street_id": street_id, "house": house}, token=user["token"])[0] == 201
        )
    outage = create(api, operator, planned(street, "5–11, 12к2"))
    assert outage["published"] is False and outage["notified"] == 0
    deliver_notifications()

    with count_calls("dynamodb") as calls:
        status, published = api.post(f"/staff/outages/{outage['id']}/publish", token=operator)
    assert status == 200 and published["published"] is True and published["notified"] == 2
    assert not any(c.startswith("Scan") for c in calls)
    deliver_notifications()
    for user in covered:
        texts = sent_sms(user["phone"])
        assert len(texts) == 1 and texts[0].startswith("Плановое отключение электроэнергии: ул. Плехановская, д. ")
        feed = api.get("/me/notifications", token=user["token"])[1]
        # (Newest first; the welcome note may share its millisecond on a loaded machine.)
        assert [n["title"] for n in feed["items"]].count("Плановое отключение электроэнергии") == 1
    assert all(sent_sms(user["phone"]) == [] for user in uncovered)

    status, again = api.post(f"/staff/outages/{outage['id']}/publish", token=operator)
    assert status == 200 and again["notified"] == 2 and again["version"] == published["version"]
    deliver_notifications()
    assert all(len(sent_sms(user["phone"])) == 1 for user in covered)


def test_an_interrupted_publication_resumes_without_duplicates(api, operator, town):
    from chalicelib.outages.repository import OutageItem, OutageRepository

    street = town["ул. Кольцовская"]
    user = register_and_confirm(api)
    token = login(api, user["login"])["access_token"]
    api.post("/outages/subscriptions", {"street_id": street, "house": "3"}, token=token)
    outage = create(api, operator, planned(street))
    api.post(f"/staff/outages/{outage['id']}/publish", token=operator)
    # As if the first run stopped after staging but before recording that it finished.
    item = OutageRepository().get(outage["id"])
    item.update(actions=[OutageItem.notified_at.remove()])
    assert api.post(f"/staff/outages/{outage['id']}/publish", token=operator)[1]["notified"] == 1
    deliver_notifications()
    assert len(sent_sms(user["phone"])) == 1


def test_many_subscribers_are_notified_in_batches(api, operator, town):
    """More subscribers than one transaction holds: every one gets exactly one SMS."""
    from chalicelib.outages.publishing import NOTES_PER_TRANSACTION

    street = town["пр-т Революции"]
    count = NOTES_PER_TRANSACTION + 2
    phones = quick_subscribers(street, [str(number) for number in range(1, count + 1)])
    outage = create(api, operator, planned(street, f"1–{count}"))
    assert api.post(f"/staff/outages/{outage['id']}/publish", token=operator)[1]["notified"] == count
    deliver_notifications()
    assert [len(sent_sms(phone)) for phone in phones] == [1] * count


# --- staff console --------------------------------------------------------------------------------


def test_only_operators_and_administrators_manage_outages(api, town, consumer):
    engineer = staff_token(api, "engineer")
    admin = staff_token(api, "admin")
    body = planned(town["ул. Плехановская"])
    some_id = uuid.uuid4().hex
    for token in (consumer["token"], engineer):
        assert api.post("/staff/outages", body, token=token)[0] == 403
        assert api.get("/staff/outages?month=2024-03", token=token)[0] == 403
        assert api.get(f"/staff/outages/{some_id}", token=token)[0] == 403
        assert api.patch(f"/staff/outages/{some_id}", {"version": 1}, token=token)[0] == 403
        assert api.post(f"/staff/outages/{some_id}/publish", token=token)[0] == 403
        assert api.post("/staff/outages/import", {"items": [{}]}, token=token)[0] == 403
    assert api.post("/staff/outages", body)[0] == 401
    assert api.post("/staff/outages", body, token=admin)[0] == 201


def test_bad_outage_input_gets_russian_field_messages(api, operator, town):
    street = town["ул. Плехановская"]
    status, answer = api.post(
        "/staff/outages",
        {
            "kind": "плановое-ночное",
            "streets": [{"street_id": street, "houses": "1, Ж-13"}],
            "start": "завтра утром",
            "reason": "",
        },
        token=operator,
    )
    assert status == 422
    assert {f["path"]: f["message"] for f in answer["error"]["fields"]} == {
        "kind": "Недопустимое значение",
        "start": "Ожидаются дата и время: ДД.ММ.ГГГГ ЧЧ:ММ",
        "streets.0.houses": "Номера домов, элемент 2: неверный формат. Пример: 1, 3, 5–11, 12к2",
        "reason": "Слишком короткое значение: не менее 1 символов",
    }
    assert not any(bad in json.dumps(answer, ensure_ascii=False) for bad in ("Ж-13", "завтра утром", "ночное"))

    status, answer = api.post("/staff/outages", planned(street, end=local(7, 8)), token=operator)
    assert status == 422 and answer["error"]["fields"] == [
        {"path": "end", "message": "Окончание должно быть позже начала"}
    ]
    status, answer = api.post("/staff/outages", planned("a" * 32), token=operator)
    assert status == 422 and answer["error"]["fields"] == [
        {"path": "streets.0.street_id", "message": "Улица не найдена в справочнике"}
    ]
    assert api.get("/staff/outages/not-an-id", token=operator)[0] == 404
    assert api.get("/staff/outages?month=2024-13", token=operator)[0] == 422


def test_staff_edit_close_and_cancel_outages_with_an_audit_trail(api, operator, town):
    from chalicelib.core import audit

    street = town["ул. Кольцовская"]
    outage = create(api, operator, emergency(street, "1–9", -0.05, "Авария на ВЛ-0,4 кВ"))
    assert outage["published"] is True and outage["end"] is None and outage["version"] == 1
    assert [o["id"] for o in lookup(api, street, house="5")[1]["items"]] == [outage["id"]]

    status, closed = api.patch(
        f"/staff/outages/{outage['id']}",
        {"version": 1, "end": local(0.1), "streets": [{"street_id": street, "houses": "2–4"}]},
        token=operator,
    )
    assert status == 200 and closed["end"] is not None and closed["version"] == 2
    assert closed["streets"][0]["houses"] == "2–4"
    assert lookup(api, street, house="5")[1]["items"] == []
    assert lookup(api, street, house="3")[1]["items"][0]["end"] == closed["end"]

    status, answer = api.patch(f"/staff/outages/{outage['id']}", {"version": 1, "reason": "Другое"}, token=operator)
    assert status == 409
    status, answer = api.patch(f"/staff/outages/{outage['id']}", {"version": 2, "end": local(-1)}, token=operator)
    assert status == 422 and answer["error"]["fields"][0]["path"] == "end"

    status, cancelled = api.patch(
        f"/staff/outages/{outage['id']}", {"version": 2, "status": "cancelled"}, token=operator
    )
    assert status == 200 and cancelled["status"] == "cancelled"
    assert lookup(api, street)[1]["items"] == []
    assert api.post(f"/staff/outages/{outage['id']}/publish", token=operator)[0] == 409

    month = outage["start"][:7]
    listed = api.get(f"/staff/outages?month={month}", token=operator)[1]["items"]
    assert any(o["id"] == outage["id"] and o["status"] == "cancelled" for o in listed)
    actions = [e.action for e in audit.for_target("outage", outage["id"])]
    assert sorted(actions) == ["outage.create", "outage.update", "outage.update"]

    planned_one = create(api, operator, planned(street))
    status, answer = api.patch(f"/staff/outages/{planned_one['id']}", {"version": 1, "end": None}, token=operator)
    assert status == 422 and answer["error"]["fields"] == [
        {"path": "end", "message": "Укажите окончание планового отключения"}
    ]


# --- import -----------------------------------------------------------------------------------


def test_csv_import_stores_good_rows_and_reports_bad_ones_by_line(api, operator, town):
    loc = town["locality"]
    day = (local_now() + timedelta(days=5)).strftime("%d.%m.%Y")
    today = local_now().strftime("%d.%m.%Y")
    csv_text = "\r\n".join(
        [
            "kind;locality;street;houses;start;end;reason",
            f"плановое;{loc};ул. Плехановская;1, 3, 5–11;{day} 09:00;{day} 17:00;Ремонт ТП-12",
            f'аварийное;{loc};Кольцовская ул.;;{today} 00:05;;"Повреждение кабеля; работы ведутся"',
            f"плановое;{loc};ул. Несуществующая;1;{day} 09:00;{day} 17:00;Ремонт",
            f"плановое;{loc};ул. Плехановская;1, x;{day} 09:00;{day} 08:00;Ремонт",
            f"плановое;{loc};ул. Плехановская",
            f"плановое;{loc};пр-т Революции;2;32.01.2024 09:00;{day} 17:00;Ремонт",
            "",
        ]
    )
    status, report = api.post("/staff/outages/import", {"csv": csv_text}, token=operator)
    assert status == 200 and report["created"] == 2 and len(report["ids"]) == 2
    assert report["errors"] == [
        {"row": 4, "path": "street", "message": "Улица не найдена в справочнике этого населённого пункта"},
        {"row": 5, "path": "end", "message": "Окончание должно быть позже начала"},
        {"row": 5, "path": "houses", "message": "Номера домов, элемент 2: неверный формат. Пример: 1, 3, 5–11, 12к2"},
        {"row": 6, "path": "row", "message": "Ожидается 7 столбцов через «;», а в строке 3"},
        {"row": 7, "path": "start", "message": "Ожидаются дата и время: ДД.ММ.ГГГГ ЧЧ:ММ"},
    ]
    planned_id, emergency_id = report["ids"]
    stored = api.get(f"/staff/outages/{planned_id}", token=operator)[1]
    assert stored["published"] is False and stored["streets"][0]["houses"] == "1, 3, 5–11"
    assert stored["start"][11:16] == "09:00"
    # The emergency is visible at once; the planned one waits for publishing.
    assert [o["id"] for o in lookup(api, town["ул. Кольцовская"])[1]["items"]] == [emergency_id]
    assert lookup(api, town["ул. Плехановская"])[1]["items"] == []


def test_json_import_reports_rows_by_index(api, operator, town):
    row = {
        "kind": "planned",
        "locality": town["locality"],
        "street": "пр-т Революции",
        "houses": "",
        "start": local(4, 10),
        "end": local(4, 12),
        "reason": "Замена опор",
    }
    status, report = api.post("/staff/outages/import", {"items": [row, {**row, "end": None}, 7]}, token=operator)
    assert status == 200 and report["created"] == 1
    assert report["errors"] == [
        {"row": 1, "path": "end", "message": "Укажите окончание планового отключения"},
        {"row": 2, "path": "body", "message": "Ожидается объект"},
    ]


def test_an_import_needs_exactly_one_readable_source(api, operator):
    status, answer = api.post("/staff/outages/import", {"csv": "kind,locality\nplanned,Воронеж"}, token=operator)
    assert status == 422 and answer["error"]["fields"] == [
        {
            "path": "csv",
            "message": "Первая строка должна быть заголовком: kind;locality;street;houses;start;end;reason "
            "(и, если есть номер отключения в диспетчерской системе, столбец number)",
        }
    ]
    status, answer = api.post("/staff/outages/import", {"csv": "x", "items": [{}]}, token=operator)
    assert status == 422 and answer["error"]["fields"][0]["message"] == "Передайте либо список items, либо текст csv"


# --- idempotent imports -------------------------------------------------------------------------

CSV_HEADER = "kind;locality;street;houses;start;end;reason"


def day_text(days: int) -> str:
    return (local_now() + timedelta(days=days)).strftime("%d.%m.%Y")


def import_csv(api, token: str, *lines: str, header: str = CSV_HEADER) -> dict:
    status, report = api.post("/staff/outages/import", {"csv": "\r\n".join([header, *lines, ""])}, token=token)
    assert status == 200, report
    return report


def results(report: dict) -> list[tuple[int, str]]:
    return [(r["row"], r["result"]) for r in report["rows"]]


def test_importing_the_same_file_twice_creates_each_outage_once(api, operator, town):
    from chalicelib.core import audit

    loc, day, today = town["locality"], day_text(5), day_text(0)
    lines = [
        f"плановое;{loc};ул. Плехановская;1, 3, 5–11;{day} 09:00;{day} 17:00;Ремонт ТП-12",
        f"аварийное;{loc};Кольцовская ул.;;{today} 00:05;;Повреждение кабеля",
        f"плановое;{loc};ул. Несуществующая;1;{day} 09:00;{day} 17:00;Ремонт",
    ]
    first = import_csv(api, operator, *lines)
    assert (first["created"], first["updated"], first["unchanged"], first["rejected"]) == (2, 0, 0, 1)
    assert results(first) == [(2, "new"), (3, "new"), (4, "error")]
    assert first["rows"][2]["message"] == "Улица не найдена в справочнике этого населённого пункта"

    # The retry after a timeout, or the same daily file uploaded again: nothing new, nothing written.
    with count_calls("dynamodb") as calls:
        second = import_csv(api, operator, *lines)
    assert (second["created"], second["updated"], second["unchanged"], second["rejected"]) == (0, 0, 2, 1)
    assert results(second) == [(2, "unchanged"), (3, "unchanged"), (4, "error")]
    assert [r["id"] for r in second["rows"][:2]] == first["ids"] and second["ids"] == []
    assert not any(c.startswith(("Scan", "TransactWrite", "PutItem", "UpdateItem")) for c in calls), calls

    months = {local_now().strftime("%Y-%m"), (local_now() + timedelta(days=5)).strftime("%Y-%m")}
    mine = [
        o["id"]
        for month in sorted(months)
        for o in api.get(f"/staff/outages?month={month}", token=operator)[1]["items"]
        if o["streets"][0]["locality"] == loc
    ]
    assert sorted(mine) == sorted(first["ids"])
    assert len(lookup(api, town["ул. Кольцовская"])[1]["items"]) == 1
    for outage_id in first["ids"]:
        assert [e.action for e in audit.for_target("outage", outage_id)] == ["outage.import"]


def test_a_changed_row_updates_the_outage_it_made(api, operator, town):
    loc, day, today = town["locality"], day_text(6), day_text(0)
    header = "number;" + CSV_HEADER
    first = import_csv(
        api,
        operator,
        f"ОП-101;плановое;{loc};ул. Плехановская;1–9;{day} 09:00;{day} 17:00;Замена опор",
        f";аварийное;{loc};ул. Кольцовская;2;{today} 00:10;;Авария на ВЛ-0,4 кВ",
        f";плановое;{loc};пр-т Революции;;{day} 10:00;{day} 12:00;Ремонт",
        header=header,
    )
    numbered, emergency, unnumbered = first["ids"]
    assert first["rows"][0]["number"] == "ОП-101"

    # The next day's file: the dispatcher moved his outage and narrowed it, the emergency has its end,
    # the other planned one is extended; numbers are spelt a little differently.
    second = import_csv(
        api,
        operator,
        f"№ оп-101;плановое;{loc};ул. Плехановская;1–5;{day} 10:00;{day} 18:00;Замена опор",
        f";аварийное;{loc};ул. Кольцовская;2;{today} 00:10;{today} 23:00;Авария на ВЛ-0,4 кВ",
        f";плановое;{loc};пр-т Революции;;{day} 10:00;{day} 15:00;Ремонт",
        header=header,
    )
    assert (second["created"], second["updated"], second["unchanged"]) == (0, 3, 0)
    assert [(r["id"], r["result"], r["fields"]) for r in second["rows"]] == [
        (numbered, "updated", ["start", "end", "streets"]),
        (emergency, "updated", ["end"]),
        (unnumbered, "updated", ["end"]),
    ]
    moved = api.get(f"/staff/outages/{numbered}", token=operator)[1]
    assert moved["version"] == 2 and moved["start"][11:16] == "10:00" and moved["end"][11:16] == "18:00"
    assert moved["streets"][0]["houses"] == "1–5" and moved["number"] == "ОП-101"
    assert lookup(api, town["ул. Кольцовская"])[1]["items"][0]["end"][11:16] == "23:00"

    # Staff correct the reason by hand; the same file again does not undo it.
    api.patch(f"/staff/outages/{unnumbered}", {"version": 2, "reason": "Ремонт КЛ-10 кВ"}, token=operator)
    third = import_csv(
        api,
        operator,
        f"№ оп-101;плановое;{loc};ул. Плехановская;1–5;{day} 10:00;{day} 18:00;Замена опор",
        f";аварийное;{loc};ул. Кольцовская;2;{today} 00:10;{today} 23:00;Авария на ВЛ-0,4 кВ",
        f";плановое;{loc};пр-т Революции;;{day} 10:00;{day} 15:00;Ремонт",
        header=header,
    )
    assert results(third) == [(2, "unchanged"), (3, "unchanged"), (4, "unchanged")]
    assert api.get(f"/staff/outages/{unnumbered}", token=operator)[1]["reason"] == "Ремонт КЛ-10 кВ"
    # The dispatcher then writes what staff already entered: nothing to change (the row is remembered, so
    # a later edit in the console is not undone by this file either).
    fourth_line = f";плановое;{loc};пр-т Революции;;{day} 10:00;{day} 15:00;Ремонт КЛ-10 кВ"
    assert results(import_csv(api, operator, fourth_line, header=header)) == [(2, "unchanged")]
    api.patch(f"/staff/outages/{unnumbered}", {"version": 3, "end": f"{local(6)[:10]}T16:00"}, token=operator)
    assert results(import_csv(api, operator, fourth_line, header=header)) == [(2, "unchanged")]
    kept = api.get(f"/staff/outages/{unnumbered}", token=operator)[1]
    assert kept["version"] == 4 and kept["end"][11:16] == "16:00"


def test_import_rows_that_repeat_or_contradict_are_reported(api, operator, town):
    loc, day = town["locality"], day_text(8)
    header = CSV_HEADER + ";number"
    row = f"плановое;{loc};ул. Плехановская;4;{day} 09:00;{day} 17:00;Ремонт"
    report = import_csv(
        api,
        operator,
        row + ";",
        row + ";",
        row + ";77",
        f"аварийное;{loc};ул. Плехановская;4;{day} 09:00;;Авария;77",
        header=header,
    )
    assert results(report) == [(2, "new"), (3, "error"), (4, "new"), (5, "error")]
    assert report["rows"][1]["message"] == "Повторяет строку 2: то же отключение (вид, улица, дома и начало)"
    assert report["rows"][3]["message"] == "Повторяет строку 4: то же отключение (тот же номер и улица)"
    again = import_csv(api, operator, f"аварийное;{loc};ул. Плехановская;4;{day} 09:00;;Авария;77", header=header)
    assert results(again) == [(2, "error")]
    assert again["errors"] == [
        {
            "row": 2,
            "path": "kind",
            "message": "Отключение с этим номером уже загружено как «Плановое»: вид менять нельзя",
        }
    ]

    # Cancelled in the console: the file does not bring it back or change it.
    outage_id = report["rows"][2]["id"]
    assert api.patch(f"/staff/outages/{outage_id}", {"version": 1, "status": "cancelled"}, token=operator)[0] == 200
    moved = import_csv(
        api, operator, f"плановое;{loc};ул. Плехановская;4;{day} 09:00;{day} 19:00;Ремонт;77", header=header
    )
    assert moved["rows"] == [
        {
            "row": 2,
            "result": "unchanged",
            "id": outage_id,
            "number": "77",
            "fields": [],
            "notified": 0,
            "message": "Отключение отменено в кабинете — изменения из файла не применяются",
        }
    ]
    stored = api.get(f"/staff/outages/{outage_id}", token=operator)[1]
    assert stored["status"] == "cancelled" and stored["end"][11:16] == "17:00"


def test_two_imports_of_one_file_at_once_make_one_outage(api, operator, town, monkeypatch):
    """The second import read before the first wrote: its conditional put fails, and the row is read and
    classified again instead of being duplicated."""
    from chalicelib.outages.repository import OutageRepository

    loc, day = town["locality"], day_text(9)
    line = f"плановое;{loc};пр-т Революции;12;{day} 09:00;{day} 17:00;Ремонт"
    first = import_csv(api, operator, line)
    monkeypatch.setattr(OutageRepository, "get_many", lambda self, ids: {})  # a read from before the first import
    second = import_csv(api, operator, line)
    assert results(second) == [(2, "unchanged")] and second["rows"][0]["id"] == first["ids"][0]


def test_json_import_takes_the_number_too(api, operator, town):
    row = {
        "number": "А-55",
        "kind": "planned",
        "locality": town["locality"],
        "street": "пр-т Революции",
        "houses": "",
        "start": local(4, 10),
        "end": local(4, 12),
        "reason": "Замена опор",
    }
    first = api.post("/staff/outages/import", {"items": [row]}, token=operator)[1]
    again = api.post("/staff/outages/import", {"items": [{**row, "end": local(4, 13)}]}, token=operator)[1]
    assert results(first) == [(0, "new")] and results(again) == [(0, "updated")]
    assert again["rows"][0]["id"] == first["ids"][0] and again["rows"][0]["fields"] == ["end"]
    status, bad = api.post("/staff/outages/import", {"items": [{**row, "number": "55;DROP"}]}, token=operator)
    assert status == 200 and bad["errors"] == [{"row": 0, "path": "number", "message": "Неверный формат"}]


# --- notifying subscribers of changes -------------------------------------------------------------


def quick_subscribers(street_id: str, houses: list[str]) -> list[str]:
    """Active users subscribed to houses of a street, written directly (no claims, no counters): their phones."""
    from chalicelib.accounts.repository import UserItem, user_key
    from chalicelib.outages.repository import SubscriberItem, subs_pk, subscriber_sk

    phones = []
    with UserItem.batch_write() as users, SubscriberItem.batch_write() as subscribers:
        for house in houses:
            user_id, phone = str(uuid.uuid4()), f"+7906{uuid.uuid4().int % 10**7:07d}"
            users.save(
                UserItem(
                    user_key(user_id),
                    "PROFILE",
                    user_id=user_id,
                    kind="person",
                    status="active",
                    login=user_id,
                    login_key=user_id,
                    email=f"{user_id}@example.ru",
                    email_key=f"{user_id}@example.ru",
                    phone=phone,
                    phone_key=phone,
                    password_hash="-",
                    created_at="2024-01-01T00:00:00Z",
                )
            )
            subscribers.save(
                SubscriberItem(subs_pk(street_id), subscriber_sk(user_id, house), user_id=user_id, house=house)
            )
            phones.append(phone)
    return phones


def published(api, token: str, body: dict) -> dict:
    outage = create(api, token, body)
    status, answer = api.post(f"/staff/outages/{outage['id']}/publish", token=token)
    assert status == 200, answer
    deliver_notifications()
    return answer


def texts(*phones: str) -> list[list[str]]:
    deliver_notifications()
    return [sent_sms(phone) for phone in phones]


def period(start: str, end: str) -> str:
    """As SMS show it: «12.03.2024 с 09:00 до 17:00»."""
    first, last = datetime.fromisoformat(start), datetime.fromisoformat(end)
    return f"{first:%d.%m.%Y} с {first:%H:%M} до {last:%H:%M}"


def test_a_new_time_of_a_published_outage_is_texted_to_each_subscriber_once(api, operator, town):
    from chalicelib.core import audit

    street = town["ул. Плехановская"]
    user = register_and_confirm(api)
    user["token"] = login(api, user["login"])["access_token"]
    assert api.post("/outages/subscriptions", {"street_id": street, "house": "7"}, token=user["token"])[0] == 201
    other, outside = quick_subscribers(street, ["9", "30"])
    outage = published(api, operator, planned(street, "5–11"))
    assert outage["notified"] == 2 and outage["notifies_subscribers"] is True

    edit = {"version": outage["version"], "end": local(7, 19)}
    with count_calls("dynamodb") as calls:
        status, moved = api.patch(f"/staff/outages/{outage['id']}", edit, token=operator)
    assert status == 200 and moved["version"] == outage["version"] + 1 and moved["change_notified"] == 2
    assert not any(c.startswith("Scan") for c in calls), calls
    assert calls.count("TransactWriteItems") == 1  # the change, its audit and both notifications together
    new_period = period(moved["start"], moved["end"])
    assert [len(t) for t in texts(user["phone"], other, outside)] == [2, 2, 0]
    assert sent_sms(user["phone"])[1].startswith(f"Изменено время отключения: ул. Плехановская, д. 7, {new_period}. ")
    assert sent_sms(other)[1].startswith(f"Изменено время отключения: ул. Плехановская, д. 9, {new_period}")
    # (Feed entries of one millisecond may come in either order on a loaded machine: find it by title.)
    [feed] = [
        n
        for n in api.get("/me/notifications", token=user["token"])[1]["items"]
        if n["title"] == "Изменено время отключения электроэнергии"
    ]
    assert feed["body"] == f"ул. Плехановская, д. 7: {new_period} (ранее: {period(outage['start'], outage['end'])})."

    # The same request again (its answer was lost): the same answer, nothing written, nobody texted.
    status, again = api.patch(f"/staff/outages/{outage['id']}", edit, token=operator)
    assert status == 200 and again["version"] == moved["version"]
    # A save of the form as it is: no new version, no SMS. A new reason only: a version, no SMS.
    same = {
        "version": moved["version"],
        "streets": [{"street_id": street, "houses": "5-11"}],
        "start": moved["start"],
        "end": moved["end"],
        "reason": moved["reason"],
    }
    status, kept = api.patch(f"/staff/outages/{outage['id']}", same, token=operator)
    assert status == 200 and kept["version"] == moved["version"]
    status, reasoned = api.patch(
        f"/staff/outages/{outage['id']}", {**same, "reason": "Замена трансформатора"}, token=operator
    )
    assert status == 200 and reasoned["version"] == moved["version"] + 1 and reasoned["change_notified"] == 0
    assert [len(t) for t in texts(user["phone"], other, outside)] == [2, 2, 0]
    # A stale version that is not a replay is still a conflict.
    assert api.patch(f"/staff/outages/{outage['id']}", {**edit, "end": local(7, 20)}, token=operator)[0] == 409

    details = [e.details for e in audit.for_target("outage", outage["id"]) if e.action == "outage.update"]
    assert details == [{"fields": ["reason"], "notified": 0}, {"fields": ["end"], "notified": 2}]


def test_consumers_see_that_a_published_outage_was_changed(api, operator, town):
    street = town["пр-т Революции"]
    outage = published(api, operator, planned(street, "1–9"))
    found = lookup(api, street, house="5")[1]["items"][0]
    assert found["changed_at"] is None and found["previous_start"] is None
    moved = api.patch(
        f"/staff/outages/{outage['id']}", {"version": outage["version"], "start": local(7, 8)}, token=operator
    )[1]
    with count_calls("dynamodb") as calls:
        found = lookup(api, street, house="5")[1]["items"][0]
    assert len(calls) == 1 and calls == ["Query"]
    assert found["changed_at"] == moved["changed_at"] and found["start"][11:16] == "08:00"
    assert (found["previous_start"], found["previous_end"]) == (outage["start"], outage["end"])
    # A draft changed before publishing was never seen: no mark.
    draft = create(api, operator, planned(street, "20", days=8))
    edited = api.patch(f"/staff/outages/{draft['id']}", {"version": 1, "end": local(8, 18)}, token=operator)[1]
    assert edited["changed_at"] is None


def test_changed_houses_tell_those_added_and_those_left_out(api, operator, town):
    street = town["ул. Кольцовская"]
    stays, dropped, added = quick_subscribers(street, ["3", "8", "12"])
    outage = published(api, operator, planned(street, "1–9"))
    assert outage["notified"] == 2
    status, narrowed = api.patch(
        f"/staff/outages/{outage['id']}",
        {"version": outage["version"], "streets": [{"street_id": street, "houses": "1–5, 12"}]},
        token=operator,
    )
    assert status == 200 and narrowed["change_notified"] == 2
    stays_sms, dropped_sms, added_sms = texts(stays, dropped, added)
    the_period = period(outage["start"], outage["end"])
    assert len(stays_sms) == 1  # the same time at the same house: nothing new for them
    assert dropped_sms[1].startswith(f"Отменено отключение электроэнергии: ул. Кольцовская, д. 8, {the_period}")
    assert added_sms == [sent_sms(added)[0]] and added_sms[0].startswith(
        f"Плановое отключение электроэнергии: ул. Кольцовская, д. 12, {the_period}"
    )


def test_cancelling_and_bringing_back_a_published_outage_is_texted(api, operator, town):
    street = town["ул. Плехановская"]
    (phone,) = quick_subscribers(street, ["40"])
    outage = published(api, operator, planned(street, "40"))
    status, cancelled = api.patch(
        f"/staff/outages/{outage['id']}", {"version": outage["version"], "status": "cancelled"}, token=operator
    )
    assert status == 200 and cancelled["change_notified"] == 1 and cancelled["notifies_subscribers"] is True
    assert texts(phone)[0][1].startswith("Отменено отключение электроэнергии: ул. Плехановская, д. 40, ")
    assert lookup(api, street, house="40")[1]["items"] == []
    status, back = api.patch(
        f"/staff/outages/{outage['id']}", {"version": cancelled["version"], "status": "active"}, token=operator
    )
    assert status == 200 and back["change_notified"] == 1
    assert texts(phone)[0][2].startswith("Плановое отключение электроэнергии: ул. Плехановская, д. 40, ")


def test_drafts_emergencies_and_finished_outages_text_nobody_on_change(api, operator, town):
    street = town["пр-т Революции"]
    (phone,) = quick_subscribers(street, ["2"])
    draft = create(api, operator, planned(street, "2"))
    assert (
        api.patch(f"/staff/outages/{draft['id']}", {"version": 1, "end": local(7, 18)}, token=operator)[1][
            "change_notified"
        ]
        == 0
    )
    begun = create(api, operator, emergency(street, "2", -0.1, "Авария"))
    assert (
        api.patch(f"/staff/outages/{begun['id']}", {"version": 1, "end": local(0.2)}, token=operator)[1][
            "change_notified"
        ]
        == 0
    )
    over = published(api, operator, planned(street, "2", days=-3))
    assert over["notified"] == 0 and over["notifies_subscribers"] is False
    assert (
        api.patch(f"/staff/outages/{over['id']}", {"version": over["version"], "end": local(-3, 18)}, token=operator)[
            1
        ]["change_notified"]
        == 0
    )
    assert texts(phone) == [[]]


def test_a_change_for_many_subscribers_that_stopped_half_way_is_finished_by_the_retry(api, operator, town, monkeypatch):
    """More subscribers than the change's own transaction holds (the limit made small here, as moto copies
    whole tables per transaction): the rest follow in batches; if that stops, the retry finishes it."""
    from chalicelib.outages import notices, service

    # The outage, its street copy moved (delete + put: the start is in its key), the audit + 3 notifications.
    monkeypatch.setattr(service, "TRANSACTION_ITEMS", 4 + 3 * 3)
    monkeypatch.setattr(notices, "NOTES_PER_TRANSACTION", 2)
    street = town["ул. Кольцовская"]
    count = 8
    phones = quick_subscribers(street, [str(n) for n in range(1, count + 1)])
    outage = published(api, operator, planned(street, f"1–{count}"))
    assert outage["notified"] == count

    def stop(notes):
        raise RuntimeError("Lambda timed out")

    monkeypatch.setattr(service, "stage_in_batches", stop)
    edit = {"version": outage["version"], "start": local(7, 10)}
    assert api.patch(f"/staff/outages/{outage['id']}", edit, token=operator)[0] == 500
    stored = api.get(f"/staff/outages/{outage['id']}", token=operator)[1]
    assert stored["version"] == outage["version"] + 1 and stored["notice_pending"] is True
    assert [len(t) for t in texts(*phones)].count(2) == 3  # those staged with the change itself
    monkeypatch.setattr(service, "stage_in_batches", notices.stage_in_batches)

    status, moved = api.patch(f"/staff/outages/{outage['id']}", edit, token=operator)  # the client retries
    assert status == 200 and moved["version"] == stored["version"] and moved["notice_pending"] is False
    assert moved["change_notified"] == count
    assert [len(t) for t in texts(*phones)] == [2] * count
    assert all(sent_sms(phone)[1].startswith("Изменено время отключения: ") for phone in phones)


def test_a_changed_row_of_a_published_outage_is_texted_once(api, operator, town):
    loc, street = town["locality"], town["ул. Плехановская"]
    (phone,) = quick_subscribers(street, ["21"])
    day, header = day_text(10), "number;" + CSV_HEADER
    first = import_csv(
        api, operator, f"Д-9;плановое;{loc};ул. Плехановская;21;{day} 09:00;{day} 17:00;Ремонт", header=header
    )
    api.post(f"/staff/outages/{first['ids'][0]}/publish", token=operator)
    assert len(texts(phone)[0]) == 1
    changed = f"Д-9;плановое;{loc};ул. Плехановская;21;{day} 09:00;{day} 20:00;Ремонт"
    report = import_csv(api, operator, changed, header=header)
    assert report["rows"][0]["result"] == "updated" and report["rows"][0]["notified"] == 1
    assert import_csv(api, operator, changed, header=header)["rows"][0]["result"] == "unchanged"
    sms = texts(phone)[0]
    assert len(sms) == 2 and sms[1].startswith(
        f"Изменено время отключения: ул. Плехановская, д. 21, {day} с 09:00 до 20:00"
    )
