"""Post-deploy migration of issue 15: one status-history schema for every kind of case.

Appeals and service requests wrote their history items with `by_company` (a flag); grid-connection
applications with `party` (applicant | company). Both now read and write `chalicelib.cases.items.HistoryItem`,
which has `party`; this rewrites each item still carrying `by_company` to `party` and removes the flag.
Until it has run, such items read as before (`HistoryItem.party_of`).

One-off and idempotent: it finds its work by a Scan for items with `by_company` (a post-deploy step, not a
request path; the Lambda roles are not allowed to Scan, so it runs with the operator's credentials), and
each rewrite is conditional on the flag still being there, so a second run finds nothing to do.

    KABINET_STAGE=prod AWS_REGION=<region> .venv/bin/python -m chalicelib.cases.migrations
"""

from __future__ import annotations

import logging

from pynamodb.exceptions import UpdateError

from chalicelib.core.dynamo import is_conditional_failure

from .items import HistoryItem

logger = logging.getLogger("kabinet.migrations")


def migrate_history() -> int:
    """Returns how many history items were rewritten."""
    rewritten = sum(_rewrite(item) for item in HistoryItem.scan(HistoryItem.by_company.exists(), page_size=200))
    logger.info("history items given the one schema: %d", rewritten)
    return rewritten


def _rewrite(item: HistoryItem) -> bool:
    """False when a parallel run rewrote the item first."""
    try:
        item.update(
            actions=[HistoryItem.party.set(item.party_of()), HistoryItem.by_company.remove()],
            condition=HistoryItem.by_company.exists(),
        )
    except UpdateError as exc:
        if not is_conditional_failure(exc):
            raise
        return False
    return True


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    print(f"history items given the one schema: {migrate_history()}")
