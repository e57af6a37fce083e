"""The migration of links made before ownership was checked (chalicelib/metering/migrations.py): the
holder's links are kept as `holder`, every other one becomes a pending access request; twice is once."""

from __future__ import annotations

import pytest
from helpers import (
    billing_meter,
    deliver_notifications,
    load_billing,
    login,
    register_and_confirm,
    sent_emails,
    staff_user,
    unique_contract,
)

STRANGER_SNILS = "123-456-789 64"


def signed_in(api, **overrides):
    person = register_and_confirm(api, **overrides)
    person["token"] = login(api, person["login"])["access_token"]
    return person


def _client_and_table():
    import boto3

    from chalicelib.core.config import get_settings

    return boto3.client("dynamodb", region_name="eu-central-1"), get_settings().resource("metering")


def old_link(user_id: str, number: str) -> list[str]:
    """Link as the code before issue 9 wrote it: no right, no link_meter, no АИИС flag; returns meter ids."""
    from chalicelib.accounts.repository import UserItem, user_key
    from chalicelib.metering.access import meter_summary
    from chalicelib.metering.repository import MeteringRepository, contract_key

    repo = MeteringRepository()
    contract, objects = repo.contract_with_objects(number)
    meters = repo.meters_of(contract_key(number))
    client, table = _client_and_table()
    objects_map = {
        o.object_id: {"M": {"name": {"S": o.name}, "address": {"S": o.address}, "account": {"S": o.account}}}
        for o in objects
    }
    client.put_item(
        TableName=table,
        Item={
            "pk": {"S": f"USER#{user_id}"},
            "sk": {"S": f"CONTRACT#{number}"},
            "contract": {"S": number},
            "holder_name": {"S": contract.holder_name},
            "linked_at": {"S": "2025-05-01T10:00:00Z"},
            "objects": {"M": objects_map},
        },
    )
    for meter in meters:
        summary = meter_summary(meter)
        client.put_item(
            TableName=table,
            Item={
                "pk": {"S": f"USER#{user_id}"},
                "sk": {"S": f"METER#{meter.meter_id}"},
                "link_meter": {"S": meter.meter_id},
                "contract": {"S": number},
                "linked_at": {"S": "2025-05-01T10:00:00Z"},
                "summary": {
                    "M": {
                        "serial": {"S": summary["serial"]},
                        "status": {"S": summary["status"]},
                        "zones": {"L": [{"S": z} for z in summary["zones"]]},
                        "digits": {"N": str(summary["digits"])},
                        "virtual": {"BOOL": False},
                        "verified": {"BOOL": True},
                        "object_id": {"S": "1"},
                        "object_name": {"S": "Квартира"},
                        "account": {"S": meter.account},
                    }
                },
            },
        )
    UserItem(user_key(user_id), "PROFILE").update(actions=[UserItem.meter_ids.add({m.meter_id for m in meters})])
    return [m.meter_id for m in meters]


def old_declared_link(user_id: str, meter_id: str) -> None:
    client, table = _client_and_table()
    client.put_item(
        TableName=table,
        Item={
            "pk": {"S": f"USER#{user_id}"},
            "sk": {"S": f"METER#{meter_id}"},
            "link_meter": {"S": meter_id},
            "linked_at": {"S": "2025-05-01T10:00:00Z"},
            "summary": {
                "M": {
                    "serial": {"S": "DECL1"},
                    "status": {"S": "active"},
                    "zones": {"L": [{"S": "T1"}]},
                    "digits": {"N": "6"},
                    "virtual": {"BOOL": True},
                    "verified": {"BOOL": False},
                    "account": {"S": "1234"},
                    "location": {"S": "Гараж"},
                }
            },
        },
    )


def migrate():
    from chalicelib.metering.migrations import migrate_links

    return migrate_links()


def user_item(user_id):
    from chalicelib.accounts.repository import UserRepository

    return UserRepository().get(user_id)


@pytest.fixture(scope="module")
def world(aws, client):
    """Old links of every kind, then one migration run (its report is kept for the tests)."""
    from helpers import Api

    api = Api(client)
    holder, stranger, careful = signed_in(api), signed_in(api, snils=STRANGER_SNILS), signed_in(api)
    own, aiis_contract, someone_elses, old_format = (unique_contract() for _ in range(4))
    load_billing(
        billing_meter(own, f"S{own[-6:]}"),
        billing_meter(aiis_contract, f"A{aiis_contract[-6:]}", aiis_enabled=True),
        billing_meter(aiis_contract, f"B{aiis_contract[-6:]}", aiis_enabled=True),
        billing_meter(someone_elses, f"E{someone_elses[-6:]}"),
        billing_meter(old_format, f"O{old_format[-6:]}", category=None, holder_snils=None),
    )
    meters = {
        "own": old_link(holder["user_id"], own),
        "aiis": old_link(holder["user_id"], aiis_contract),
        "someone_elses": old_link(stranger["user_id"], someone_elses),
        "old_format": old_link(careful["user_id"], old_format),
    }
    old_declared_link(holder["user_id"], "declared-meter-1")
    report = migrate()
    return {
        "api": api,
        "holder": holder,
        "stranger": stranger,
        "careful": careful,
        "own": own,
        "aiis": aiis_contract,
        "someone_elses": someone_elses,
        "old_format": old_format,
        "meters": meters,
        "report": report,
    }


def test_the_holders_links_are_kept_as_holder(world):
    api, holder = world["api"], world["holder"]
    status, accounts = api.get("/accounts", token=holder["token"])
    assert status == 200
    assert sorted((c["number"], c["right"]) for c in accounts["contracts"]) == sorted(
        [(world["own"], "holder"), (world["aiis"], "holder")]
    )
    # Now listed among the contract's users and able to invite: a holder in full.
    from chalicelib.metering.repository import MeteringRepository

    users = MeteringRepository().users_of_contract(world["own"])
    assert [(u.pk, u.right, u.granted_by) for u in users] == [(f"USER#{holder['user_id']}", "holder", "migration")]
    assert api.get(f"/accounts/{world['own']}/co-users", token=holder["token"])[0] == 200
    meter_id = world["meters"]["own"][0]
    assert api.get(f"/meters/{meter_id}", token=holder["token"])[0] == 200


def test_aiis_from_billing_is_connected_for_the_holder(world):
    from chalicelib.metering.repository import MeteringRepository

    user = user_item(world["holder"]["user_id"])
    assert user.aiis_meter_ids == set(world["meters"]["aiis"])
    link = MeteringRepository().contract_link(world["holder"]["user_id"], world["aiis"])
    assert link.aiis_connected
    assert not MeteringRepository().contract_link(world["holder"]["user_id"], world["own"]).aiis_connected


def test_a_declared_meter_stays_its_declarers(world):
    from chalicelib.metering.repository import LinkItem

    assert LinkItem.get(f"USER#{world['holder']['user_id']}", "METER#declared-meter-1").right == "holder"


@pytest.mark.parametrize("who, contract", [("stranger", "someone_elses"), ("careful", "old_format")])
def test_other_links_become_pending_requests(world, who, contract):
    api, person, number = world["api"], world[who], world[contract]
    assert api.get("/accounts", token=person["token"])[1]["contracts"] == []
    assert not (user_item(person["user_id"]).meter_ids or set()) & set(world["meters"][contract])
    assert api.get(f"/meters/{world['meters'][contract][0]}", token=person["token"])[0] == 404
    mine = api.get("/accounts/access-requests", token=person["token"])[1]["items"]
    assert [(r["contract_number"], r["status"], r["relation"], r["right"]) for r in mine] == [
        (number, "pending", "holder", "holder")
    ]
    assert "до того, как стали проверять владельца" in mine[0]["comment"]
    deliver_notifications()
    assert [m.subject for m in sent_emails(person["email"])].count(f"Договор № {number} отключён до проверки") == 1
    feed = api.get("/me/notifications", token=person["token"])[1]["items"]
    assert any(n["title"] == f"Договор № {number} отключён до проверки" for n in feed)


def test_staff_see_a_migrated_request_and_may_approve_it(world):
    api, stranger = world["api"], world["stranger"]
    operator = staff_user(api, "operator")
    queue = api.get("/staff/access-requests?limit=100", token=operator["token"])[1]["items"]
    row = next(r for r in queue if r["contract_number"] == world["someone_elses"])
    assert row["from_migration"] and row["applicant_login"] == stranger["login"]
    status, card = api.post(
        f"/staff/access-requests/{row['id']}/decision",
        {"decision": "approve", "right": "view"},
        token=operator["token"],
    )
    assert status == 200, card
    contracts = api.get("/accounts", token=stranger["token"])[1]["contracts"]
    assert [(c["number"], c["right"]) for c in contracts] == [(world["someone_elses"], "view")]


def test_the_report_and_a_second_run_that_changes_nothing(world):
    from chalicelib.metering.access_requests import AccessRequestItem

    report = world["report"]
    assert (report.kept, report.revoked, report.orphaned, report.declared, report.skipped) == (2, 2, 0, 1, 0)
    before = {i.request_id for i in AccessRequestItem.scan(AccessRequestItem.sk == "REQUEST")}
    again = migrate()
    assert (again.kept, again.revoked, again.orphaned, again.declared, again.skipped) == (0, 0, 0, 0, 0)
    assert {i.request_id for i in AccessRequestItem.scan(AccessRequestItem.sk == "REQUEST")} == before
    deliver_notifications()
    assert len([m for m in sent_emails(world["stranger"]["email"]) if "отключён до проверки" in m.subject]) == 1


def test_links_of_a_closed_account_are_removed(api):
    from chalicelib.accounts.repository import UserItem, user_key
    from chalicelib.metering.repository import MeteringRepository

    gone = signed_in(api)
    number = unique_contract()
    load_billing(billing_meter(number, f"G{number[-6:]}"))
    old_link(gone["user_id"], number)
    UserItem(user_key(gone["user_id"]), "PROFILE").delete()
    report = migrate()
    assert (report.orphaned, report.revoked) == (1, 0)
    assert MeteringRepository().user_items(gone["user_id"]) == []
    assert user_item(gone["user_id"]) is None
