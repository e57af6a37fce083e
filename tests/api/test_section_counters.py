"""New-event counters on the menu sections (seed 004 §4.1): what is new in each since the user last opened it."""

from __future__ import annotations

from connection_helpers import person as connection_applicant, submitted as submitted_application
from helpers import consumer, count_calls, login, register_and_confirm, staff_user
from test_appeals import submit as submit_appeal

QUIET = {"accounts": 0, "readings": 0, "appeals": 0, "connection": 0, "outages": 0}


def counters(api, token: str) -> dict:
    status, answer = api.get("/me/sections", token=token)
    assert status == 200, answer
    return answer


def signed_in(api) -> dict:
    user = register_and_confirm(api)
    user["token"] = login(api, user["login"])["access_token"]
    return user


def test_events_count_in_their_section_until_it_is_opened(api):
    user = signed_in(api)
    start = counters(api, user["token"])
    assert start["sections"] == QUIET and start["unread"] == 1  # the welcome note belongs to no section

    card = submit_appeal(api, user)
    operator = staff_user(api, "operator")
    assert api.post(f"/staff/appeals/{card['id']}/take", token=operator["token"])[0] == 200
    now = counters(api, user["token"])
    assert now["sections"] == {**QUIET, "appeals": 2} and now["unread"] == 3

    assert api.post("/me/sections/seen", {"section": "appeals"}, token=user["token"]) == (204, None)
    opened = counters(api, user["token"])
    # Opening the section is not reading the notifications: «Уведомления» keeps its own count.
    assert opened["sections"] == QUIET and opened["unread"] == 3
    assert api.post("/me/sections/seen", {"section": "appeals"}, token=user["token"]) == (204, None)  # again: no-op

    assert (
        api.post(f"/staff/appeals/{card['id']}/answer", {"text": "Напряжение в норме."}, token=operator["token"])[0]
        == 200
    )
    assert counters(api, user["token"])["sections"] == {**QUIET, "appeals": 1}


def test_each_section_counts_its_own_events(api):
    applicant = connection_applicant(api)
    submitted_application(api, applicant["token"])
    submit_appeal(api, applicant)
    assert counters(api, applicant["token"])["sections"] == {**QUIET, "connection": 1, "appeals": 1}
    api.post("/me/sections/seen", {"section": "connection"}, token=applicant["token"])
    assert counters(api, applicant["token"])["sections"] == {**QUIET, "appeals": 1}


def test_counters_are_per_user(api):
    first, second = signed_in(api), signed_in(api)
    submit_appeal(api, first)
    assert counters(api, second["token"])["sections"] == QUIET
    assert api.post("/me/sections/seen", {"section": "appeals"}, token=second["token"])[0] == 204
    assert counters(api, first["token"])["sections"]["appeals"] == 1
    assert api.get("/me/sections")[0] == 401
    assert api.post("/me/sections/seen", {"section": "appeals"})[0] == 401


def test_an_account_with_an_empty_feed_has_nothing_new_anywhere(api):
    account = consumer(api)  # made by the company: no welcome note, no counter item yet
    assert counters(api, account["token"]) == {"unread": 0, "sections": QUIET}
    assert api.post("/me/sections/seen", {"section": "outages"}, token=account["token"])[0] == 204
    assert counters(api, account["token"]) == {"unread": 0, "sections": QUIET}


def test_the_menu_counters_cost_at_most_two_dynamodb_calls(api):
    user = signed_in(api)
    submit_appeal(api, user)
    with count_calls("dynamodb") as calls:
        answer = counters(api, user["token"])
    assert answer["sections"]["appeals"] == 1
    assert len(calls) <= 2 and not any(c.startswith(("Scan", "Query")) for c in calls), calls


def test_an_unknown_section_is_refused_in_russian_without_echo(api):
    user = signed_in(api)
    status, answer = api.post("/me/sections/seen", {"section": "секретный-раздел"}, token=user["token"])
    assert status == 422 and answer["error"]["fields"][0]["path"] == "section"
    assert "секретный-раздел" not in str(answer)
    assert api.post("/me/sections/seen", {"section": "appeals", "x": 1}, token=user["token"])[0] == 422


def test_a_counter_stored_before_sections_existed_reads_as_nothing_new(api):
    """Counter items written before the section attributes existed carry only `unread`."""
    from chalicelib.notifications.repository import COUNTER, FeedCounter, feed_key

    user = signed_in(api)
    FeedCounter(feed_key(user["user_id"]), COUNTER, unread=4).save()  # exactly the old shape
    assert counters(api, user["token"]) == {"unread": 4, "sections": QUIET}
    submit_appeal(api, user)
    assert counters(api, user["token"]) == {"unread": 5, "sections": {**QUIET, "appeals": 1}}
    assert api.get("/me/notifications", token=user["token"])[1]["unread"] == 5


def test_every_template_with_a_feed_entry_has_a_section_or_is_meant_to_have_none():
    from chalicelib.notifications.sections import SECTIONS, section_of
    from chalicelib.notifications.templates import TEMPLATES

    in_feed = {name: t.link for name, t in TEMPLATES.items() if t.feed_title}
    # Home and «Профиль»: a welcome, and changes the user made themself.
    uncounted = {name for name, link in in_feed.items() if section_of(link) is None}
    assert {in_feed[name].split("?")[0] for name in uncounted} <= {"#/", "#/profile"}, uncounted
    assert {section_of(link) for link in in_feed.values()} - {None} == set(SECTIONS)
