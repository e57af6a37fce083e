"""OBIS codes as written in the wild (IEC 62056-61), one parser for the IEC and DLMS drivers.

Accepted forms: `A-B:C.D.E*F` (`1-0:1.8.0*255`), `A.B.C.D.E.F` (`1.0.1.8.0.255`),
`A-B:C.D.E.F`, `A-B:C.D.E`, `C.D.E*F` and `C.D.E` (`1.8.0`, the usual IEC readout form).
The C, D, E groups of an IEC readout may be letters (`C.1.0`, `F.F`), so they stay text here;
`obis_bytes` asks for six numbers and is what DLMS needs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_FORM = re.compile(
    r"^(?:(?P<a>\d{1,3})-(?P<b>\d{1,3}):)?(?P<cde>[0-9A-Za-z]+(?:\.[0-9A-Za-z]+)*)"
    r"(?:[*&](?P<f>\d{1,3}))?$"
)


@dataclass(frozen=True)
class Obis:
    a: int | None
    b: int | None
    cde: str  # "1.8.0" — the value group(s) C.D[.E], as written
    f: int | None  # billing period / historical value; None when not written


def parse_obis(text: str) -> Obis:
    """Splits the medium/channel prefix and the `*F` suffix off; a six-group dotted code is
    read as A.B.C.D.E.F."""
    match = _FORM.match(text.strip())
    if not match:
        raise ValueError(f"не код OBIS: {text!r}")
    a, b, cde, f = match.group("a"), match.group("b"), match.group("cde"), match.group("f")
    groups = cde.split(".")
    if a is None and len(groups) == 6 and all(g.isdigit() for g in groups):
        return Obis(int(groups[0]), int(groups[1]), ".".join(groups[2:5]), int(groups[5]))
    if a is not None and len(groups) == 4 and f is None and groups[3].isdigit():
        return Obis(int(a), int(b), ".".join(groups[:3]), int(groups[3]))
    return Obis(None if a is None else int(a), None if b is None else int(b), cde, None if f is None else int(f))


def obis_bytes(text: str) -> bytes:
    """ "1.0.1.8.0.255", "1-0:1.8.0.255" or "1-0:1.8.0*255" → 6 bytes (DLMS logical name)."""
    code = parse_obis(text)
    groups = code.cde.split(".")
    if code.a is None or code.f is None or len(groups) != 3:
        raise ValueError(f"код OBIS из 6 групп, а не {text!r}")
    try:
        values = [code.a, code.b or 0] + [int(g) for g in groups] + [code.f]
    except ValueError:
        raise ValueError(f"код OBIS из 6 чисел, а не {text!r}") from None
    if any(not 0 <= v <= 255 for v in values):
        raise ValueError(f"группа кода OBIS больше 255: {text!r}")
    return bytes(values)
