"""Bounds on a JSON body, checked before it is parsed.

Python's parser recurses per nesting level: 1,100 levels of `[[[…]]]` (2 KB) end in RecursionError,
so depth is measured on the raw bytes first. Size is bounded so that no body can cost more than the
largest legitimate one.
"""

from __future__ import annotations

import re
from itertools import accumulate

MAX_DEPTH = 32
# Strings (with their escapes) are cut out first: brackets inside them do not nest anything.
_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"')
_BRACKETS = re.compile(rb"[\[\]{}]")
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


class BodyTooDeep(ValueError):
    pass


def nesting_depth(raw: bytes) -> int:
    """The deepest nesting of arrays and objects in `raw` (0 for a scalar); for invalid JSON a bound."""
    brackets = _BRACKETS.findall(_STRINGS.sub(b'""', raw))
    if not brackets:
        return 0
    return max(accumulate(_STEP[b[0]] for b in brackets))


def check_depth(raw: bytes, limit: int = MAX_DEPTH) -> None:
    if nesting_depth(raw) > limit:
        raise BodyTooDeep(f"nesting deeper than {limit}")
