"""Reading-window reminders at scale: 10,000 accounts, each with a meter that takes manual readings.

The tick finds them on the sparse `by_schedule` index and queues them; the consumer writes each
notice with its marker. Reported: wall time of each part under moto (only the call counts carry
over to AWS), DynamoDB calls per reminder (target ≤ 2), and the same run again, which must send
nothing (the markers). A projection to 200,000 accounts uses the calls, not moto's time.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from bench.environment import bench_environment

ACCOUNTS = 10_000
TARGET_CALLS = 2
WINDOW_OPEN = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)  # 10:00 in Moscow


def _accounts(count: int) -> None:
    """Accounts, meters and links as grants and imports write them (keys included), by batch writes:
    the benchmark is about the reminders, not about registering 10,000 people."""
    from chalicelib.accounts.repository import PROFILE, UserItem, user_key
    from chalicelib.metering.access import schedule_keys
    from chalicelib.metering.repository import LinkItem, MeterItem, meter_key, user_key as link_user_key

    now = "2026-11-01T00:00:00Z"
    with UserItem.batch_write() as users, MeterItem.batch_write() as metering:
        for n in range(count):
            user_id, meter_id = f"bench-user-{n:06d}", f"bench-meter-{n:06d}"
            users.save(
                UserItem(
                    user_key(user_id),
                    PROFILE,
                    user_id=user_id,
                    kind="person",
                    status="active",
                    login=f"bench{n}",
                    login_key=f"bench{n}",
                    email=f"bench{n}@example.ru",
                    email_key=f"bench{n}@example.ru",
                    phone=f"+7900{n:07d}",
                    phone_key=f"+7900{n:07d}",
                    password_hash="-",
                    created_at=now,
                    meter_ids={meter_id},
                )
            )
            metering.save(
                MeterItem(
                    meter_key(meter_id),
                    "METER",
                    meter_id=meter_id,
                    contract_pk=f"CONTRACT#B-{n}",
                    meter_sk=f"METER#S{n:06d}",
                    contract=f"B-{n}",
                    account=f"{36_000_000 + n}",
                    serial=f"S{n:06d}",
                    digits=6,
                    zones=["T1"],
                    status="active",
                    category="flat_no_common_meter",
                    updated_at=now,
                )
            )
            metering.save(
                LinkItem(
                    link_user_key(user_id),
                    meter_key(meter_id),
                    link_meter=meter_id,
                    contract=f"B-{n}",
                    summary={"serial": f"S{n:06d}", "status": "active"},
                    right="holder",
                    linked_at=now,
                    **schedule_keys(user_id, meter_id, "active", "holder"),
                )
            )


@contextmanager
def _cheap_transaction_rollback() -> Iterator[None]:
    """moto backs up a table with a deep copy for every item of a TransactWriteItems, to roll back a
    failed one: quadratic in the table's size, an artefact AWS does not have, which would make this
    benchmark measure moto's copying (hours for 10,000 notices). Here each transaction backs up each
    table once, copying only the partitions it writes (the items themselves are shared): enough to
    undo the puts of a transaction its marker refused."""
    import copy
    from types import SimpleNamespace

    import moto.dynamodb.models as moto_models
    from moto.dynamodb.models import table as moto_table
    from moto.dynamodb.models.dynamo_type import DynamoType

    backups: dict[int, Any] = {}
    touched: set[str] = set()

    def backup(value: Any) -> Any:
        if not isinstance(value, moto_table.Table):
            return copy.deepcopy(value)
        if id(value) not in backups:
            clone = copy.copy(value)
            clone.items = copy.copy(value.items)
            for pk in touched:
                key = DynamoType({"S": pk})
                if isinstance(clone.items.get(key), dict):
                    clone.items[key] = dict(clone.items[key])
            backups[id(value)] = clone
        return backups[id(value)]

    original_copy = moto_models.copy
    original_transact = moto_models.DynamoDBBackend.transact_write_items

    def transact(self: Any, transact_items: Any) -> Any:
        backups.clear()
        touched.clear()
        for item in transact_items:
            for op in item.values():
                touched.add(next(iter((op.get("Key") or op.get("Item"))["pk"].values())))
        return original_transact(self, transact_items)

    moto_models.copy = SimpleNamespace(deepcopy=backup, copy=copy.copy)  # type: ignore[assignment]
    moto_models.DynamoDBBackend.transact_write_items = transact  # type: ignore[method-assign]
    try:
        yield
    finally:
        moto_models.copy = original_copy  # type: ignore[assignment]
        moto_models.DynamoDBBackend.transact_write_items = original_transact  # type: ignore[method-assign]


def _drain(handle_batch: Any, limit: int = 0) -> int:
    """Consume the reminders queue as Lambda would (ten messages a batch); `limit` messages at most."""
    import boto3

    from infra.local.run import sqs_event

    sqs = boto3.client("sqs", region_name="eu-central-1")
    url = sqs.get_queue_url(QueueName="kabinet-bench-reminders")["QueueUrl"]
    # Delivery by e-mail is not measured here, and moto's SendMessage scans the whole queue for its
    # attributes: the notices handed to the notifications queue are dropped as they come.
    notifications = sqs.get_queue_url(QueueName="kabinet-bench-notifications")["QueueUrl"]
    messages = 0
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            return messages
        event = sqs_event(got)
        assert handle_batch(event) == {"batchItemFailures": []}
        for m in got:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        while dropped := sqs.receive_message(QueueUrl=notifications, MaxNumberOfMessages=10).get("Messages", []):
            sqs.delete_message_batch(
                QueueUrl=notifications,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(dropped)],
            )
        messages += len(got)
        if limit and messages >= limit:
            return messages


def run() -> list[str]:
    bench_environment()
    from moto import mock_aws

    with mock_aws(), _cheap_transaction_rollback():
        import boto3

        from infra.local.stack import create_local_stack

        create_local_stack(boto3.session.Session(region_name="eu-central-1"), stage="bench")
        from helpers import count_calls

        from chalicelib.core import clock
        from chalicelib.metering.periods import Period
        from chalicelib.reminders.rules import WINDOW_OPEN as OPEN, WindowNotice
        from chalicelib.reminders.service import (
            RUN_PK,
            ReminderRun,
            fan_out_window,
            handle_batch,
            reminders_tick,
            reset_memo,
        )

        _accounts(ACCOUNTS)
        clock.set_clock(lambda: WINDOW_OPEN)
        try:
            with count_calls("dynamodb") as tick_calls:
                started = time.perf_counter()
                reminders_tick()
                tick_seconds = time.perf_counter() - started
            with count_calls("dynamodb") as calls:
                started = time.perf_counter()
                messages = _drain(handle_batch)
                send_seconds = time.perf_counter() - started
            sent = ReminderRun.get(RUN_PK, "window_open#2026-11").recipients
            # The fan-out again (a tick that died and was retried), its first ten messages consumed:
            # every recipient is refused by its marker, nothing is sent twice.
            reset_memo()
            again = fan_out_window(WindowNotice(OPEN, Period(2026, 11)))
            with count_calls("dynamodb") as repeat_calls:
                _drain(handle_batch, limit=10)
            from chalicelib.notifications.repository import OutboxItem

            outbox = sum(1 for _ in OutboxItem.pending.query("PENDING"))
        finally:
            clock.set_clock(None)
        per_reminder = len(calls) / sent
        verdict = "OK" if per_reminder <= TARGET_CALLS else "ВЫШЕ ЦЕЛИ"
        operations = ", ".join(f"{op} {calls.count(op)}" for op in sorted(set(calls)))
        tick_ops = ", ".join(f"{op} {tick_calls.count(op)}" for op in sorted(set(tick_calls)))
        projected_calls = per_reminder * 200_000
        return [
            f"Напоминания о приёме показаний: {ACCOUNTS:_} учётных записей".replace("_", " "),
            f"  рассылка (tick: Query по by_schedule, {messages} сообщений SQS) {tick_seconds:6.2f} с  [{tick_ops}]",
            f"  запись уведомлений (moto) ......... {send_seconds:6.2f} с",
            f"  всего ............................. {tick_seconds + send_seconds:6.2f} с",
            f"  вызовов DynamoDB на напоминание ... {per_reminder:5.2f}  (цель ≤ {TARGET_CALLS}) {verdict}  "
            f"[{operations}]",
            f"  повторная рассылка ({again} адресатов, 10 сообщений обработано): новых уведомлений "
            f"{outbox - sent}, вызовов DynamoDB {len(repeat_calls)}",
            f"  200 000 учётных записей: {projected_calls:,.0f} вызовов DynamoDB, "
            f"{200_000 // 25:,} сообщений SQS — на параллельных экземплярах потребителя".replace(",", " "),
        ]
