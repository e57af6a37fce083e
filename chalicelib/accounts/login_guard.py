"""Sign-in attempts: the same answer, the same Retry-After and the same work whether or not an
account exists, and nothing a stranger can use to lock its owner out.

Counters are kept in the throttle table under what the caller sent — the identifier as typed
(normalised) and the client address — never under an account, so an unknown identifier and a
real one count, wait and answer alike. Each counts failures over a sliding `auth_window_seconds`
(core/throttle.py `Sliding`), so there is no burst of twice the budget across a window boundary:
- identifier + address: after `login_failures_before_delay` failures each further try waits
  5, 10, 20 … seconds (up to `login_max_delay_seconds`). It slows one guesser; the owner signing in
  from another address is not delayed by it.
- identifier, from anywhere: after `login_failures_before_challenge` failures every try needs a
  solved proof-of-work challenge. A guesser spread over many addresses pays for each try; the
  owner's browser solves it in about a second. There is no hard lock to abuse.
- address: after `login_failures_per_ip` failures every try from it needs the proof of work too,
  which makes spraying many identifiers from one place costly while a person behind the same shared
  address (mobile CGNAT, an office proxy) still signs in. Past `login_failures_per_ip_ceiling` the
  address is refused (429) until its count fades below that, which bounds one machine's guessing.
Reading the six buckets is one BatchGetItem; recording a failure is one transaction.
Employees' second-factor codes count here too, under the employee rather than what was typed
(staff_users/second_factor.py), so guessing a code is slowed like guessing a password.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from pynamodb.expressions.update import Action

from chalicelib.core import clock
from chalicelib.core.config import Settings
from chalicelib.core.dynamo import transaction
from chalicelib.core.errors import ApiError, rate_limited
from chalicelib.core.throttle import Sliding, ThrottleItem, sliding

from . import pow

# Long enough that a slow answer does not let a rapid guesser past it, short enough for a person.
FIRST_WAIT_SECONDS = 5
# One text whichever counter asks: it names neither the login nor the address.
CHALLENGE_NEEDED = "Слишком много неудачных попыток входа. Подтвердите, что Вы не робот, и повторите вход"


def delay_after(failures: int, settings: Settings) -> int:
    """Seconds the next try of one identifier from one address waits after `failures` failures."""
    excess = failures - settings.login_failures_before_delay
    if excess < 0:
        return 0
    return min(FIRST_WAIT_SECONDS << excess, settings.login_max_delay_seconds)  # doubled per failure


@dataclass(frozen=True)
class Attempt:
    """One admitted try: its counters and how many failures the identifier had from this address."""

    pair: Sliding
    identifier: Sliding
    address: Sliding
    pair_failures: int


class LoginGuard:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def admit(
        self, identifier_key: str, source_ip: str, challenge: tuple[str, str] | None, solvable: bool = True
    ) -> Attempt:
        """Raise unless this try may go on to the password (or code) check. `solvable`: False where the
        client cannot answer a proof of work (a signed-in request): there it waits instead, and the
        address budget does not apply — the bearer token already tells this caller from its neighbours."""
        settings = self.settings
        window = settings.auth_window_seconds
        pair = sliding("login-pair", f"{identifier_key}|{source_ip}", window)
        ident = sliding("login-id", identifier_key, window)
        address = sliding("login-ip", source_ip, window)
        keys = [key for counter in (pair, ident, address) for key in (counter.current, counter.previous)]
        found = {item.pk: item for item in ThrottleItem.batch_get(keys)}
        if address.count(found) >= settings.login_failures_per_ip_ceiling:
            raise rate_limited(address.retry_after(found, settings.login_failures_per_ip_ceiling))
        # To the microsecond, rounded up: whole seconds would make Retry-After depend on where a second
        # boundary fell between the failure and this try, which differs between two identifiers tried alike.
        now = clock.now().timestamp()
        not_before = max(
            (float(found[k].not_before or 0) for k in (pair.current, pair.previous) if k in found), default=0.0
        )
        if not_before > now:
            raise rate_limited(math.ceil(not_before - now))
        ident_over = ident.count(found) >= settings.login_failures_before_challenge
        if ident_over or (solvable and address.count(found) >= settings.login_failures_per_ip):
            if challenge is None:
                if not solvable:
                    raise rate_limited(ident.retry_after(found, settings.login_failures_before_challenge))
                raise ApiError(CHALLENGE_NEEDED, status=401, code="challenge_required")
            pow.verify(*challenge)
        return Attempt(pair, ident, address, math.floor(pair.count(found)))

    def failed(self, attempt: Attempt) -> None:
        """Count the failure on all three counters in one transaction. Two failures racing may set
        the same wait; neither is lost from the counts."""
        wait = delay_after(attempt.pair_failures + 1, self.settings)
        pair_actions: list[Action] = [ThrottleItem.hits.add(1), ThrottleItem.ttl.set(attempt.pair.expires)]
        if wait:
            pair_actions.append(ThrottleItem.not_before.set(clock.now().timestamp() + wait))
        with transaction() as tx:
            for counter in (attempt.identifier, attempt.address):
                tx.update(
                    ThrottleItem(counter.current),
                    actions=[ThrottleItem.hits.add(1), ThrottleItem.ttl.set(counter.expires)],
                )
            tx.update(ThrottleItem(attempt.pair.current), actions=pair_actions)
