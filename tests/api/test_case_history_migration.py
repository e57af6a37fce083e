"""One status-history schema for every kind of case (chalicelib/cases): appeals wrote `by_company`,
applications `party`. Items stored in the old appeal shape still read the same, and the post-deploy
migration (chalicelib/cases/migrations.py) rewrites them to `party`, once."""

from __future__ import annotations

from typing import Any

from connection_helpers import person, staff_move, submitted
from helpers import staff_user


def history_items(pk: str) -> list[dict[str, Any]]:
    from chalicelib.cases.items import partition

    return [i for i in partition(pk) if i["sk"]["S"].startswith(("HIST#", "HISTORY#"))]


def rewrite_in_old_appeal_shape(items: list[dict[str, Any]]) -> None:
    """Put the items back as the appeals wrote them before the one schema: `by_company`, no `party`."""
    import boto3

    from chalicelib.core.config import get_settings

    client = boto3.client("dynamodb")
    for item in items:
        old = {k: v for k, v in item.items() if k != "party"}
        old["by_company"] = {"BOOL": item["party"]["S"] == "company"}
        client.put_item(TableName=get_settings().resource("cases"), Item=old)


def test_old_appeal_history_reads_the_same_and_is_migrated_once(api, user):
    from chalicelib.cases.migrations import migrate_history

    operator = staff_user(api, "operator")
    status, card = api.post(
        "/appeals",
        {
            "type": "complaint",
            "addressee": "Главный инженер",
            "topic": "Перепады напряжения",
            "text": "Вечером напряжение падает до 180 В.",
            "contact_phone": user["phone"],
        },
        token=user["token"],
    )
    assert status == 201, card
    status, staff_card = api.post(
        f"/staff/appeals/{card['id']}/status",
        {"status": "rejected", "comment": "Не наша сеть"},
        token=operator["token"],
    )
    assert status == 200, staff_card
    pk = f"APPEAL#{card['id']}"
    written = history_items(pk)
    # What this release writes: the one schema, with no trace of the old flag.
    assert [(i["party"]["S"], "by_company" in i) for i in written] == [("applicant", False), ("company", False)]

    status, before = api.get(f"/appeals/{card['id']}", token=user["token"])
    status_staff, staff_before = api.get(f"/staff/appeals/{card['id']}", token=operator["token"])
    assert status == status_staff == 200
    rewrite_in_old_appeal_shape(written)
    assert all("party" not in i and "by_company" in i for i in history_items(pk))

    # Read as before the migration: who made each change is still told apart.
    status, old_shape = api.get(f"/appeals/{card['id']}", token=user["token"])
    assert status == 200 and old_shape == before
    assert [(h["status"], h["by_company"], h["comment"]) for h in old_shape["history"]] == [
        ("submitted", False, None),
        ("rejected", True, "Не наша сеть"),
    ]
    assert api.get(f"/staff/appeals/{card['id']}", token=operator["token"])[1]["history"] == staff_before["history"]

    assert migrate_history() == 2
    assert history_items(pk) == written  # as this release writes them, nothing else changed
    assert api.get(f"/appeals/{card['id']}", token=user["token"])[1] == before
    assert migrate_history() == 0  # idempotent: a second run finds nothing


def test_connection_history_is_already_in_the_schema_and_left_alone(api):
    from chalicelib.cases.migrations import migrate_history

    applicant, engineer = person(api), staff_user(api, "engineer")
    card = staff_move(api, engineer["token"], submitted(api, applicant["token"]), "registered")
    pk = f"TP#{card['id']}"
    written = history_items(pk)
    assert [i["party"]["S"] for i in written] == ["applicant", "company"]

    migrate_history()
    assert history_items(pk) == written
    status, seen = api.get(f"/connection-applications/{card['id']}", token=applicant["token"])
    assert status == 200 and [(h["status"], h["by"]) for h in seen["history"]] == [
        ("checking", "applicant"),
        ("registered", "company"),
    ]
