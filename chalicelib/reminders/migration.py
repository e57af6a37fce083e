"""Data migration of issue 12: put stored meter links and meters on the `by_schedule` index.

Links and meters written before scheduled notices existed lack the index keys, so the reminder
ticks would not find them. This gives each meter link that takes manual readings its
`MANUAL#<shard>` keys (metering/access.schedule_keys) and each meter with a verification date its
`VERIFY#<shard>` keys (reminders/rules.verification_keys), as the code writes them for new items.

One-off and idempotent, as the link migration (chalicelib/metering/migrations.py): it finds its
work by a Scan (a post-deploy step with the operator's credentials, not a request path) for items
without `sched_pk`, and each update is conditional on that, so it never overwrites keys a grant or
an import wrote meanwhile.

    python -m chalicelib.reminders.migration
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import UpdateError

from chalicelib.core import clock
from chalicelib.core.dynamo import is_conditional_failure
from chalicelib.metering.access import right_of, schedule_keys, user_id_of
from chalicelib.metering.repository import LinkItem, MeterItem

from .rules import verification_keys

logger = logging.getLogger("kabinet.migrations")


@dataclass
class ScheduleReport:
    links: int = 0
    meters: int = 0
    skipped: int = 0

    def __str__(self) -> str:
        return f"meter links indexed: {self.links}, meters indexed: {self.meters}, changed meanwhile: {self.skipped}"


def migrate_schedules() -> ScheduleReport:
    report = ScheduleReport()
    links = LinkItem.scan(
        LinkItem.pk.startswith("USER#") & LinkItem.sk.startswith("METER#") & LinkItem.sched_pk.does_not_exist(),
        page_size=200,
    )
    for link in links:
        keys = schedule_keys(
            user_id_of(link), link.link_meter, str(link.summary.as_dict().get("status", "")), right_of(link)
        )
        pk, sk = keys["sched_pk"], keys["sched_sk"]
        if pk is None or sk is None:  # both or neither
            continue
        if _update(
            link,
            [LinkItem.sched_pk.set(pk), LinkItem.sched_sk.set(sk)],
            LinkItem.sched_pk.does_not_exist(),
        ):
            report.links += 1
        else:
            report.skipped += 1
    meters = MeterItem.scan(
        (MeterItem.sk == "METER")
        & MeterItem.next_verification.exists()
        & MeterItem.sched_pk.does_not_exist()
        & MeterItem.verification_sent.does_not_exist(),
        page_size=200,
    )
    for meter in meters:
        due = verification_keys(meter.meter_id, meter.next_verification, meter.status, None)
        pk, sk = due["sched_pk"], due["sched_sk"]
        if pk is None or sk is None:  # both or neither
            continue
        if _update(
            meter,
            [MeterItem.sched_pk.set(pk), MeterItem.sched_sk.set(sk)],
            MeterItem.sched_pk.does_not_exist(),
        ):
            report.meters += 1
        else:
            report.skipped += 1
    logger.info("schedule migration: %s", report)
    return report


def _update(item: LinkItem | MeterItem, actions: list[Any], condition: Any) -> bool:
    """False if someone else wrote the keys meanwhile: theirs stand."""
    try:
        item.update(actions=actions, condition=condition)
    except UpdateError as exc:
        if not is_conditional_failure(exc):
            raise
        return False
    return True


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    started = clock.now()
    report = migrate_schedules()
    print(f"Schedule migration finished in {(clock.now() - started).total_seconds():.1f} s: {report}")


if __name__ == "__main__":
    main()
