"""The PP 861 deadline watcher (chalicelib/connection/watcher.py): overdue stages stored for the
queue, reminders to the responsible employee and to the applicant a set number of working days
before a deadline, annulment when the missing documents did not come in time — each once, however
often the watcher runs; recipients found by a Query, never a Scan."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from connection_helpers import staff_move, submitted
from helpers import count_calls, deliver_notifications, login, sent_emails, sent_sms, staff_login, staff_user

MOSCOW = ZoneInfo("Europe/Moscow")


@pytest.fixture
def at():
    """Move the clock to a local day and hour (Europe/Moscow, the default company zone)."""
    from chalicelib.core import clock

    def move(day: date, hour: int = 10) -> datetime:
        moment = datetime.combine(day, time(hour), MOSCOW)
        clock.set_clock(lambda: moment)
        return moment

    yield move
    clock.set_clock(None)


def run_watcher():
    from chalicelib.connection.watcher import watch_deadlines

    report = watch_deadlines()
    deliver_notifications()
    return report


def stored(application_id: str):
    from chalicelib.connection.repository import ConnectionRepository

    return ConnectionRepository().get(application_id)


def feed_titles(api, token: str) -> list[str]:
    status, feed = api.get("/me/notifications?limit=50", token=token)
    assert status == 200, feed
    return [n["title"] for n in feed["items"]]


def awaiting_documents(api, user, engineer) -> dict:
    card = submitted(api, user["token"])
    return staff_move(api, engineer["token"], card, "awaiting_documents", comment="Нет плана расположения")


def test_the_applicant_is_reminded_once_and_the_application_is_annulled_once_citing_the_clause(api, user, engineer, at):
    from chalicelib.connection import calendar
    from chalicelib.core import audit

    card = awaiting_documents(api, user, engineer)
    deliver_notifications()
    documents = {d["code"]: d for d in card["deadlines"]}["documents"]
    due = date.fromisoformat(documents["due"])
    ru_due = due.strftime("%d.%m.%Y")
    [request] = [m for m in sent_emails(user["email"]) if "Ожидание недостающих документов" in m.subject]
    assert f"до {ru_due}, иначе заявка будет аннулирована (п. 15 Правил технологического присоединения" in request.body

    # The day before the reminder: nothing yet.
    remind_on = calendar.working_days_before(due, 3)
    at(remind_on - timedelta(days=1))
    run_watcher()
    reminders = lambda: [m for m in sent_emails(user["email"]) if "документы — до" in m.subject]  # noqa: E731
    assert reminders() == []

    at(remind_on)
    stale = stored(card["id"])
    run_watcher()
    run_watcher()  # a second run, or a retry, sends nothing again
    retry_with_a_stale_read(stale)
    [reminder] = reminders()
    assert reminder.subject == f"Заявка на ТП № {card['number']}: документы — до {ru_due}"
    assert f"до {ru_due}, иначе заявка будет аннулирована" in reminder.body
    assert sum("загрузите документы до" in sms for sms in sent_sms(user["phone"])) == 1

    # The day after the term: annulled, with the clause, once.
    at(due + timedelta(days=1))
    stale = stored(card["id"])  # as an overlapping run would have read it
    run_watcher()
    run_watcher()
    retry_with_a_stale_read(stale)
    token = login(api, user["login"])["access_token"]
    own = api.get(f"/connection-applications/{card['id']}", token=token)[1]
    assert own["status"] == "annulled"
    annulments = [h for h in own["history"] if h["status"] == "annulled"]
    assert len(annulments) == 1
    assert annulments[0]["by"] == "company"
    assert f"не представлены до {ru_due}" in annulments[0]["comment"]
    assert (
        "п. 15 Правил технологического присоединения, утв. постановлением Правительства РФ от 27.12.2004 № 861"
        in annulments[0]["comment"]
    )
    deliver_notifications()
    notices = [m for m in sent_emails(user["email"]) if m.subject.endswith("Заявка аннулирована")]
    assert len(notices) == 1 and "п. 15 Правил технологического присоединения" in notices[0].body
    assert feed_titles(api, token).count(f"Заявка на ТП № {card['number']}: Заявка аннулирована") == 1
    [entry] = [e for e in audit.for_target("connection_application", card["id"]) if e.action == "connection.annulled"]
    assert entry.actor_login == "система" and entry.details["reason"] == "documents_overdue"
    # Nothing ahead for a closed application: it has left the watcher's index.
    item = stored(card["id"])
    assert item.due_on is None and item.due_pk is None


def retry_with_a_stale_read(item) -> None:
    """A run overlapping the first one (or an index read lagging behind it) gets the item as it was."""
    from chalicelib.connection.repository import ConnectionRepository
    from chalicelib.connection.watcher import DeadlineWatcher

    class Stale(ConnectionRepository):
        def due_by(self, day: str):
            return [item]

    DeadlineWatcher(Stale()).run()
    deliver_notifications()


def test_the_assignee_is_reminded_before_a_company_deadline_once(api, user, engineer, at):
    from chalicelib.connection import calendar

    card = submitted(api, user["token"])
    api.post(f"/staff/connection-applications/{card['id']}/take", token=engineer["token"])
    check = {d["code"]: d for d in card["deadlines"]}["check"]
    due = date.fromisoformat(check["due"])
    at(calendar.working_days_before(due, 3))
    run_watcher()
    run_watcher()
    mine = [m for m in sent_emails(engineer["email"]) if card["number"] in m.subject]
    assert len(mine) == 1
    assert mine[0].subject == f"Срок по заявке на ТП № {card['number']} — до {due.strftime('%d.%m.%Y')}"
    assert "«Проверка заявки и уведомление о недостающих документах»" in mine[0].body
    assert f"/staff.html#/connections/case?id={card['id']}" in mine[0].body


def test_while_nobody_has_taken_it_every_connection_engineer_is_reminded(api, user, engineer, at):
    from chalicelib.connection import calendar

    other = staff_user(api, "engineer")
    operator = staff_user(api, "operator")
    card = submitted(api, user["token"])
    due = date.fromisoformat({d["code"]: d for d in card["deadlines"]}["check"]["due"])
    at(calendar.working_days_before(due, 3))
    run_watcher()
    for employee in (engineer, other):
        assert len([m for m in sent_emails(employee["email"]) if card["number"] in m.subject]) == 1
    assert [m for m in sent_emails(operator["email"]) if card["number"] in m.subject] == []


def test_overdue_stages_are_stored_for_the_queue_and_cleared_when_done(api, user, engineer, at):
    card = submitted(api, user["token"])
    due = date.fromisoformat({d["code"]: d for d in card["deadlines"]}["check"]["due"])
    at(due + timedelta(days=1))
    token = staff_login(api, engineer["login"], password="Staff12345pass")["access_token"]

    def overdue_rows():
        page = api.get("/staff/connection-applications?overdue=true&limit=100", token=token)[1]
        return {row["id"]: row for row in page["items"]}

    assert card["id"] not in overdue_rows()  # flagged by the watcher, not yet run today
    run_watcher()
    row = overdue_rows()[card["id"]]
    assert row["overdue"] is True
    assert row["overdue_deadlines"] == ["Проверка заявки и уведомление о недостающих документах"]
    assert stored(card["id"]).overdue == {"check"}
    # The stage is done: the flag goes with the status change.
    fresh = api.get(f"/staff/connection-applications/{card['id']}", token=token)[1]
    staff_move(api, token, fresh, "registered")
    assert card["id"] not in overdue_rows()
    assert stored(card["id"]).overdue is None


def test_the_watcher_acts_from_nine_local_time_and_finds_work_by_query(api, user, at):
    card = submitted(api, user["token"])
    due = date.fromisoformat({d["code"]: d for d in card["deadlines"]}["check"]["due"])
    at(due + timedelta(days=1), hour=7)  # no SMS at night
    report = run_watcher()
    assert report.flagged == 0 and stored(card["id"]).overdue is None
    at(due + timedelta(days=1), hour=9)
    with count_calls("dynamodb") as calls:
        report = run_watcher()
    assert report.flagged >= 1 and stored(card["id"]).overdue == {"check"}
    assert "Scan" not in calls and calls.count("Query") == 1


def test_the_migration_gives_applications_in_work_their_watcher_keys(api, user):
    from chalicelib.connection.migrations import migrate_watch
    from chalicelib.connection.repository import ApplicationItem

    card = submitted(api, user["token"])
    item = stored(card["id"])
    expected = item.due_on
    # As an application submitted before the watcher existed.
    item.update(actions=[ApplicationItem.due_pk.remove(), ApplicationItem.due_on.remove()])
    assert migrate_watch() >= 1
    again = stored(card["id"])
    assert again.due_on == expected and again.due_pk == "TP#DUE"
    assert int(again.version) == int(item.version)
    migrate_watch()
    assert stored(card["id"]).due_on == expected


def test_the_reminder_lead_is_a_company_setting_with_a_russian_message(api):
    admin = staff_user(api, "admin")
    status, current = api.get("/staff/settings", token=admin["token"])
    assert status == 200 and current["settings"]["connection_reminder_working_days"] == 3
    document = {**current["settings"], "connection_reminder_working_days": 0}
    status, answer = api.call(
        "PUT", "/staff/settings", {"version": current["version"], "settings": document}, token=admin["token"]
    )
    assert status == 422
    assert {
        "path": "settings.connection_reminder_working_days",
        "message": "Напоминание о сроке — целое число рабочих дней от 1 до 10",
    } in answer["error"]["fields"]


def test_the_demo_application_with_overdue_documents_is_annulled_by_the_watcher(api, user, at):
    """`make run` seeds it (infra/local/demo.py): the watcher's first run annuls it with the notice."""
    from chalicelib.connection.demo import seed_demo_overdue_application
    from chalicelib.core import clock

    admin = staff_user(api, "admin")
    application_id = seed_demo_overdue_application(user["user_id"], admin["user_id"])
    item = stored(application_id)
    assert item.status == "awaiting_documents" and item.due_pk == "TP#DUE"
    at(clock.now().astimezone(MOSCOW).date())
    run_watcher()
    assert stored(application_id).status == "annulled"
    assert [m for m in sent_emails(user["email"]) if m.subject == f"Заявка на ТП № {item.number}: Заявка аннулирована"]
