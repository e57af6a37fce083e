"""Outages: the public address lookup, subscriptions, the staff console, SMS on publishing, imports."""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from urllib.parse import quote, urlencode

import pytest

from helpers import (count_calls, deliver_notifications, login, register_and_confirm, sent_sms, unique_suffix)
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
    body = {"kind": "planned", "streets": [{"street_id": street_id, "houses": houses}],
            "start": local(days, 9), "end": local(days, 17), "reason": "Плановый ремонт ТП-12"}
    body.update(overrides)
    return body


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
    emergency = create(api, operator, {"kind": "emergency", "streets": [{"street_id": street}],
                                       "start": local(-0.1), "reason": "Повреждение кабеля"})
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
        {"path": "to", "message": "Дата окончания периода раньше даты начала"}]
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
    assert status == 422 and answer["error"]["fields"] == [{"path": "street_id",
                                                            "message": "Улица не найдена в справочнике"}]

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
    for user, (street_id, house) in zip(covered + uncovered, [(street, "7"), (street, "12к2"), (street, "12"),
                                                              (other_street, "7")]):
        user["token"] = login(api, user["login"])["access_token"]
        assert api.post("/outages/subscriptions", {"street_id": street_id, "house": house},
                        token=user["token"])[0] == 201
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
        assert feed["items"][0]["title"] == "Плановое отключение электроэнергии"
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
    from chalicelib.accounts.repository import UserItem, user_key
    from chalicelib.outages.publishing import NOTES_PER_TRANSACTION
    from chalicelib.outages.repository import SubscriberItem, subs_pk, subscriber_sk

    street = town["пр-т Революции"]
    count = NOTES_PER_TRANSACTION + 2
    phones = [f"+7905{uuid.uuid4().int % 10**7:07d}" for _ in range(count)]
    # Written directly (no claims, no counters): only what publishing reads, to keep the test quick.
    with UserItem.batch_write() as users, SubscriberItem.batch_write() as subscribers:
        for number, phone in enumerate(phones, start=1):
            user_id = str(uuid.uuid4())
            users.save(UserItem(user_key(user_id), "PROFILE", user_id=user_id, kind="person", status="active",
                                login=user_id, login_key=user_id, email=f"{user_id}@example.ru",
                                email_key=f"{user_id}@example.ru", phone=phone, phone_key=phone, password_hash="-",
                                created_at="2024-01-01T00:00:00Z"))
            subscribers.save(SubscriberItem(subs_pk(street), subscriber_sk(user_id, str(number)), user_id=user_id,
                                            house=str(number)))
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
    status, answer = api.post("/staff/outages", {
        "kind": "плановое-ночное", "streets": [{"street_id": street, "houses": "1, Ж-13"}],
        "start": "завтра утром", "reason": ""}, token=operator)
    assert status == 422
    assert {f["path"]: f["message"] for f in answer["error"]["fields"]} == {
        "kind": "Недопустимое значение",
        "start": "Ожидаются дата и время: ДД.ММ.ГГГГ ЧЧ:ММ",
        "streets.0.houses": "Номера домов, элемент 2: неверный формат. Пример: 1, 3, 5–11, 12к2",
        "reason": "Слишком короткое значение: не менее 1 символов"}
    assert not any(bad in json.dumps(answer, ensure_ascii=False) for bad in ("Ж-13", "завтра утром", "ночное"))

    status, answer = api.post("/staff/outages", planned(street, end=local(7, 8)), token=operator)
    assert status == 422 and answer["error"]["fields"] == [{"path": "end",
                                                            "message": "Окончание должно быть позже начала"}]
    status, answer = api.post("/staff/outages", planned("a" * 32), token=operator)
    assert status == 422 and answer["error"]["fields"] == [{"path": "streets.0.street_id",
                                                            "message": "Улица не найдена в справочнике"}]
    assert api.get("/staff/outages/not-an-id", token=operator)[0] == 404
    assert api.get("/staff/outages?month=2024-13", token=operator)[0] == 422


def test_staff_edit_close_and_cancel_outages_with_an_audit_trail(api, operator, town):
    from chalicelib.core import audit

    street = town["ул. Кольцовская"]
    outage = create(api, operator, {"kind": "emergency", "streets": [{"street_id": street, "houses": "1–9"}],
                                    "start": local(-0.05), "reason": "Авария на ВЛ-0,4 кВ"})
    assert outage["published"] is True and outage["end"] is None and outage["version"] == 1
    assert [o["id"] for o in lookup(api, street, house="5")[1]["items"]] == [outage["id"]]

    status, closed = api.patch(f"/staff/outages/{outage['id']}", {"version": 1, "end": local(0.1),
                                                                 "streets": [{"street_id": street, "houses": "2–4"}]},
                               token=operator)
    assert status == 200 and closed["end"] is not None and closed["version"] == 2
    assert closed["streets"][0]["houses"] == "2–4"
    assert lookup(api, street, house="5")[1]["items"] == []
    assert lookup(api, street, house="3")[1]["items"][0]["end"] == closed["end"]

    status, answer = api.patch(f"/staff/outages/{outage['id']}", {"version": 1, "reason": "Другое"}, token=operator)
    assert status == 409
    status, answer = api.patch(f"/staff/outages/{outage['id']}", {"version": 2, "end": local(-1)}, token=operator)
    assert status == 422 and answer["error"]["fields"][0]["path"] == "end"

    status, cancelled = api.patch(f"/staff/outages/{outage['id']}", {"version": 2, "status": "cancelled"},
                                  token=operator)
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
    assert status == 422 and answer["error"]["fields"] == [{"path": "end",
                                                            "message": "Укажите окончание планового отключения"}]


# --- import -----------------------------------------------------------------------------------

def test_csv_import_stores_good_rows_and_reports_bad_ones_by_line(api, operator, town):
    loc = town["locality"]
    day = (local_now() + timedelta(days=5)).strftime("%d.%m.%Y")
    today = local_now().strftime("%d.%m.%Y")
    csv_text = "\r\n".join([
        "kind;locality;street;houses;start;end;reason",
        f"плановое;{loc};ул. Плехановская;1, 3, 5–11;{day} 09:00;{day} 17:00;Ремонт ТП-12",
        f"аварийное;{loc};Кольцовская ул.;;{today} 00:05;;\"Повреждение кабеля; работы ведутся\"",
        f"плановое;{loc};ул. Несуществующая;1;{day} 09:00;{day} 17:00;Ремонт",
        f"плановое;{loc};ул. Плехановская;1, x;{day} 09:00;{day} 08:00;Ремонт",
        f"плановое;{loc};ул. Плехановская",
        f"плановое;{loc};пр-т Революции;2;32.01.2024 09:00;{day} 17:00;Ремонт",
        ""])
    status, report = api.post("/staff/outages/import", {"csv": csv_text}, token=operator)
    assert status == 200 and report["created"] == 2 and len(report["ids"]) == 2
    assert report["errors"] == [
        {"row": 4, "path": "street", "message": "Улица не найдена в справочнике этого населённого пункта"},
        {"row": 5, "path": "end", "message": "Окончание должно быть позже начала"},
        {"row": 5, "path": "houses", "message": "Номера домов, элемент 2: неверный формат. Пример: 1, 3, 5–11, 12к2"},
        {"row": 6, "path": "row", "message": "Ожидается 7 столбцов через «;», а в строке 3"},
        {"row": 7, "path": "start", "message": "Ожидаются дата и время: ДД.ММ.ГГГГ ЧЧ:ММ"}]
    planned_id, emergency_id = report["ids"]
    stored = api.get(f"/staff/outages/{planned_id}", token=operator)[1]
    assert stored["published"] is False and stored["streets"][0]["houses"] == "1, 3, 5–11"
    assert stored["start"][11:16] == "09:00"
    # The emergency is visible at once; the planned one waits for publishing.
    assert [o["id"] for o in lookup(api, town["ул. Кольцовская"])[1]["items"]] == [emergency_id]
    assert lookup(api, town["ул. Плехановская"])[1]["items"] == []


def test_json_import_reports_rows_by_index(api, operator, town):
    row = {"kind": "planned", "locality": town["locality"], "street": "пр-т Революции", "houses": "",
           "start": local(4, 10), "end": local(4, 12), "reason": "Замена опор"}
    status, report = api.post("/staff/outages/import", {"items": [row, {**row, "end": None}, 7]}, token=operator)
    assert status == 200 and report["created"] == 1
    assert report["errors"] == [{"row": 1, "path": "end", "message": "Укажите окончание планового отключения"},
                                {"row": 2, "path": "body", "message": "Ожидается объект"}]


def test_an_import_needs_exactly_one_readable_source(api, operator):
    status, answer = api.post("/staff/outages/import", {"csv": "kind,locality\nplanned,Воронеж"}, token=operator)
    assert status == 422 and answer["error"]["fields"] == [
        {"path": "csv", "message": "Первая строка должна быть заголовком: kind;locality;street;houses;start;end;reason"}]
    status, answer = api.post("/staff/outages/import", {"csv": "x", "items": [{}]}, token=operator)
    assert status == 422 and answer["error"]["fields"][0]["message"] == "Передайте либо список items, либо текст csv"
