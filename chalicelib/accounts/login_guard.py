"""Sign-in attempts: the same answer, the same Retry-After and the same work whether or not an
account exists, and nothing a stranger can use to lock its owner out.

Counters are kept in the throttle table under what the caller sent — the identifier as typed
(normalised) and the client address — never under an account, so an unknown identifier and a
real one count, wait and answer alike. Per `auth_window_seconds`:
- identifier + address: after `login_failures_before_delay` failures each further try waits
  5, 10, 20 … seconds (up to `login_max_delay_seconds`). It slows one guesser; the owner signing in
  from another address is not delayed by it.
- identifier, from anywhere: after `login_failures_before_challenge` failures every try needs a
  solved proof-of-work challenge. A guesser spread over many addresses pays for each try; the
  owner's browser solves it in about a second. There is no hard lock to abuse.
- address: after `login_failures_per_ip` failures the address is refused until the window ends,
  which stops spraying many identifiers from one place.
Reading the three counters is one BatchGetItem; recording a failure is one transaction.
Employees' second-factor codes count here too, under the employee rather than what was typed
(staff_users/second_factor.py), so guessing a code is slowed like guessing a password.
"""

from __future__ import annotations

from dataclasses import dataclass

from pynamodb.expressions.update import Action

from chalicelib.core import clock
from chalicelib.core.config import Settings
from chalicelib.core.dynamo import transaction
from chalicelib.core.errors import ApiError, rate_limited
from chalicelib.core.throttle import ThrottleItem, window_key

from . import pow

# Long enough that a slow answer does not let a rapid guesser past it, short enough for a person.
FIRST_WAIT_SECONDS = 5
CHALLENGE_NEEDED = (
    "Слишком много неудачных попыток входа с этим логином. Подтвердите, что Вы не робот, и повторите вход"
)


def delay_after(failures: int, settings: Settings) -> int:
    """Seconds the next try of one identifier from one address waits after `failures` failures."""
    excess = failures - settings.login_failures_before_delay
    if excess < 0:
        return 0
    return min(FIRST_WAIT_SECONDS << excess, settings.login_max_delay_seconds)  # doubled per failure


@dataclass(frozen=True)
class Attempt:
    """One admitted try: its counters' keys and how many failures the identifier had from this address."""

    pair: str
    identifier: str
    address: str
    window_end: int
    pair_failures: int


class LoginGuard:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def admit(
        self, identifier_key: str, source_ip: str, challenge: tuple[str, str] | None, solvable: bool = True
    ) -> Attempt:
        """Raise unless this try may go on to the password (or code) check. `solvable`: False where the
        client cannot answer a proof of work (a signed-in request): there it waits for the window's end."""
        window = self.settings.auth_window_seconds
        pair_key, window_end = window_key("login-pair", f"{identifier_key}|{source_ip}", window)
        ident_key, _ = window_key("login-id", identifier_key, window)
        address_key, _ = window_key("login-ip", source_ip, window)
        found = {item.pk: item for item in ThrottleItem.batch_get([pair_key, ident_key, address_key])}
        now = clock.epoch(clock.now())
        address = found.get(address_key)
        if address is not None and int(address.hits) >= self.settings.login_failures_per_ip:
            raise rate_limited(window_end - now)
        pair = found.get(pair_key)
        if pair is not None and pair.not_before and int(pair.not_before) > now:
            raise rate_limited(int(pair.not_before) - now)
        ident = found.get(ident_key)
        if ident is not None and int(ident.hits) >= self.settings.login_failures_before_challenge:
            if challenge is None:
                if not solvable:
                    raise rate_limited(window_end - now)
                raise ApiError(CHALLENGE_NEEDED, status=401, code="challenge_required")
            pow.verify(*challenge)
        return Attempt(pair_key, ident_key, address_key, window_end, int(pair.hits) if pair is not None else 0)

    def failed(self, attempt: Attempt) -> None:
        """Count the failure on all three counters in one transaction. Two failures racing may set
        the same wait; neither is lost from the counts."""
        ttl = attempt.window_end + 60
        wait = delay_after(attempt.pair_failures + 1, self.settings)
        pair_actions: list[Action] = [ThrottleItem.hits.add(1), ThrottleItem.ttl.set(ttl)]
        if wait:
            pair_actions.append(ThrottleItem.not_before.set(clock.epoch(clock.now()) + wait))
        with transaction() as tx:
            tx.update(ThrottleItem(attempt.identifier), actions=[ThrottleItem.hits.add(1), ThrottleItem.ttl.set(ttl)])
            tx.update(ThrottleItem(attempt.address), actions=[ThrottleItem.hits.add(1), ThrottleItem.ttl.set(ttl)])
            tx.update(ThrottleItem(attempt.pair), actions=pair_actions)
