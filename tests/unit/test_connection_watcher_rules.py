"""The deadline watcher's rule (`rules.watch`, pure) on the production calendar: when a reminder is due,
what is overdue, when the application is annulled, and the next day the watcher has to look."""

from __future__ import annotations

from datetime import date

from chalicelib.connection import calendar, rules

# Requested on Monday 2 November 2026: 20 working days (4 November is a holiday) end on 1 December.
REQUESTED = date(2026, 11, 2)
WAITING = {"checking": date(2026, 10, 30), "awaiting_documents": REQUESTED}


def watch(status: str, milestones: dict[str, date], today: date, reminded=(), days: int = 3) -> rules.Watch:
    return rules.watch(status, rules.deadlines("household_15", status, milestones), today, days, set(reminded))


def test_the_documents_term_and_its_reminder_day_follow_the_calendar():
    assert calendar.add_working_days(REQUESTED, rules.DOCUMENTS_WORKING_DAYS) == date(2026, 12, 1)
    assert calendar.working_days_before(date(2026, 12, 1), 3) == date(2026, 11, 26)
    # Across the New Year holidays: three working days before Monday 11 January 2027 is 28 December.
    assert calendar.working_days_before(date(2027, 1, 11), 3) == date(2026, 12, 28)


def test_before_the_reminder_day_nothing_is_due_and_the_next_look_is_that_day():
    found = watch("awaiting_documents", WAITING, date(2026, 11, 20))
    assert found.reminders == () and not found.annul and found.overdue == frozenset()
    assert found.next_on == date(2026, 11, 26)


def test_from_the_reminder_day_the_reminder_is_due_once():
    found = watch("awaiting_documents", WAITING, date(2026, 11, 27))  # a missed day is caught up
    assert [d.code for d in found.reminders] == ["documents"]
    key = rules.reminder_key(found.reminders[0])
    assert key == "documents:2026-11-02"
    again = watch("awaiting_documents", WAITING, date(2026, 11, 27), reminded={key})
    assert again.reminders == () and again.next_on == date(2026, 12, 2)  # the day it becomes overdue


def test_the_setting_moves_the_reminder_day():
    assert watch("awaiting_documents", WAITING, date(2026, 11, 10), days=10).next_on == date(2026, 11, 17)
    assert [d.code for d in watch("awaiting_documents", WAITING, date(2026, 11, 17), days=10).reminders] == [
        "documents"
    ]


def test_after_the_documents_term_the_application_is_annulled_without_a_late_reminder():
    found = watch("awaiting_documents", WAITING, date(2026, 12, 2))
    assert found.annul and found.reminders == () and found.overdue == {"documents"}


def test_a_company_deadline_past_due_is_overdue_and_nothing_is_ahead_of_it():
    received = {"checking": date(2026, 11, 2)}  # check: 3 working days → 6 November
    found = watch("checking", received, date(2026, 11, 9), reminded={"check:2026-11-02"})
    assert found.overdue == {"check"} and not found.annul
    # The contract deadline (10 working days → 17 November) is still running: its reminder is next.
    assert found.next_on == date(2026, 11, 12)


def test_final_statuses_have_nothing_to_watch():
    for status in ("annulled", "withdrawn", "closed"):
        milestones = {**WAITING, status: date(2026, 11, 5)}
        assert watch(status, milestones, date(2026, 12, 10)) == rules.Watch((), frozenset(), False, None)
    # A withdrawal ends the deadlines that were running.
    withdrawn = rules.deadlines("household_15", "withdrawn", {**WAITING, "withdrawn": date(2026, 11, 5)})
    assert {d.code: d.done_on for d in withdrawn} == {"check": REQUESTED, "documents": date(2026, 11, 5)}
