"""Emergency outages reach the subscribers who chose «все отключения»; «только плановые» (and every
subscription made before the choice existed) still hears of planned outages only."""

from __future__ import annotations

from urllib.parse import quote

from helpers import login, register_and_confirm, sent_sms
from test_outages import create, day_text, import_csv, local, operator, planned, quick_subscribers, texts, town  # noqa: F401

EMERGENCY_SMS = "Аварийное отключение электроэнергии: "


def emergency(street_id: str, houses: str = "", **overrides) -> dict:
    body = {
        "kind": "emergency",
        "streets": [{"street_id": street_id, "houses": houses}],
        "start": local(-0.1),
        "reason": "Повреждение кабеля",
    }
    body.update(overrides)
    return body


def subscriber(api, street_id: str, house: str, kinds: str | None = None) -> dict:
    user = register_and_confirm(api)
    user["token"] = login(api, user["login"])["access_token"]
    body = {"street_id": street_id, "house": house, **({"kinds": kinds} if kinds else {})}
    status, sub = api.post("/outages/subscriptions", body, token=user["token"])
    assert status == 201, sub
    user["subscription"] = sub
    return user


def all_outages_subscribers(street_id: str, houses: list[str]) -> list[str]:
    """Like test_outages.quick_subscribers, but subscribed to all outages: their phones."""
    from chalicelib.outages.repository import SubscriberItem, subs_pk

    phones = quick_subscribers(street_id, houses)
    with SubscriberItem.batch_write() as batch:
        for item in SubscriberItem.query(subs_pk(street_id)):
            item.emergency = True
            batch.save(item)
    return phones


def test_the_choice_is_made_when_subscribing_and_can_be_changed(api, town):
    street = town["ул. Плехановская"]
    user = subscriber(api, street, "7")
    assert user["subscription"]["kinds"] == "planned"  # the default: as every subscription meant before
    status, sub = api.post(
        "/outages/subscriptions", {"street_id": street, "house": "9", "kinds": "all"}, token=user["token"]
    )
    assert status == 201 and sub["kinds"] == "all"

    path = f"/outages/subscriptions/{street}/7"
    status, changed = api.patch(path, {"kinds": "all"}, token=user["token"])
    assert status == 200 and changed["kinds"] == "all" and changed["house"] == "7"
    listed = api.get("/outages/subscriptions", token=user["token"])[1]["items"]
    assert sorted((i["house"], i["kinds"]) for i in listed) == [("7", "all"), ("9", "all")]

    status, answer = api.patch(path, {"kinds": "аварийные"}, token=user["token"])
    assert status == 422 and answer["error"]["fields"][0]["path"] == "kinds" and "аварийные" not in str(answer)
    other = register_and_confirm(api)
    other_token = login(api, other["login"])["access_token"]
    assert api.patch(path, {"kinds": "planned"}, token=other_token)[0] == 404  # not theirs
    assert (
        api.patch(
            f"/outages/subscriptions/{street}/{quote('нет дома', safe='')}", {"kinds": "all"}, token=user["token"]
        )[0]
        == 404
    )
    assert api.patch(path, {"kinds": "all"})[0] == 401


def test_an_emergency_is_texted_to_all_outages_subscribers_only(api, operator, town):
    street = town["ул. Кольцовская"]
    everything = subscriber(api, street, "5", kinds="all")
    planned_only = subscriber(api, street, "5")
    (old_style,) = quick_subscribers(street, ["5"])  # stored before the choice existed: no attribute at all
    elsewhere = subscriber(api, street, "40", kinds="all")

    outage = create(api, operator, emergency(street, "1–11"))
    assert outage["notified"] == 1
    sms = texts(everything["phone"], planned_only["phone"], old_style, elsewhere["phone"])
    assert [len(t) for t in sms] == [1, 0, 0, 0]
    assert sms[0][0].startswith(f"{EMERGENCY_SMS}ул. Кольцовская, д. 5, с ")
    assert "время восстановления уточняется" in sms[0][0]
    feed = api.get("/me/notifications", token=everything["token"])[1]["items"]
    (note,) = [n for n in feed if n["title"] == "Аварийное отключение электроэнергии"]
    assert "Повреждение кабеля" in note["body"] and note["link"] == f"#/outages?street_id={street}&house=5"
    assert api.get("/me/sections", token=everything["token"])[1]["sections"]["outages"] == 1

    # The planned-only subscriber changes the choice: the next emergency reaches them too.
    path = f"/outages/subscriptions/{street}/5"
    assert api.patch(path, {"kinds": "all"}, token=planned_only["token"])[0] == 200
    create(api, operator, emergency(street, "5"))
    assert [len(t) for t in texts(everything["phone"], planned_only["phone"], old_style)] == [2, 1, 0]


def test_a_planned_outage_still_reaches_both_choices_only_when_published(api, operator, town):
    street = town["пр-т Революции"]
    everything, planned_only = subscriber(api, street, "3", kinds="all"), subscriber(api, street, "3")
    outage = create(api, operator, planned(street, "3"))
    assert outage["notified"] == 0 and texts(everything["phone"], planned_only["phone"]) == [[], []]
    assert api.post(f"/staff/outages/{outage['id']}/publish", token=operator)[1]["notified"] == 2
    assert [len(t) for t in texts(everything["phone"], planned_only["phone"])] == [1, 1]


def test_an_emergency_reaching_more_houses_tells_only_the_newly_covered(api, operator, town):
    street = town["ул. Плехановская"]
    first, added = all_outages_subscribers(street, ["21", "23"])
    outage = create(api, operator, emergency(street, "21"))
    assert [len(t) for t in texts(first, added)] == [1, 0]

    status, grown = api.patch(
        f"/staff/outages/{outage['id']}",
        {"version": outage["version"], "streets": [{"street_id": street, "houses": "21, 23"}]},
        token=operator,
    )
    assert status == 200 and grown["change_notified"] == 1
    # New estimates of the end tell nobody: the repair goes on, and a message each time would be noise.
    status, later = api.patch(
        f"/staff/outages/{outage['id']}", {"version": grown["version"], "end": local(0.3)}, token=operator
    )
    assert status == 200 and later["change_notified"] == 0
    assert [len(t) for t in texts(first, added)] == [1, 1]
    assert sent_sms(added)[0].startswith(f"{EMERGENCY_SMS}ул. Плехановская, д. 23")


def test_an_imported_emergency_is_texted_once_however_often_the_file_comes(api, operator, town):
    street = town["ул. Кольцовская"]
    (phone,) = all_outages_subscribers(street, ["8"])
    line = f"аварийное;{town['locality']};ул. Кольцовская;8;{day_text(0)} 00:05;;Повреждение кабеля"
    first = import_csv(api, operator, line)
    assert first["created"] == 1
    second = import_csv(api, operator, line)
    assert second["unchanged"] == 1
    assert [len(t) for t in texts(phone)] == [1]
    detail = api.get(f"/staff/outages/{first['ids'][0]}", token=operator)[1]
    assert detail["notified"] == 1


def test_many_emergency_subscribers_are_each_texted_once(api, operator, town, monkeypatch):
    """More subscribers than the entering transaction holds (made small here, as moto copies whole tables
    per transaction): the rest follow in batches, each subscriber once."""
    from chalicelib.outages import notices, service

    monkeypatch.setattr(service, "TRANSACTION_ITEMS", 3 + 3 * 2)  # the outage, its street copy, audit + 2 notes
    monkeypatch.setattr(notices, "NOTES_PER_TRANSACTION", 2)
    street = town["пр-т Революции"]
    phones = all_outages_subscribers(street, [str(n) for n in range(1, 8)])
    outage = create(api, operator, emergency(street, "1–7"))
    assert outage["notified"] == 7 and outage["notice_pending"] is False
    assert [len(t) for t in texts(*phones)] == [1] * 7


def test_an_emergency_already_over_when_entered_tells_nobody(api, operator, town):
    street = town["ул. Плехановская"]
    (phone,) = all_outages_subscribers(street, ["1"])
    outage = create(api, operator, emergency(street, start=local(-1), end=local(-0.5)))
    assert outage["notified"] == 0 and texts(phone) == [[]]


def test_a_subscription_stored_before_the_choice_reads_as_planned_only_and_can_be_changed(api, town):
    from chalicelib.outages.repository import (
        SubscriberItem,
        UserSubscriptionItem,
        subs_pk,
        subscriber_sk,
        user_pk,
        user_sub_sk,
    )

    street = town["ул. Плехановская"]
    user = register_and_confirm(api)
    token = login(api, user["login"])["access_token"]
    # Exactly the items a subscription was before the choice existed: no `emergency` attribute.
    UserSubscriptionItem(
        user_pk(user["user_id"]),
        user_sub_sk(street, "12"),
        street_id=street,
        street_name="ул. Плехановская",
        locality=town["locality"],
        house="12",
        created_at="2024-01-01T00:00:00Z",
    ).save()
    SubscriberItem(subs_pk(street), subscriber_sk(user["user_id"], "12"), user_id=user["user_id"], house="12").save()
    assert [i["kinds"] for i in api.get("/outages/subscriptions", token=token)[1]["items"]] == ["planned"]
    status, changed = api.patch(f"/outages/subscriptions/{street}/12", {"kinds": "all"}, token=token)
    assert status == 200 and changed["kinds"] == "all"
    assert SubscriberItem.get(subs_pk(street), subscriber_sk(user["user_id"], "12")).emergency is True
