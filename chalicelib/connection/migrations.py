"""Post-deploy migration of issue 12: applications in work get the deadline watcher's keys.

Applications submitted before the watcher existed carry no `due_pk`/`due_on`, so the watcher's Query
would never find them. This gives every open application (one Query on `by_queue`, TP#OPEN) its
overdue flags and the next day the watcher acts on it, as a status change would have. Idempotent:
an application that already has its keys is left alone, and the write is conditioned on the version
read, so a change made meanwhile (which sets the keys itself) wins.

    KABINET_STAGE=prod AWS_REGION=<region> .venv/bin/python -m chalicelib.connection.migrations
"""

from __future__ import annotations

import logging

from pynamodb.exceptions import UpdateError

from chalicelib.cases.dates import company_today
from chalicelib.core.config import get_settings
from chalicelib.core.dynamo import is_conditional_failure

from . import workflow
from .repository import ApplicationItem, ConnectionRepository

logger = logging.getLogger("kabinet.connection.migrations")


def migrate_watch(repository: ConnectionRepository | None = None) -> int:
    """Returns how many applications got their keys."""
    repo = repository or ConnectionRepository()
    tz, today = get_settings().tz, company_today()
    migrated = 0
    for item in repo.open_applications():
        if item.due_on or item.overdue:  # keys given already (a stored set is never empty)
            continue
        actions = workflow.watch_actions(workflow.watch_of(item, tz, today), today)
        try:
            item.update(actions=actions, condition=ApplicationItem.version == item.version)
        except UpdateError as exc:
            if is_conditional_failure(exc):
                continue
            raise
        migrated += 1
    logger.info("deadline watcher keys given to %d applications", migrated)
    return migrated


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    print(f"applications given deadline watcher keys: {migrate_watch()}")
