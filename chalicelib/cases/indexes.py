"""The indexes of the `cases` table (infra/resources.yaml), shared by every kind of case stored
there (appeals and service requests, grid-connection applications). Each model instantiates them."""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex


class ByOwner(GlobalSecondaryIndex[Any]):
    """A user's cases, newest first."""

    class Meta:
        index_name = "by_owner"
        projection = AllProjection()

    owner_pk = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class ByQueue(GlobalSecondaryIndex[Any]):
    """A staff queue (kind + status), by last change."""

    class Meta:
        index_name = "by_queue"
        projection = AllProjection()

    queue_pk = UnicodeAttribute(hash_key=True)
    updated_at = UnicodeAttribute(range_key=True)


class ByNumber(GlobalSecondaryIndex[Any]):
    """A case by its registration number (search, public status check)."""

    class Meta:
        index_name = "by_number"
        projection = AllProjection()

    number_key = UnicodeAttribute(hash_key=True)
