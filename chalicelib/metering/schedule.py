"""The partitions of the metering table's `by_schedule` index, which the reminders read by Query: meter
links that take manual readings (`MANUAL#<shard>`) and meters by verification date (`VERIFY#<shard>`)."""

from __future__ import annotations

import zlib

# Recipients are spread over this many partitions: one partition would take every write of 200,000
# links; sixteen Queries a tick are nothing.
SHARDS = 16


def shard_of(key: str) -> int:
    """Stable across processes (unlike hash()): a recipient stays in its partition."""
    return zlib.crc32(key.encode()) % SHARDS
