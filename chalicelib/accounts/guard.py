"""Bearer-token check for every authenticated route: one consistent GetItem of the user.

Reading the user item (rather than trusting the JWT alone) makes logout and password change take
effect at once: the token's session must still exist and its version must be current.
"""

from __future__ import annotations

from chalicelib.core import clock
from chalicelib.core.errors import unauthorized

from .principal import Principal
from .repository import UserRepository
from .tokens import InvalidToken, decode_access_token

_EXPIRED = "Сеанс завершён. Войдите снова"


def authenticate(token: str, repository: UserRepository | None = None) -> Principal:
    try:
        claims = decode_access_token(token)
    except InvalidToken:
        raise unauthorized(_EXPIRED) from None
    user = (repository or UserRepository()).get(claims.user_id)
    if user is None or user.status != "active" or int(user.token_version) != claims.token_version:
        raise unauthorized(_EXPIRED)
    session = (user.sessions.as_dict() if user.sessions else {}).get(claims.session_id)
    if not session or int(session["expires"]) <= clock.epoch(clock.now()):
        raise unauthorized(_EXPIRED)
    return Principal(user=user, session_id=claims.session_id)
