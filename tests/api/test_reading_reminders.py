"""Reading-window notices and reminders, channel choices and opt-out, verification notices: each
arrives once, however often the tick runs, the fan-out repeats or a queue message comes back."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import boto3
import pytest
from helpers import (
    billing_meter,
    consumer,
    count_calls,
    deliver_notifications,
    grant_contract,
    load_billing,
    sent_emails,
    sent_sms,
    unique_contract,
)

from chalicelib.core import clock
from infra.local.run import sqs_event

# Moscow is UTC+3: the default window opens on the 25th, the reminder is due from the 29th (November).
BEFORE_WINDOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
WINDOW_OPEN_NIGHT = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)  # 06:00: too early for a notice
WINDOW_OPEN = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)  # 10:00
CLOSING = datetime(2026, 11, 29, 7, 0, tzinfo=UTC)  # 10:00, two days left


def at(moment: datetime) -> None:
    clock.set_clock(lambda: moment)


@pytest.fixture(autouse=True)
def fresh_runs(aws):
    from chalicelib.reminders.service import RUN_PK, ReminderRun, reset_memo

    def forget() -> None:
        for run in ReminderRun.query(RUN_PK):
            run.delete()
        reset_memo()

    forget()
    yield
    clock.set_clock(None)
    forget()


def tick() -> list[str]:
    """The window runs a tick fanned out (its daily verification run is tested on its own)."""
    from chalicelib.reminders.service import reminders_tick

    return [run for run in reminders_tick() if run.startswith("window")]


def queued() -> list[dict]:
    """Receive what the tick queued (and delete it), as the consumer's event source would."""
    sqs = boto3.client("sqs", region_name="eu-central-1")
    url = sqs.get_queue_url(QueueName="kabinet-test-reminders")["QueueUrl"]
    records = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            return records
        records += sqs_event(got)["Records"]
        for m in got:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def consume(records: list[dict]) -> None:
    from chalicelib.reminders.service import handle_batch

    for start in range(0, len(records), 10):
        assert handle_batch({"Records": records[start : start + 10]}) == {"batchItemFailures": []}


def run_schedule() -> list[dict]:
    """A tick, its queue consumed, the notices delivered; returns the queued records."""
    tick()
    records = queued()
    consume(records)
    deliver_notifications()
    return records


def feed(api, person) -> list[dict]:
    sign_in_again(api, person)  # the tests move the clock by hours and days
    status, page = api.get("/me/notifications?limit=100", token=person["token"])
    assert status == 200, page
    return page["items"]


def titled(api, person, start: str) -> list[dict]:
    return [n for n in feed(api, person) if n["title"].startswith(start)]


def holder(api, *serial_suffixes: str, **meter) -> dict:
    """An account holding a new contract with a meter per suffix."""
    number = unique_contract()
    prefix = f"N{number[-6:].upper()}"
    load_billing(*(billing_meter(number, f"{prefix}{s}", **meter) for s in serial_suffixes))
    person = consumer(api, last_name="Иванов", first_name="Иван", snils="11223344595")
    grant_contract(person["user_id"], number, "holder")
    person["token"] = api.post("/auth/login", {"identifier": person["login"], "password": "Secret123pass"})[1][
        "access_token"
    ]
    tree = api.get("/accounts", token=person["token"])[1]
    person["meters"] = {m["serial"]: m["id"] for o in tree["contracts"][0]["objects"] for m in o["meters"]}
    person["prefix"], person["contract"] = prefix, number
    return person


def sign_in_again(api, person) -> None:
    """Access tokens last 15 minutes: after moving the clock by days, sign in again."""
    person["token"] = api.post("/auth/login", {"identifier": person["login"], "password": "Secret123pass"})[1][
        "access_token"
    ]


def test_the_window_open_notice_arrives_once_by_feed_and_e_mail(api):
    at(WINDOW_OPEN)
    person = holder(api, "1", "2")
    at(BEFORE_WINDOW)
    assert tick() == []
    at(WINDOW_OPEN_NIGHT)
    assert tick() == []  # not at six in the morning
    at(WINDOW_OPEN)
    run_schedule()
    notes = titled(api, person, "Открыт приём показаний")
    assert [n["title"] for n in notes] == ["Открыт приём показаний за ноябрь 2026"]
    assert f"№ {person['prefix']}1, № {person['prefix']}2" in notes[0]["body"]
    assert "до 30 ноября" in notes[0]["body"]
    mails = [m for m in sent_emails(person["email"]) if "Открыт приём показаний" in m.subject]
    assert len(mails) == 1
    assert sent_sms(person["phone"]) == []  # SMS is off until the account asks for it

    # The tick again, later the same day: the run is done, and the container remembers it.
    at(WINDOW_OPEN + timedelta(hours=3))
    with count_calls("dynamodb") as calls:
        assert tick() == []
    assert calls == []
    assert len(titled(api, person, "Открыт приём показаний")) == 1


def test_a_repeated_fan_out_and_a_redelivered_message_send_nothing_twice(api):
    from chalicelib.reminders.service import RUN_PK, ReminderRun, reset_memo

    at(WINDOW_OPEN)
    person = holder(api, "1")
    assert tick() == ["window_open#2026-11"]
    first = queued()
    consume(first)
    consume(first)  # SQS delivered the same messages again
    # A tick that died after fanning out: its lease expires and the next tick fans out again.
    ReminderRun(RUN_PK, "window_open#2026-11").update(
        actions=[ReminderRun.done_at.remove(), ReminderRun.lease_until.set(0)]
    )
    reset_memo()
    assert tick() == ["window_open#2026-11"]
    consume(queued())
    deliver_notifications()
    assert len(titled(api, person, "Открыт приём показаний")) == 1
    assert len([m for m in sent_emails(person["email"]) if "Открыт приём показаний" in m.subject]) == 1


def test_an_overlapping_tick_does_not_fan_out_while_another_holds_the_run():
    from chalicelib.reminders.service import _claim

    at(WINDOW_OPEN)
    assert _claim("window_open#2026-11", WINDOW_OPEN) is True
    assert _claim("window_open#2026-11", WINDOW_OPEN + timedelta(minutes=5)) is False
    assert tick() == []


def test_the_closing_reminder_names_only_meters_without_a_reading_this_period(api):
    at(WINDOW_OPEN)
    partly = holder(api, "1", "2", last_period="2026-10", last_values={"T1": "100"})
    done = holder(api, "1", last_period="2026-10", last_values={"T1": "100"})
    for person, serials in ((partly, ["1"]), (done, ["1"])):
        for suffix in serials:
            meter = person["meters"][f"{person['prefix']}{suffix}"]
            status, body = api.post(f"/meters/{meter}/readings", {"values": {"T1": "150"}}, token=person["token"])
            assert status == 201, body
    at(CLOSING)
    run_schedule()
    notes = titled(api, partly, "Передайте показания за ноябрь 2026")
    assert len(notes) == 1
    assert notes[0]["title"] == "Передайте показания за ноябрь 2026 до 30 ноября"
    assert f"№ {partly['prefix']}2" in notes[0]["body"] and f"№ {partly['prefix']}1" not in notes[0]["body"]
    assert titled(api, done, "Передайте показания") == []
    # Inside the last two days only the reminder is due: no late «window open» notice.
    assert titled(api, partly, "Открыт приём показаний") == []
    run_schedule()
    assert len(titled(api, partly, "Передайте показания")) == 1


def test_meters_that_take_no_manual_readings_and_view_only_users_get_no_notice(api):
    at(WINDOW_OPEN)
    aiis = holder(api, "1", status="aiis")
    viewer = consumer(api)
    grant_contract(viewer["user_id"], aiis["contract"], "view")
    owner = holder(api, "1")
    grant_contract(viewer["user_id"], owner["contract"], "view")
    run_schedule()
    assert titled(api, aiis, "Открыт приём") == []
    assert titled(api, viewer, "Открыт приём") == []
    assert len(titled(api, owner, "Открыт приём")) == 1


def test_channels_and_opt_out_are_the_accounts_choice(api):
    at(WINDOW_OPEN)
    sms_only = holder(api, "1")
    opted_out = holder(api, "1")
    profile = api.get("/me", token=sms_only["token"])[1]
    assert profile["notifications"] == {"email": True, "sms": False, "reading_reminders": True}
    status, profile = api.patch(
        "/me", {"notifications": {"email": False, "sms": True, "reading_reminders": True}}, token=sms_only["token"]
    )
    assert status == 200 and profile["notifications"] == {"email": False, "sms": True, "reading_reminders": True}
    status, _ = api.patch("/me", {"notifications": {"reading_reminders": False}}, token=opted_out["token"])
    assert status == 200
    run_schedule()
    assert len(titled(api, sms_only, "Открыт приём")) == 1  # the feed always
    assert [m for m in sent_emails(sms_only["email"]) if "Открыт приём" in m.subject] == []
    assert [t for t in sent_sms(sms_only["phone"]) if t.startswith("Открыт прием показаний за ноябрь 2026")]
    assert titled(api, opted_out, "Открыт приём") == []
    assert [m for m in sent_emails(opted_out["email"]) if "Открыт приём" in m.subject] == []


def test_a_bad_choice_is_refused_in_russian_on_its_field(api):
    at(WINDOW_OPEN)
    person = consumer(api)
    status, body = api.patch("/me", {"notifications": {"sms": "иногда"}}, token=person["token"])
    assert status == 422
    assert [f["path"] for f in body["error"]["fields"]] == ["notifications.sms"]
    assert "иногда" not in json.dumps(body, ensure_ascii=False)
    status, body = api.patch("/me", {"notifications": {"fax": True}}, token=person["token"])
    assert status == 422


def test_a_window_moved_in_the_settings_moves_the_notices(api):
    from helpers import staff_user

    from chalicelib.settings import service as company_settings

    at(datetime(2026, 11, 20, 7, 0, tzinfo=UTC))
    person = holder(api, "1")
    assert tick() == []  # the 20th: the window opens on the 25th
    admin = staff_user(api, "admin")
    current = api.get("/staff/settings", token=admin["token"])[1]
    document = current["settings"]
    document["readings"]["window_start_day"] = 20
    status, _ = api.call(
        "PUT", "/staff/settings", {"version": current["version"], "settings": document}, token=admin["token"]
    )
    assert status == 200
    try:
        run_schedule()
        assert len(titled(api, person, "Открыт приём показаний за ноябрь 2026")) == 1
    finally:
        document["readings"]["window_start_day"] = 25
        latest = api.get("/staff/settings", token=admin["token"])[1]
        api.call("PUT", "/staff/settings", {"version": latest["version"], "settings": document}, token=admin["token"])
        company_settings.reset_cache()


def test_a_reminder_costs_at_most_two_dynamodb_calls(api):
    at(WINDOW_OPEN)
    people = [holder(api, "1") for _ in range(6)]
    tick()
    records = queued()
    from chalicelib.reminders.service import handle_batch

    with count_calls("dynamodb") as calls:
        handle_batch({"Records": records})
    sent = sum(1 for p in people if titled(api, p, "Открыт приём"))
    assert sent == 6
    recipients = sum(len(json.loads(r["body"])["recipients"]) for r in records)
    assert len(calls) / recipients <= 2, calls
    assert not any(c.startswith("Scan") for c in calls)


# --- verification ---------------------------------------------------------------------------------


def test_verification_notices_arrive_sixty_days_before_and_once_passed(api):
    today = date(2026, 12, 3)
    at(datetime(2026, 12, 3, 7, 0, tzinfo=UTC))
    due = today + timedelta(days=59)
    person = holder(api, "1", next_verification=due.isoformat())
    later = holder(api, "1", next_verification=(today + timedelta(days=120)).isoformat())
    run_schedule()
    notes = titled(api, person, "Срок поверки счётчика")
    assert [n["title"] for n in notes] == [f"Срок поверки счётчика № {person['prefix']}1 — {due:%d.%m.%Y}"]
    assert titled(api, later, "Срок поверки") == []
    assert len([m for m in sent_emails(person["email"]) if "Приближается срок поверки" in m.subject]) == 1

    at(datetime(2026, 12, 4, 7, 0, tzinfo=UTC))  # the next day's run
    run_schedule()
    assert len(titled(api, person, "Срок поверки")) == 1

    passed = due + timedelta(days=1)
    at(datetime(passed.year, passed.month, passed.day, 7, 0, tzinfo=UTC))
    run_schedule()
    assert len(titled(api, person, "Истёк срок поверки счётчика")) == 1
    at(datetime(passed.year, passed.month, passed.day + 1, 7, 0, tzinfo=UTC))
    run_schedule()
    assert len(titled(api, person, "Истёк срок поверки")) == 1
    assert len(titled(api, person, "Срок поверки")) == 1


def test_a_new_verification_date_from_billing_starts_the_notices_again(api):
    at(datetime(2026, 12, 3, 7, 0, tzinfo=UTC))
    person = holder(api, "1", next_verification="2027-01-10")
    run_schedule()
    assert len(titled(api, person, "Срок поверки")) == 1
    # The meter was verified: billing sends the next date, eight years on.
    load_billing(billing_meter(person["contract"], f"{person['prefix']}1", next_verification="2034-12-20"))
    at(datetime(2034, 10, 25, 7, 0, tzinfo=UTC))
    run_schedule()
    assert next(n["title"] for n in titled(api, person, "Срок поверки")).endswith("20.12.2034")


def test_the_migration_puts_stored_links_and_meters_on_the_schedule_index(api):
    from chalicelib.metering.repository import LinkItem, MeterItem, meter_key, user_key
    from chalicelib.reminders.migration import migrate_schedules

    at(datetime(2026, 12, 3, 7, 0, tzinfo=UTC))
    person = holder(api, "1", next_verification="2027-01-20")
    meter_id = next(iter(person["meters"].values()))
    # As stored before this release: no index keys.
    LinkItem(user_key(person["user_id"]), meter_key(meter_id)).update(
        actions=[LinkItem.sched_pk.remove(), LinkItem.sched_sk.remove()]
    )
    MeterItem(meter_key(meter_id), "METER").update(actions=[MeterItem.sched_pk.remove(), MeterItem.sched_sk.remove()])
    report = migrate_schedules()
    assert report.links >= 1 and report.meters >= 1
    assert migrate_schedules().links == 0  # a second run finds nothing to do
    run_schedule()
    assert len(titled(api, person, "Срок поверки")) == 1
    at(WINDOW_OPEN.replace(year=2026, month=12, day=25))
    run_schedule()
    assert len(titled(api, person, "Открыт приём показаний за декабрь 2026")) == 1
