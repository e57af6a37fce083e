"""Street and locality names → search keys (pure).

People type «Плехановская ул.», «ул.Плехановская» or «плехановская»; all must find and name the same
street. The key is the street's own name, normalised (lower case, «ё» → «е», punctuation → spaces),
followed by its canonical type: `плехановская#ул`. Putting the type last is what makes prefix search
on the name work with one `begins_with`; keeping it in the key keeps «ул. Ленина» and «пер. Ленина»
apart.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

# Canonical street type → the spellings accepted for it (abbreviations as in the address register).
STREET_TYPES: dict[str, tuple[str, ...]] = {
    "ул": ("ул", "улица"),
    "пр-кт": ("пр-кт", "пр-т", "просп", "проспект"),
    "пер": ("пер", "переулок"),
    "пл": ("пл", "площадь"),
    "б-р": ("б-р", "бул", "бульвар"),
    "наб": ("наб", "набережная"),
    "ш": ("ш", "шоссе"),
    "проезд": ("пр-д", "проезд"),
    "туп": ("туп", "тупик"),
    "мкр": ("мкр", "микрорайон"),
    "аллея": ("ал", "аллея"),
    "кв-л": ("кв-л", "квартал"),
    "тракт": ("тракт",),
    "спуск": ("спуск",),
}
_ALIASES = {alias: canonical for canonical, aliases in STREET_TYPES.items() for alias in aliases}
# The full words may be a street's whole name («Набережная»); an abbreviation alone cannot.
_ABBREVIATIONS = frozenset(_ALIASES) - {aliases[-1] for aliases in STREET_TYPES.values()}
_DASHES = re.compile(r"[‐‑‒–—―]")
_PUNCTUATION = re.compile(r"[.,;:\"'«»„“”()]")


def normalise(text: str) -> str:
    """Lower case, «ё» → «е», one kind of dash, punctuation → spaces, single spaces."""
    text = _DASHES.sub("-", text.lower().replace("ё", "е"))
    return " ".join(_PUNCTUATION.sub(" ", text).split())


@dataclass(frozen=True)
class StreetName:
    core: str  # normalised name without the type: «плехановская», «20-летия октября»
    kind: str  # canonical type («ул», «пр-кт», …) or "" when none was given

    @property
    def key(self) -> str:
        return f"{self.core}#{self.kind}"


def parse_street(name: str) -> StreetName:
    """Split a street name into its own name and its type (written before or after it)."""
    words = normalise(name).split()
    if len(words) > 1 and words[0] in _ALIASES:
        return StreetName(" ".join(words[1:]), _ALIASES[words[0]])
    if len(words) > 1 and words[-1] in _ALIASES:
        return StreetName(" ".join(words[:-1]), _ALIASES[words[-1]])
    return StreetName(" ".join(words), "")


def is_type_only(name: str) -> bool:
    """«ул.», «пр-т»: a type with no name."""
    words = normalise(name).split()
    return not words or (len(words) == 1 and words[0] in _ABBREVIATIONS)


def search_prefix(query: str) -> str:
    """The key prefix for what someone typed so far. A type word is dropped only when more follows:
    «ул плех» searches «плех», but «ул» alone may be the start of «Ульяновская»."""
    return parse_street(query).core


def locality_key(locality: str) -> str:
    return normalise(locality)


# Fixed namespace: a street's id is derived from its keys, so imports of the same street from
# anywhere converge on one id instead of racing to create two.
_STREET_NAMESPACE = uuid.UUID("8f6b1c52-3d0e-4a57-9b8e-2f4a61c0d7e3")


def street_id(locality: str, name: str) -> str:
    return uuid.uuid5(_STREET_NAMESPACE, f"{locality_key(locality)}/{parse_street(name).key}").hex
