"""The billing exchange: sync lock, export of changed readings, import of drops, run log, period close,
and the staff console around them."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from helpers import (
    billing_meter,
    count_calls,
    load_billing,
    login,
    register_and_confirm,
    staff_login,
    staff_user,
    unique_contract,
    unique_suffix,
)

from chalicelib.core import audit, clock
from chalicelib.exchange import export, lock, runlog
from chalicelib.exchange.billing_format import REQUIRED_CSV_COLUMNS, parse_drop
from chalicelib.exchange.billing_import import apply_rows
from chalicelib.exchange.periods import close_ended_period
from chalicelib.exchange.run import run_exchange
from chalicelib.metering.repository import (
    ClosedPeriodItem,
    ContractItem,
    LockItem,
    MeterItem,
    ReadingItem,
    contract_key,
    meter_key,
    period_key,
)
from chalicelib.metering.service import meter_id_for

# 27 November 2026, 10:00 in Moscow: inside the entry window, outside the lock windows.
IN_WINDOW = datetime(2026, 11, 27, 7, 0, tzinfo=UTC)
# Files of the old format: the columns every billing file has, in the format's own order.
CSV_HEADER = list(REQUIRED_CSV_COLUMNS)


def at(moment: datetime) -> None:
    clock.set_clock(lambda: moment)


@pytest.fixture(autouse=True)
def exchange(aws, settings_override):
    """The bucket the template passes in, versioned as in AWS; an empty inbox; no lock; a frozen clock."""
    settings_override(exchange_bucket=aws["ExchangeBucketName"])
    s3 = boto3.client("s3", region_name="eu-central-1")
    s3.put_bucket_versioning(Bucket=aws["ExchangeBucketName"], VersioningConfiguration={"Status": "Enabled"})
    for obj in s3.list_objects_v2(Bucket=aws["ExchangeBucketName"], Prefix="inbox/").get("Contents", []):
        s3.delete_object(Bucket=aws["ExchangeBucketName"], Key=obj["Key"])
    LockItem(run_id="", acquired_at="", expires_at=0).delete()
    at(IN_WINDOW)
    yield s3
    clock.set_clock(None)
    LockItem(run_id="", acquired_at="", expires_at=0).delete()


def s3_text(s3, aws, key: str, encoding: str = "utf-8") -> str:
    return s3.get_object(Bucket=aws["ExchangeBucketName"], Key=key)["Body"].read().decode(encoding)


@pytest.fixture
def admin(api) -> dict:
    return staff_user(api, "admin")


@pytest.fixture
def owner(api):
    number = unique_contract()
    prefix = f"X{number[-6:].upper()}"
    load_billing(
        billing_meter(number, f"{prefix}1", last_period="2026-10", last_values={"T1": "99958"}),
        billing_meter(
            number,
            f"{prefix}2",
            zones=["T1", "T2"],
            coefficient="40",
            digits=6,
            last_period="2026-10",
            last_values={"T1": "1000", "T2": "500"},
        ),
    )
    user = register_and_confirm(api)
    token = login(api, user["login"])["access_token"]
    tree = api.post("/accounts", {"contract_number": number, "meter_serial": f"{prefix}1"}, token=token)[1]
    meters = {m["serial"][-1]: m["id"] for o in tree["contracts"][0]["objects"] for m in o["meters"]}
    return {"token": token, "meters": meters, "user": user, "contract": number, "prefix": prefix}


def submit(api, owner, meter, values, **extra):
    return api.post(f"/meters/{owner['meters'][meter]}/readings", {"values": values, **extra}, token=owner["token"])


def stored_reading(owner, meter: str, period: str = "2026-11") -> ReadingItem:
    return ReadingItem.get(meter_key(owner["meters"][meter]), period_key(period), consistent_read=True)


# --- export --------------------------------------------------------------------------------------


def test_a_run_exports_changed_readings_to_s3_and_clears_their_markers(api, owner, admin, exchange, aws):
    assert submit(api, owner, "1", {"T1": "00123"}, rollover_confirmed=True)[0] == 201
    assert submit(api, owner, "2", {"T1": "1010", "T2": "505,5"})[0] == 201
    assert stored_reading(owner, "1").export_pk == "PENDING"

    status, run = api.post("/staff/exchange/run", token=admin["token"])
    assert status == 200, run
    assert run["status"] == "ok" and run["trigger"] == "manual" and run["started_by"] == admin["login"]
    assert run["exported"] >= 2
    csv_key, json_key = run["export_keys"]
    assert (csv_key, json_key) == (f"outbox/readings-{run['run_id']}.csv", f"outbox/readings-{run['run_id']}.json")

    text = s3_text(exchange, aws, csv_key, "utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    ours = {(r["serial"], r["zone"]): r for r in rows if r["contract"] == owner["contract"]}
    rollover = ours[(f"{owner['prefix']}1", "T1")]
    assert (
        rollover["period"],
        rollover["value"],
        rollover["previous"],
        rollover["difference"],
        rollover["consumption"],
        rollover["rollover"],
        rollover["source"],
    ) == ("2026-11", "123", "99958", "165", "165", "1", "user")
    assert rollover["point_code"] == f"PT-{owner['prefix']}1" and rollover["submitted_at"] == clock.iso(IN_WINDOW)
    # Who submitted: the portal account and its name as the portal shows it (the last two columns).
    assert (rollover["submitted_by"], rollover["submitted_by_name"]) == (owner["user"]["user_id"], "Иванов И. И.")
    assert ours[(f"{owner['prefix']}2", "T2")]["consumption"] == "220.0"

    document = json.loads(s3_text(exchange, aws, json_key))
    assert document["format"] == "kabinet-readings/1" and document["run_id"] == run["run_id"]
    [reading] = [r for r in document["readings"] if r["meter_id"] == owner["meters"]["2"]]
    assert (reading["source"], reading["submitted_by"], reading["submitted_by_name"]) == (
        "user",
        owner["user"]["user_id"],
        "Иванов И. И.",
    )
    assert reading["zones"] == [
        {
            "zone": "T1",
            "value": "1010",
            "previous": "1000",
            "difference": "10",
            "consumption": "400",
            "rollover": False,
        },
        {
            "zone": "T2",
            "value": "505.5",
            "previous": "500",
            "difference": "5.5",
            "consumption": "220.0",
            "rollover": False,
        },
    ]

    assert stored_reading(owner, "1").export_pk is None and stored_reading(owner, "2").export_pk is None
    status, again = api.post("/staff/exchange/run", token=admin["token"])
    document = json.loads(s3_text(exchange, aws, again["export_keys"][1]))
    assert not [r for r in document["readings"] if r["contract"] == owner["contract"]]


def test_a_reading_edited_during_the_export_stays_pending_for_the_next_run(api, owner, exchange, aws, monkeypatch):
    assert submit(api, owner, "1", {"T1": "99990"})[0] == 201
    listed = export.pending

    def stale_index():
        # The GSI lags: it lists version 1 while the table already holds the user's correction.
        found = listed()
        stored_reading(owner, "1").update(
            actions=[
                ReadingItem.values.set({"T1": "99995"}),
                ReadingItem.version.set(2),
                ReadingItem.changed_at.set(clock.iso(IN_WINDOW + timedelta(seconds=1))),
            ]
        )
        return found

    monkeypatch.setattr(export, "pending", stale_index)
    first = run_exchange("schedule")
    monkeypatch.undo()
    assert first.status == "ok"
    assert stored_reading(owner, "1").export_pk == "PENDING"
    exported = json.loads(s3_text(exchange, aws, first.export_keys[1]))["readings"]
    assert [r["zones"][0]["value"] for r in exported if r["meter_id"] == owner["meters"]["1"]] == ["99990"]

    second = run_exchange("schedule")
    exported = json.loads(s3_text(exchange, aws, second.export_keys[1]))["readings"]
    assert [r["zones"][0]["value"] for r in exported if r["meter_id"] == owner["meters"]["1"]] == ["99995"]
    assert stored_reading(owner, "1").export_pk is None


def test_a_failed_run_is_logged_unlocks_and_leaves_readings_pending(api, owner, monkeypatch):
    from chalicelib.exchange import run as run_module, storage

    assert submit(api, owner, "1", {"T1": "99990"})[0] == 201

    def unavailable(*args, **kwargs):
        raise ConnectionError("S3 недоступен")

    monkeypatch.setattr(storage, "put", unavailable)
    with pytest.raises(run_module.ExchangeFailed):
        run_module.scheduled_run(FakeContext(seconds=60))
    monkeypatch.undo()
    [failed] = [r for r in runlog.latest(100) if r.status == "failed" and "S3 недоступен" in (r.message or "")]
    assert failed.finished_at and failed.exported == 0
    assert lock.state(IN_WINDOW).run_id is None  # released in spite of the failure
    assert stored_reading(owner, "1").export_pk == "PENDING"


class FakeContext:
    """What a Lambda context offers the scheduled run: its remaining time."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def get_remaining_time_in_millis(self) -> int:
        return int(self.seconds * 1000)


def test_a_run_short_of_time_leaves_drops_for_the_next_run(exchange, aws):
    exchange.put_object(
        Bucket=aws["ExchangeBucketName"],
        Key="inbox/late.json",
        Body=json.dumps({"format": "kabinet-billing/1", "meters": []}).encode(),
    )
    run = run_exchange("schedule", seconds_left=lambda: 8.0)
    assert run.status == "ok" and run.drops == []
    assert exchange.list_objects_v2(Bucket=aws["ExchangeBucketName"], Prefix="inbox/")["KeyCount"] == 1
    assert run_exchange("schedule").drops[0]["key"] == "inbox/late.json"


# --- the lock ------------------------------------------------------------------------------------


def test_a_reading_racing_the_lock_gets_423_until_the_lock_is_released(api, owner, admin):
    lease, _ = lock.acquire(runlog.new_run_id(IN_WINDOW), IN_WINDOW)
    status, answer = submit(api, owner, "1", {"T1": "99990"})
    assert status == 423 and answer["error"]["code"] == "sync_locked"
    assert "Введённые значения сохранены" in answer["error"]["message"]
    status, state = api.get("/staff/exchange/lock", token=admin["token"])
    assert status == 200 and state["held"] and state["run_id"] == lease.run_id
    assert state["expires_at"] == clock.iso(IN_WINDOW + timedelta(minutes=40))

    assert lock.release(lease)
    assert submit(api, owner, "1", {"T1": "99990"})[0] == 201
    assert api.get("/staff/exchange/lock", token=admin["token"])[1] == {
        "held": False,
        "run_id": None,
        "acquired_at": None,
        "expires_at": None,
    }


def test_a_run_while_the_lock_is_held_is_skipped_and_logged(api, admin):
    lease, _ = lock.acquire("20261127T065900Z-aaaaaa", IN_WINDOW)
    try:
        skipped = run_exchange("schedule")
        assert skipped.status == "skipped" and lease.run_id in skipped.message
        status, answer = api.post("/staff/exchange/run", token=admin["token"])
        assert status == 409 and answer["error"]["code"] == "exchange_locked"
        assert lease.run_id in answer["error"]["message"]
    finally:
        lock.release(lease)
    status, runs = api.get("/staff/exchange/runs?limit=100", token=admin["token"])
    assert [r["status"] for r in runs["items"] if r["run_id"] == skipped.run_id] == ["skipped"]


def test_an_expired_lock_of_a_crashed_run_is_taken_over(api, admin):
    crashed_id = runlog.new_run_id(IN_WINDOW)
    crashed, _ = lock.acquire(
        crashed_id, IN_WINDOW, also=lambda tx: tx.save(runlog.new_run(crashed_id, "schedule", clock.iso(IN_WINDOW)))
    )
    at(IN_WINDOW + timedelta(minutes=30))
    assert run_exchange("schedule").status == "skipped"  # not expired yet

    at(IN_WINDOW + timedelta(minutes=41))
    run = run_exchange("schedule")
    assert run.status == "ok" and run.taken_over_from == crashed_id
    assert runlog.get(crashed_id).status == "interrupted"
    assert not lock.release(crashed)  # the dead run's late release must not free someone else's lock
    token = staff_login(api, admin["login"], "Staff12345pass")["access_token"]
    status, detail = api.get(f"/staff/exchange/runs/{run.run_id}", token=token)
    assert status == 200 and detail["taken_over_from"] == crashed_id


def test_a_lease_never_outlives_the_invocation_holding_it():
    lease, _ = lock.acquire(runlog.new_run_id(IN_WINDOW), IN_WINDOW, seconds_left=12.7)
    try:
        assert lease.expires_at == clock.epoch(IN_WINDOW) + 12 + lock.LEASE_MARGIN_SECONDS
    finally:
        lock.release(lease)


# --- import --------------------------------------------------------------------------------------


def drop_csv(rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_HEADER, delimiter=";", restval="")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def csv_row(contract: str, serial: str, **extra) -> dict:
    return {
        "contract": contract,
        "holder_name": "Петров Пётр Петрович",
        "holder_kind": "person",
        "account": "4400100101",
        "object_id": "1",
        "object_name": "Дом",
        "object_address": "г. Воронеж, ул. Кирова, д. 5",
        "serial": serial,
        "model": "Меркурий 201",
        "digits": "5",
        "zones": "T1",
        "coefficient": "1",
        "status": "active",
        "last_period": "2026-10",
        "last_T1": "1234,5",
        **extra,
    }


def test_a_malformed_drop_applies_the_good_rows_and_reports_the_bad_ones_by_number(api, admin, exchange, aws):
    good, bad, other = unique_contract(), unique_contract(), unique_contract()
    serial = f"G{unique_suffix()}".upper()
    content = drop_csv([csv_row(good, serial), csv_row(bad, "B1", digits="пять"), csv_row(other, "O1", zones="T2,T1")])
    status, uploaded = api.post(
        "/staff/exchange/drops", {"name": "billing.csv", "content": content}, token=admin["token"]
    )
    assert status == 201, uploaded
    assert (uploaded["rows"], uploaded["valid"]) == (3, 1) and [e["row"] for e in uploaded["errors"]] == [3, 4]
    assert uploaded["key"].startswith("inbox/") and uploaded["key"].endswith("-billing.csv")
    # A drop written straight into the inbox by billing's SFTP bridge, as Excel saves it: Windows-1251.
    bridged = drop_csv([csv_row(good, f"{serial}9", holder_name="Петров П. П.")]).encode("cp1251")
    exchange.put_object(Bucket=aws["ExchangeBucketName"], Key="inbox/zz-bridge.csv", Body=bridged)

    status, run = api.post("/staff/exchange/run", token=admin["token"])
    assert status == 200 and run["status"] == "ok"
    assert (run["imported"], run["skipped"], run["error_count"]) == (2, 2, 2)
    assert [(d["key"], d["applied"], d["skipped"]) for d in run["drops"]] == [
        (uploaded["key"], 1, 2),
        ("inbox/zz-bridge.csv", 1, 0),
    ]  # oldest first
    assert [(e["drop"], e["row"]) for e in run["errors"]] == [(uploaded["key"], 3), (uploaded["key"], 4)]
    assert "digits" in run["errors"][0]["message"] and "T1,T2,T3" in run["errors"][1]["message"]

    # Good rows are applied in full; a bad row writes nothing at all, not even its contract.
    meter = MeterItem.get(meter_key(meter_id_for("4400100101", serial)), "METER")
    assert meter.contract == good and meter.last_billing_values.as_dict() == {"T1": "1234.5"}
    assert ContractItem.get(contract_key(good), "CONTRACT").holder_name == "Петров П. П."
    for refused in (bad, other):
        with pytest.raises(ContractItem.DoesNotExist):
            ContractItem.get(contract_key(refused), "CONTRACT")
    # Imported drops leave the inbox for processed/<run_id>/; the next run does not see them again.
    listing = exchange.list_objects_v2(Bucket=aws["ExchangeBucketName"], Prefix="inbox/")
    assert listing.get("KeyCount", 0) == 0
    assert all(d["processed_key"].startswith(f"processed/{run['run_id']}/") for d in run["drops"])
    status, detail = api.get(f"/staff/exchange/runs/{run['run_id']}", token=admin["token"])
    assert detail == run
    assert api.post("/staff/exchange/run", token=admin["token"])[1]["drops"] == []


def test_an_unreadable_drop_is_refused_at_upload(api, admin):
    for body, path in (
        ({"name": "billing.csv", "content": "a;b\n1;2\n"}, "content"),
        ({"name": "billing.json", "content": '{"meters": 1}'}, "content"),
        ({"name": "billing.xlsx", "content": "x"}, "name"),
        # Fewer than 5 M characters, but more than 5 MB in UTF-8.
        ({"name": "billing.csv", "content": "я" * (2700 * 1024)}, "content"),
    ):
        # Sent as a browser sends JSON (UTF-8, not \u-escaped), which the 6 MB body limit allows for.
        raw = json.dumps(body, ensure_ascii=False).encode()
        status, answer = api.post("/staff/exchange/drops", raw=raw, token=admin["token"])
        assert status == 422 and answer["error"]["fields"][0]["path"] == path, body


def test_a_json_drop_reports_bad_elements_by_their_number(api, admin):
    meters = [billing_meter(unique_contract(), "J1"), billing_meter(unique_contract(), "J2", digits=12)]
    content = json.dumps({"format": "kabinet-billing/1", "meters": meters}, ensure_ascii=False)
    status, uploaded = api.post(
        "/staff/exchange/drops", {"name": "drop.json", "content": content}, token=admin["token"]
    )
    assert status == 201 and uploaded["valid"] == 1 and [e["row"] for e in uploaded["errors"]] == [2]


def stored_contract(number: str) -> ContractItem:
    return ContractItem.get(contract_key(number), "CONTRACT", consistent_read=True)


def stored_meter(row: dict) -> MeterItem:
    return MeterItem.get(meter_key(meter_id_for(row["account"], row["serial"])), "METER", consistent_read=True)


def identity(number: str) -> tuple:
    contract = stored_contract(number)
    return contract.holder_kind, contract.category, contract.holder_snils, contract.holder_inn, contract.holder_kpp


def test_an_old_format_redrop_keeps_the_holder_identity_and_a_new_format_drop_replaces_it(api, admin):
    number = unique_contract()
    first, second = billing_meter(number, "K1"), billing_meter(number, "K2")
    load_billing(first, second)
    assert identity(number) == ("person", "flat_no_common_meter", "112-233-445 95", None, None)

    # Billing's old system sends the same contract again: an old CSV layout, no identity columns at all.
    old = csv_row(number, "K1", holder_name="ИВАНОВ  Иван Иванович", account=first["account"], last_T1="4321")
    uploaded = api.post("/staff/exchange/drops", {"name": "old.csv", "content": drop_csv([old])}, token=admin["token"])[
        1
    ]
    assert (uploaded["valid"], uploaded["errors"]) == (1, [])
    run = api.post("/staff/exchange/run", token=admin["token"])[1]
    assert run["status"] == "ok" and run["errors"] == []
    assert identity(number) == ("person", "flat_no_common_meter", "112-233-445 95", None, None)
    meter = stored_meter(first)
    assert meter.category == "flat_no_common_meter" and meter.last_billing_values.as_dict() == {"T1": "4321"}
    assert stored_meter(second).category == "flat_no_common_meter"
    # Keeping the identity costs nothing: the contract is read in the batch the import always made.
    parsed = parse_drop("old.csv", drop_csv([old]).encode())
    with count_calls("dynamodb") as calls:
        apply_rows(parsed.rows, parsed.errors)
    assert calls == ["BatchGetItem", "BatchGetItem", "BatchGetItem", "BatchWriteItem"]

    # A new-format row replaces the identity, and the meter the drop does not carry follows the category.
    with count_calls("dynamodb") as calls:
        load_billing(billing_meter(number, "K1", holder_snils=None, category="flat_common_meter"))
    assert identity(number) == ("person", "flat_common_meter", None, None, None)
    assert stored_meter(first).category == stored_meter(second).category == "flat_common_meter"
    assert calls.count("UpdateItem") == 1

    # An old-format row naming another holder: the known identity is someone else's now.
    load_billing(billing_meter(number, "K1", holder_name="Петрова Анна Ивановна", holder_snils=None, category=None))
    assert identity(number) == ("person", None, None, None, None)
    assert stored_meter(first).category is None and stored_meter(second).category is None
    load_billing(billing_meter(number, "K1", holder_name="Петрова Анна Ивановна"))
    load_billing(
        billing_meter(
            number,
            "K1",
            holder_name="Петрова Анна Ивановна",
            holder_kind="entrepreneur",
            holder_snils=None,
            category=None,
        )
    )
    assert identity(number) == ("entrepreneur", None, None, None, None)


def test_a_company_drop_with_identity_columns_is_stored_as_registration_stores_it(api, admin):
    number = unique_contract()
    columns = [*CSV_HEADER, "category", "holder_inn", "holder_kpp", "holder_snils"]
    rows = [
        csv_row(
            number,
            "R1",
            holder_name="ООО «Ромашка»",
            holder_kind="company",
            category="company",
            holder_inn="7707 083 893",
            holder_kpp="7707ab001",
        ),
        csv_row(
            number,
            "R2",
            holder_name="ООО «Ромашка»",
            holder_kind="company",
            category="company",
            holder_inn="7707083893",
            holder_kpp="7707AB001",
        ),
        csv_row(
            number,
            "R3",
            holder_name="ООО «Ромашка»",
            holder_kind="company",
            category="company",
            holder_inn="7707083893",
            holder_kpp="770701001",
        ),
    ]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, delimiter=";", restval="")
    writer.writeheader()
    writer.writerows(rows)
    status, uploaded = api.post(
        "/staff/exchange/drops", {"name": "ul.csv", "content": buffer.getvalue()}, token=admin["token"]
    )
    assert status == 201 and uploaded["valid"] == 2
    assert uploaded["errors"] == [
        {
            "drop": uploaded["key"],
            "row": 4,
            "message": f"Договор {number}: владелец или категория потребителя расходятся со строкой 2",
        }
    ]
    run = api.post("/staff/exchange/run", token=admin["token"])[1]
    assert [(e["row"], e["message"]) for e in run["errors"]] == [(4, uploaded["errors"][0]["message"])]
    assert identity(number) == ("company", "company", None, "7707083893", "7707AB001")
    assert stored_meter(rows[0]).category == stored_meter(rows[1]).category == "company"
    with pytest.raises(MeterItem.DoesNotExist):
        stored_meter(rows[2])


def test_contracts_stored_before_holder_identity_existed_still_load_and_import(api):
    """Items written by the previous version have no identity attributes at all."""
    number = unique_contract()
    row = billing_meter(number, "P1", holder_snils=None, category=None)
    meter_id = meter_id_for(row["account"], "P1")
    client = boto3.client("dynamodb", region_name="eu-central-1")
    table = ContractItem.Meta.table_name
    client.put_item(
        TableName=table,
        Item={
            "pk": {"S": contract_key(number)},
            "sk": {"S": "CONTRACT"},
            "number": {"S": number},
            "holder_name": {"S": "Иванов Иван Иванович"},
            "holder_kind": {"S": "person"},
            "accounts": {"L": [{"S": row["account"]}]},
            "aiis_enabled": {"BOOL": False},
            "updated_at": {"S": "2026-01-01"},
        },
    )
    client.put_item(
        TableName=table,
        Item={
            "pk": {"S": meter_key(meter_id)},
            "sk": {"S": "METER"},
            "meter_id": {"S": meter_id},
            "contract_pk": {"S": contract_key(number)},
            "meter_sk": {"S": "SERIAL#P1"},
            "contract": {"S": number},
            "account": {"S": row["account"]},
            "serial": {"S": "P1"},
            "digits": {"N": "5"},
            "zones": {"L": [{"S": "T1"}]},
            "updated_at": {"S": "2026-01-01"},
        },
    )
    assert identity(number) == ("person", None, None, None, None)
    assert stored_meter(row).category is None

    load_billing(row)  # the old format over old data: nothing to keep, nothing invented
    assert identity(number) == ("person", None, None, None, None)
    load_billing(billing_meter(number, "P1"))
    assert identity(number) == ("person", "flat_no_common_meter", "112-233-445 95", None, None)
    assert stored_meter(row).category == "flat_no_common_meter"


def test_the_demo_drop_names_a_holder_for_each_way_of_proving_ownership():
    from chalicelib.exchange import demo

    report = demo.seed_demo_billing()
    assert report.errors == [] and report.applied == len(demo.demo_rows(""))
    assert identity(demo.DEMO_CONTRACT) == ("person", "flat_no_common_meter", "112-233-445 95", None, None)
    assert identity(demo.COMPANY_CONTRACT) == ("company", "company", None, "7707083893", "770701001")
    assert identity(demo.HOUSE_CONTRACT) == ("person", "private_house", None, None, None)
    house = stored_contract(demo.HOUSE_CONTRACT)
    assert house.holder_name == demo.HOUSE_HOLDER
    [house_row] = [r for r in demo.demo_rows("") if r["contract"] == demo.HOUSE_CONTRACT]
    assert stored_meter(house_row).last_billing_values.as_dict() == {"T1": demo.HOUSE_LAST_READING}
    assert identity(demo.OLD_FORMAT_CONTRACT) == ("person", None, None, None, None)


# --- period close ----------------------------------------------------------------------------------


def test_a_closed_period_refuses_further_submissions_with_period_closed(api, owner, admin):
    # A month of its own: the suite shares one backend, and other tests submit in November 2026.
    moment = datetime(2031, 3, 27, 7, 0, tzinfo=UTC)
    at(moment)
    owner["token"] = login(api, owner["user"]["login"])["access_token"]
    admin["token"] = staff_login(api, admin["login"], "Staff12345pass")["access_token"]
    try:
        assert submit(api, owner, "1", {"T1": "99990"})[0] == 201
        status, closed = api.post("/staff/periods/2031-03/close", token=admin["token"])
        assert status == 200 and closed == {
            "period": "2031-03",
            "closed_at": clock.iso(moment),
            "already_closed": False,
        }
        form = api.get(f"/meters/{owner['meters']['1']}/readings/current", token=owner["token"])[1]
        status, answer = submit(api, owner, "1", {"T1": "99995"}, version=form["current"]["version"])
        assert status == 409 and answer["error"]["code"] == "period_closed"
        assert submit(api, owner, "2", {"T1": "1010", "T2": "505"})[1]["error"]["code"] == "period_closed"

        at(moment + timedelta(minutes=10))
        again = api.post("/staff/periods/2031-03/close", token=admin["token"])[1]
        assert again == {**closed, "already_closed": True}
        assert [e.action for e in audit.for_target("period", "2031-03")] == ["period.close"]
        for period in ("2031-04", "2031-13", "2031-3"):
            status, answer = api.post(f"/staff/periods/{period}/close", token=admin["token"])
            assert status == 422 and answer["error"]["fields"][0]["path"] == "period", period
    finally:
        ClosedPeriodItem(period_key("2031-03"), "CLOSED", closed_at="").delete()


def test_the_scheduled_close_at_the_local_first_closes_the_month_that_ended():
    at(datetime(2031, 5, 31, 21, 0, 5, tzinfo=UTC))  # 1 June 2031, 00:00:05 in Moscow
    try:
        closed = close_ended_period()
        assert (closed.period, closed.already_closed) == ("2031-05", False)
        assert close_ended_period().already_closed
    finally:
        ClosedPeriodItem(period_key("2031-05"), "CLOSED", closed_at="").delete()


# --- staff console -------------------------------------------------------------------------------


def test_consumers_are_refused_operators_read_and_only_admins_act(api, owner, admin):
    operator = staff_user(api, "billing")
    for method, path in (
        ("GET", "/staff/exchange/runs"),
        ("GET", "/staff/exchange/lock"),
        ("POST", "/staff/exchange/run"),
        ("POST", "/staff/periods/2026-10/close"),
    ):
        assert api.call(method, path, token=owner["token"])[0] == 403, path
    assert api.post("/staff/exchange/drops", {"name": "a.csv", "content": "x"}, token=owner["token"])[0] == 403
    assert api.get("/staff/exchange/runs", token=operator["token"])[0] == 200
    assert api.get("/staff/exchange/lock", token=operator["token"])[0] == 200
    for method, path in (("POST", "/staff/exchange/run"), ("POST", "/staff/periods/2026-10/close")):
        assert api.call(method, path, token=operator["token"])[0] == 403, path
    assert api.post("/staff/exchange/drops", {"name": "a.csv", "content": "x"}, token=operator["token"])[0] == 403
    assert api.get("/staff/exchange/runs", token=None)[0] == 401


def test_runs_are_listed_newest_first_in_one_query_and_every_staff_action_is_audited(api, admin):
    # The next day: later than every other test's runs, which share the log.
    at(IN_WINDOW + timedelta(days=1))
    admin["token"] = staff_login(api, admin["login"], "Staff12345pass")["access_token"]
    status, first = api.post("/staff/exchange/run", token=admin["token"])
    at(IN_WINDOW + timedelta(days=1, minutes=1))
    status, second = api.post("/staff/exchange/run", token=admin["token"])
    with count_calls("dynamodb") as calls:
        status, runs = api.get("/staff/exchange/runs?limit=2", token=admin["token"])
    assert status == 200 and [r["run_id"] for r in runs["items"]] == [second["run_id"], first["run_id"]]
    assert calls == ["GetItem", "Query"]  # the auth guard, then the run log
    assert api.get("/staff/exchange/runs?limit=0", token=admin["token"])[0] == 422
    assert api.get("/staff/exchange/runs/20261127T070000Z-000000", token=admin["token"])[0] == 404
    assert api.get("/staff/exchange/runs/nonsense", token=admin["token"])[0] == 404

    [entry] = audit.for_target("exchange", first["run_id"])
    assert (entry.action, entry.actor_login, entry.role) == ("exchange.run", admin["login"], "admin")
    content = drop_csv([csv_row(unique_contract(), "A1")])
    uploaded = api.post("/staff/exchange/drops", {"name": "a.csv", "content": content}, token=admin["token"])[1]
    [entry] = audit.for_target("exchange_drop", uploaded["key"])
    assert entry.action == "exchange.drop_upload" and entry.details == {"rows": 1, "errors": 0}
