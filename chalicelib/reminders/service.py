"""Scheduled notices: reading-window notices and meter-verification notices (docs/reminders.md).

A tick (app.py, every few minutes) reads the company settings in force and decides what is due
(`rules`). A due run is claimed with a lease (`ReminderRun`, a conditional put), its recipients are
found by Query on the sparse, sharded `by_schedule` index of the metering table — never a Scan — and
sent to the reminders queue in messages of RECIPIENTS_PER_MESSAGE accounts; the run is then marked
done. A tick that dies midway leaves the lease to expire and the next tick fans out again.

The consumer (powertools batch processing, as the notifications consumer) reads a message's accounts
with one BatchGetItem and their meters (and this period's readings) with another, then writes each
account's notice in one transaction with a per-account marker (`ReminderMark`, condition: absent):
a message delivered twice, a retried batch or a second fan-out never sends anyone a notice twice.
The notice itself goes through the transactional outbox: feed always, e-mail and SMS as the account
chose (accounts/models.NotificationChoices).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError, TransactWriteError, UpdateError
from pynamodb.models import Model

from chalicelib.accounts.profile import choices_of
from chalicelib.accounts.repository import PROFILE, UserItem, user_key as identity_key
from chalicelib.core import clock
from chalicelib.core.aws import client
from chalicelib.core.config import get_settings
from chalicelib.core.dynamo import is_conditional_failure, table_meta, transaction
from chalicelib.metering.access import may_submit, right_of, user_id_of
from chalicelib.metering.periods import MONTHS_GENITIVE, Period
from chalicelib.metering.repository import ClosedPeriodItem, MeteringRepository, MeterItem, meter_key, period_key
from chalicelib.metering.schedule import SHARDS
from chalicelib.notifications import outbox
from chalicelib.readings import rules as reading_rules
from chalicelib.settings import company

from . import rules

logger = logging.getLogger("kabinet.reminders")

RECIPIENTS_PER_MESSAGE = 25
# A fan-out of 200,000 accounts takes well under a minute; a lease this long is never cut short.
RUN_LEASE_SECONDS = 15 * 60
MARK_RETENTION = timedelta(days=400)
RUN_PK = "REMIND_RUN"

TEMPLATES = {
    rules.WINDOW_OPEN: "reading_window_open",
    rules.WINDOW_CLOSING: "reading_window_closing",
    rules.VERIFICATION_SOON: "meter_verification_soon",
    rules.VERIFICATION_PASSED: "meter_verification_passed",
}


class ReminderRun(Model):
    """One fan-out: `<kind>#<period>` of a window notice, `verification#<local day>`."""

    Meta = table_meta("notifications")
    pk = UnicodeAttribute(hash_key=True, default=RUN_PK)
    sk = UnicodeAttribute(range_key=True)
    lease_until = NumberAttribute()
    done_at = UnicodeAttribute(null=True)
    recipients = NumberAttribute(default=0)
    ttl = NumberAttribute()


class ReminderMark(Model):
    """A notice sent to an account: `REMIND#<user>` / `<kind>#<period>` or `<kind>#<meter>#<date>`."""

    Meta = table_meta("notifications")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    sent_at = UnicodeAttribute()
    ttl = NumberAttribute()


def mark_key(user_id: str) -> str:
    return f"REMIND#{user_id}"


# --- the tick --------------------------------------------------------------------------------------

_done: set[str] = set()


def reminders_tick() -> list[str]:
    """Fan out whatever is due now and not yet done; returns the runs fanned out by this tick."""
    from chalicelib.readings.window import policy_of

    now = clock.now()
    policy = policy_of(company())
    ran = []
    notice = rules.window_notice_due(policy, now)
    if notice is not None:
        run = f"{notice.kind}#{notice.period.key}"
        if run not in _done and not _period_closed(notice.period) and _claim(run, now):
            _finish(run, fan_out_window(notice))
            ran.append(run)
    local = now.astimezone(policy.timezone)
    if local.replace(tzinfo=None) >= rules.notice_moment(local.date()):
        run = f"verification#{local.date().isoformat()}"
        if run not in _done and _claim(run, now):
            _finish(run, fan_out_verification(local.date()))
            ran.append(run)
    return ran


def reset_memo() -> None:
    """Forget runs seen done (tests switch stacks and clocks)."""
    _done.clear()


def _period_closed(period: Period) -> bool:
    """Staff closed the period early: nothing to remind of."""
    try:
        ClosedPeriodItem.get(period_key(period.key), "CLOSED")
    except ClosedPeriodItem.DoesNotExist:
        return False
    return True


def _claim(run: str, now: datetime) -> bool:
    epoch = clock.epoch(now)
    item = ReminderRun(RUN_PK, run, lease_until=epoch + RUN_LEASE_SECONDS, ttl=clock.epoch(now + MARK_RETENTION))
    try:
        item.save(
            condition=ReminderRun.pk.does_not_exist()
            | (ReminderRun.done_at.does_not_exist() & (ReminderRun.lease_until < epoch))
        )
    except PutError as exc:
        if not is_conditional_failure(exc):
            raise
        if ReminderRun.get(RUN_PK, run, consistent_read=True).done_at:
            _done.add(run)
        return False
    return True


def _finish(run: str, recipients: int) -> None:
    ReminderRun(RUN_PK, run).update(
        actions=[ReminderRun.done_at.set(clock.iso(clock.now())), ReminderRun.recipients.set(recipients)]
    )
    _done.add(run)
    logger.info("reminders %s: %d recipients queued", run, recipients)


def _schedule_keys(partition: str, upper: str | None = None) -> Iterator[tuple[str, str, str]]:
    """(pk, sk, sched_sk) of the `by_schedule` partition, in key order, page by page."""
    connection = MeterItem._get_connection()
    condition = MeterItem.sched_sk <= upper if upper is not None else None
    start_key = None
    while True:
        page = connection.query(
            partition, range_key_condition=condition, index_name="by_schedule", exclusive_start_key=start_key
        )
        for data in page.get("Items", []):
            yield data["pk"]["S"], data["sk"]["S"], data["sched_sk"]["S"]
        start_key = page.get("LastEvaluatedKey")
        if not start_key:
            return


def window_recipients() -> Iterator[dict[str, Any]]:
    """Every account with a meter link that takes manual readings, with those meters: the links of
    one account sort together (`<user>#<meter>`) within its shard."""
    for shard in range(SHARDS):
        current: dict[str, Any] | None = None
        for _pk, _sk, sched_sk in _schedule_keys(f"MANUAL#{shard}"):
            user_id, _, meter_id = sched_sk.partition("#")
            if current is not None and current["user"] != user_id:
                yield current
                current = None
            current = current or {"user": user_id, "meters": []}
            current["meters"].append(meter_id)
        if current is not None:
            yield current


def fan_out_window(notice: rules.WindowNotice) -> int:
    sender = _Sender()
    for recipient in window_recipients():
        sender.add({"kind": notice.kind, "period": notice.period.key}, recipient)
    return sender.close()


def fan_out_verification(today: date) -> int:
    """Meters whose verification notice is due by `today` (the index holds only those with one to
    come): the accounts linked to each are queued, then the meter records the notice and moves on."""
    sender = _Sender()
    repo = MeteringRepository()
    upper = f"{today.isoformat()}#\uffff"
    for shard in range(SHARDS):
        meter_ids = [pk.removeprefix("METER#") for pk, _sk, _ in _schedule_keys(f"VERIFY#{shard}", upper)]
        for start in range(0, len(meter_ids), 100):
            for meter in repo.meters(meter_ids[start : start + 100]):
                stage = (
                    rules.verification_stage(
                        date.fromisoformat(meter.next_verification), today, meter.verification_sent
                    )
                    if meter.next_verification
                    else None
                )
                if stage is not None:
                    users = sorted(
                        {user_id_of(link) for link in repo.links_to_meter(meter.meter_id) if may_submit(right_of(link))}
                    )
                    for user_id in users:
                        sender.add(
                            {"kind": stage, "meter": meter.meter_id, "date": meter.next_verification},
                            {"user": user_id, "meters": [meter.meter_id]},
                        )
                _advance(meter, stage or meter.verification_sent)
    return sender.close()


def _advance(meter: MeterItem, sent: str | None) -> None:
    """The meter's next place on the index (or off it), unless billing changed its date meanwhile."""
    keys = rules.verification_keys(meter.meter_id, meter.next_verification, meter.status, sent)
    actions = [
        getattr(MeterItem, name).set(value) if value is not None else getattr(MeterItem, name).remove()
        for name, value in keys.items()
    ]
    try:
        meter.update(actions=actions, condition=MeterItem.next_verification == meter.next_verification)
    except UpdateError as exc:  # a changed date re-enters the index with the import
        if not is_conditional_failure(exc):
            raise


class _Sender:
    """Groups recipients of one notice into messages and sends them, ten messages per SQS call."""

    def __init__(self) -> None:
        self.url = client("sqs").get_queue_url(QueueName=get_settings().resource("reminders"))["QueueUrl"]
        self.pending: dict[str, dict[str, Any]] = {}
        self.ready: list[str] = []
        self.count = 0

    def add(self, notice: dict[str, Any], recipient: dict[str, Any]) -> None:
        key = json.dumps(notice, sort_keys=True)
        message = self.pending.setdefault(key, {**notice, "recipients": []})
        message["recipients"].append(recipient)
        self.count += 1
        if len(message["recipients"]) >= RECIPIENTS_PER_MESSAGE:
            self.ready.append(json.dumps(self.pending.pop(key)))
            self._flush(10)

    def close(self) -> int:
        self.ready += [json.dumps(m) for m in self.pending.values()]
        self.pending.clear()
        self._flush(1)
        return self.count

    def _flush(self, minimum: int) -> None:
        while len(self.ready) >= minimum and self.ready:
            batch, self.ready = self.ready[:10], self.ready[10:]
            client("sqs").send_message_batch(
                QueueUrl=self.url, Entries=[{"Id": str(i), "MessageBody": body} for i, body in enumerate(batch)]
            )


# --- the consumer ----------------------------------------------------------------------------------


def send(message: dict[str, Any]) -> int:
    """Write the notices of one message; returns how many were sent now (not before)."""
    kind = message["kind"]
    recipients = message["recipients"]
    users = {u.user_id: u for u in UserItem.batch_get([(identity_key(r["user"]), PROFILE) for r in recipients])}
    meter_ids = sorted({m for r in recipients for m in r["meters"]})
    keys = [(meter_key(m), "METER") for m in meter_ids]
    if kind == rules.WINDOW_CLOSING:
        keys += [(meter_key(m), period_key(message["period"])) for m in meter_ids]
    found = MeteringRepository().items(keys)
    meters = {
        m: MeterItem.from_raw_data(found[(meter_key(m), "METER")])
        for m in meter_ids
        if (meter_key(m), "METER") in found
    }
    notes = []
    for recipient in recipients:
        user = users.get(recipient["user"])
        if user is None or user.status != "active":
            continue
        choices = choices_of(user)
        if kind in rules.WINDOW_KINDS and not choices.reading_reminders:
            continue
        concerned = [
            meters[m] for m in recipient["meters"] if m in meters and _concerns(kind, message, meters[m], found)
        ]
        if not concerned:
            continue
        note = outbox.Notification(
            TEMPLATES[kind],
            _params(kind, message, concerned),
            user_id=user.user_id,
            email=user.email if choices.email else None,
            phone=user.phone if choices.sms else None,
        )
        mark = ReminderMark(
            mark_key(user.user_id),
            _mark_sort_key(kind, message),
            sent_at=clock.iso(clock.now()),
            ttl=clock.epoch(clock.now() + MARK_RETENTION),
        )
        try:
            with transaction() as tx:
                tx.save(mark, condition=ReminderMark.pk.does_not_exist())
                outbox.stage(tx, note)
        except TransactWriteError as exc:
            reasons = [getattr(r, "code", None) if r is not None else None for r in (exc.cancellation_reasons or [])]
            if reasons[:1] == ["ConditionalCheckFailed"]:
                continue  # sent already: a repeated message or a second fan-out
            raise
        notes.append(note)
    outbox.dispatch(notes)
    return len(notes)


def _concerns(kind: str, message: dict[str, Any], meter: MeterItem, found: dict[tuple[str, str], Any]) -> bool:
    if kind in rules.VERIFICATION_KINDS:
        return meter.next_verification == message["date"] and meter.status != "decommissioned"
    try:
        reading_rules.assert_submittable(meter.status, meter.category, company().submitter_categories)
    except reading_rules.SubmissionNotAllowed:
        return False
    return kind == rules.WINDOW_OPEN or (meter_key(meter.meter_id), period_key(message["period"])) not in found


def _mark_sort_key(kind: str, message: dict[str, Any]) -> str:
    if kind in rules.WINDOW_KINDS:
        return f"{kind}#{message['period']}"
    return f"{kind}#{message['meter']}#{message['date']}"


def _params(kind: str, message: dict[str, Any], meters: list[MeterItem]) -> dict[str, str]:
    serials = ", ".join(f"№ {m.serial}" for m in sorted(meters, key=lambda m: m.serial))
    if kind in rules.WINDOW_KINDS:
        period = Period.parse(message["period"])
        last = period.last_day
        return {
            "period": period.label_ru[:1].lower() + period.label_ru[1:],
            "serials": serials,
            "until": f"{last.day} {MONTHS_GENITIVE[last.month - 1]}",
        }
    return {"serials": serials, "date": date.fromisoformat(message["date"]).strftime("%d.%m.%Y")}


def handle_record(record: SQSRecord) -> None:
    send(json.loads(record.body))


def handle_batch(event: dict[str, Any], context: Any = None) -> PartialItemFailureResponse:
    # Failures per record: SQS retries exactly those, and the markers make the retry harmless.
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    return process_partial_response(event=event, record_handler=handle_record, processor=processor, context=context)
