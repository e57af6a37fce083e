"""Co-users by invitation: a contract's holder invites an e-mail address with the right to submit
readings or only to view; the account with that confirmed address accepts; the holder revokes.

Invitations live in the contract's partition (`InvitationItem`, sk `INVITE#<sha256(token)>`) and on
the `by_linked_meter` index beside the contract's links, so the holder's list is one Query. The token
itself is only in the letter. Routes for a contract answer 404 to anyone but its holder, as for any
contract that is not theirs (docs/design-ownership.md, «Co-users by invitation»).
"""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from pynamodb.exceptions import DeleteError, TransactWriteError

from chalicelib.accounts.identifiers import email_key
from chalicelib.accounts.principal import Principal
from chalicelib.accounts.repository import PROFILE, UserItem, UserRepository, user_key as identity_key
from chalicelib.accounts.tokens import secret_digest
from chalicelib.core import clock, throttle
from chalicelib.core.config import Settings, get_settings
from chalicelib.core.dynamo import is_conditional_failure, transaction
from chalicelib.core.errors import ApiError, conflict, field_error, not_found
from chalicelib.notifications import outbox, targets

from .access import MAX_METERS_PER_GRANT, RIGHT_LABELS, right_of, stage_grant, stage_revoke, user_id_of, user_ref
from .models import (
    AcceptInvitationRequest,
    AccountsOut,
    CoUserOut,
    CoUsersOut,
    InvitationOut,
    InvitationRequest,
    stored_co_user_right,
)
from .ownership import portal_name
from .repository import ContractLinkItem, InvitationItem, LinkItem, MeteringRepository, contract_key, invitation_key

INVITATION_DAYS = 7
# Letters a holder may send per day: an invitation is an e-mail to an address the holder typed.
INVITATIONS_PER_DAY = 20
# Tokens are 256-bit: this only keeps a script from hammering the endpoint.
ACCEPTS_PER_HOUR = 10
CO_USER_RIGHTS = ("submit", "view")
NOT_YOURS = "Договор не привязан к Вашему личному кабинету"
INVITATION_INVALID = "Приглашение недействительно или устарело. Попросите владельца договора прислать новое приглашение"
OTHER_EMAIL = (
    "Приглашение отправлено на другой адрес электронной почты. Войдите в личный кабинет, "
    "зарегистрированный на адрес из письма, и откройте ссылку снова"
)


def _invitation_out(item: InvitationItem) -> InvitationOut:
    return InvitationOut(
        id=item.invitation_id,
        email=item.email,
        right=stored_co_user_right(item.right),
        created_at=item.created_at,
        expires_at=clock.iso(datetime.fromtimestamp(int(item.expires_at), UTC)),
    )


class SharingService:
    def __init__(
        self,
        repository: MeteringRepository | None = None,
        users: UserRepository | None = None,
        settings: Settings | None = None,
    ) -> None:
        self.repo = repository or MeteringRepository()
        self.users = users or UserRepository()
        self.settings = settings or get_settings()

    def _as_holder(self, principal: Principal, number: str) -> tuple[list[ContractLinkItem], list[InvitationItem]]:
        """The contract's links and live invitations, if the caller holds it; else the 404 of a contract not theirs."""
        links, invitations = self.repo.people_of_contract(number)
        mine = next((link for link in links if user_id_of(link) == principal.user_id), None)
        if mine is None or right_of(mine) != "holder":
            raise not_found(NOT_YOURS)
        now = clock.epoch(clock.now())
        return links, [i for i in invitations if int(i.expires_at) > now]

    def invite(self, principal: Principal, number: str, request: InvitationRequest) -> InvitationOut:
        """One answer whether or not an account with the address exists: nothing is looked up by it."""
        _links, invitations = self._as_holder(principal, number)
        if email_key(request.email) == email_key(principal.user.email):
            raise field_error("email", "Это адрес Вашего личного кабинета: укажите адрес того, кого приглашаете")
        throttle.hit("invite", principal.user_id, INVITATIONS_PER_DAY, 24 * 3600)
        now = clock.now()
        token = secrets.token_urlsafe(32)
        expires = clock.epoch(now + timedelta(days=INVITATION_DAYS))
        item = InvitationItem(
            contract_key(number),
            invitation_key(secret_digest(token)),
            link_meter=contract_key(number),
            invitation_id=uuid.uuid4().hex,
            contract=number,
            email=request.email,
            email_key=email_key(request.email),
            right=request.right,
            invited_by=principal.user_id,
            created_at=clock.iso(now),
            expires_at=expires,
            ttl=expires,
        )
        url = f"{self.settings.site_url}/#/invitation?contract={quote(number, safe='')}&token={token}"
        note = outbox.Notification(
            "contract_invitation",
            {
                "contract": number,
                "inviter": portal_name(principal.user),
                "right": RIGHT_LABELS[request.right],
                "accept_url": url,
                "days": str(INVITATION_DAYS),
            },
            email=request.email,
        )
        with transaction() as tx:
            # A new invitation to the same address replaces the earlier one: one live link per address.
            for earlier in invitations:
                if earlier.email_key == item.email_key:
                    tx.delete(earlier)
            tx.save(item, condition=InvitationItem.pk.does_not_exist())
            outbox.stage(tx, note)
        outbox.dispatch([note])
        return _invitation_out(item)

    def co_users(self, principal: Principal, number: str) -> CoUsersOut:
        links, invitations = self._as_holder(principal, number)
        others = [link for link in links if right_of(link) in CO_USER_RIGHTS]
        # Links granted with a bare account reference carry no name: read those accounts (rare).
        unnamed = {user_id_of(link) for link in others if not link.user_login}
        accounts = self._accounts(unnamed) if unnamed else {}
        co_users = []
        for link in sorted(others, key=lambda link: link.linked_at):
            account = accounts.get(user_id_of(link))
            name = link.user_name or (portal_name(account) if account else "")
            login = link.user_login or (account.login if account else "")
            co_users.append(
                CoUserOut(
                    user_id=user_id_of(link),
                    name=name,
                    login=login,
                    right=stored_co_user_right(right_of(link)),
                    since=link.linked_at,
                )
            )
        return CoUsersOut(
            co_users=co_users, invitations=[_invitation_out(i) for i in sorted(invitations, key=lambda i: i.created_at)]
        )

    def _accounts(self, user_ids: set[str]) -> dict[str, UserItem]:
        return {u.user_id: u for u in UserItem.batch_get([(identity_key(i), PROFILE) for i in sorted(user_ids)])}

    def cancel(self, principal: Principal, number: str, invitation_id: str) -> None:
        _links, invitations = self._as_holder(principal, number)
        item = next((i for i in invitations if i.invitation_id == invitation_id), None)
        if item is None:
            raise not_found("Приглашение не найдено: возможно, его уже приняли или отменили")
        try:
            item.delete(condition=InvitationItem.pk.exists())
        except DeleteError as exc:
            if is_conditional_failure(exc):
                raise not_found("Приглашение не найдено: возможно, его уже приняли или отменили") from None
            raise

    def revoke(self, principal: Principal, number: str, user_id: str) -> None:
        """The co-user loses the contract at once: links, meter set and АИИС set go in one transaction."""
        links, _invitations = self._as_holder(principal, number)
        target = next(
            (link for link in links if user_id_of(link) == user_id and right_of(link) in CO_USER_RIGHTS), None
        )
        if target is None:
            raise not_found("Такого пользователя у договора нет")
        meter_links = [i for i in self.repo.user_items(user_id) if isinstance(i, LinkItem) and i.contract == number]
        note = outbox.Notification("contract_access_revoked", {"contract": number}, user_id=user_id)
        try:
            with transaction() as tx:
                # Of two revocations racing, one commits: the co-user gets one note.
                stage_revoke(tx, user_ref(user_id), target, meter_links, condition=ContractLinkItem.pk.exists())
                outbox.stage(tx, note)
        except TransactWriteError:
            raise not_found("Такого пользователя у договора нет") from None
        outbox.dispatch([note])

    def accept(self, principal: Principal, request: AcceptInvitationRequest) -> AccountsOut:
        throttle.hit("invitation-accept", principal.user_id, ACCEPTS_PER_HOUR, 3600)
        number = request.contract_number
        item = self.repo.invitation(number, secret_digest(request.token))
        if item is None or int(item.expires_at) <= clock.epoch(clock.now()) or principal.is_staff:
            raise ApiError(INVITATION_INVALID, status=404, code="invitation_invalid")
        if email_key(principal.user.email) != item.email_key:
            raise ApiError(OTHER_EMAIL, status=403, code="invitation_other_email")
        contract, objects = self.repo.contract_with_objects(number)
        meters = self.repo.meters_of(contract_key(number))
        links = self.repo.users_of_contract(number)
        holders = {user_id_of(link) for link in links if right_of(link) == "holder"}
        # The invitation speaks for its holder only while they hold the contract.
        if contract is None or item.invited_by not in holders:
            raise ApiError(INVITATION_INVALID, status=404, code="invitation_invalid")
        if any(user_id_of(link) == principal.user_id for link in links):
            raise conflict("Этот договор уже подключён к Вашему личному кабинету")
        if len(meters) > MAX_METERS_PER_GRANT:
            raise ApiError(
                "В договоре слишком много приборов учёта для подключения через личный кабинет. "
                "Обратитесь в сетевую компанию",
                status=422,
                code="too_many_meters",
            )
        params = {"contract": number, "name": portal_name(principal.user), "right": RIGHT_LABELS[item.right]}
        notes = [
            outbox.Notification(
                "contract_invitation_accepted",
                params,
                user_id=holder.user_id,
                email=holder.email,
                link=targets.contract(number),
            )
            for holder in (self.users.get(h) for h in sorted(holders))
            if holder is not None
        ]
        try:
            with transaction() as tx:
                # Single use: of two accepts of one link only the first finds the invitation.
                tx.delete(item, condition=InvitationItem.pk.exists())
                stage_grant(
                    tx,
                    principal.user,
                    contract,
                    objects,
                    meters,
                    stored_co_user_right(item.right),
                    f"invitation:{item.invited_by}",
                    clock.iso(clock.now()),
                )
                for note in notes:
                    outbox.stage(tx, note)
        except TransactWriteError:
            raise ApiError(INVITATION_INVALID, status=404, code="invitation_invalid") from None
        outbox.dispatch(notes)
        from .service import MeteringService

        return MeteringService(self.repo).accounts(principal.user_id)
