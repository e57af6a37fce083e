"""Employees: administrators create, edit, disable and re-enable them and send password links.

Rules:
- An employee's login, e-mail and phone are unique among employees (claims in the staff namespace,
  accounts/repository.py STAFF_KEY_PREFIX); a consumer account may use the same ones.
- A new employee has no password: a one-time link by e-mail sets it (status `invited` → `active`).
  A reset sends a new link, ends the sessions and makes the old password useless; only the newest
  link works (`UserItem.confirm_digest`).
- Disabling ends every session at once (sessions cleared, token version bumped); an administrator
  cannot disable nor demote himself, so the company is never left without one by accident.
- Every change is audited in the same transaction (target `staff_user`).
- Sign-in takes a second factor (second_factor.py); an administrator resets it for another employee.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta
from typing import Any, cast

from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.update import Action

from chalicelib.accounts.passwords import hash_password, policy_problems
from chalicelib.accounts.principal import ADMIN, Principal, primary_role, staff_roles_of
from chalicelib.accounts.provisioning import create_active_user, identity_keys
from chalicelib.accounts.repository import (
    STAFF_DIRECTORY,
    ClaimItem,
    ConfirmItem,
    StaffDirectoryItem,
    UserItem,
    UserRepository,
    claim_key,
    confirm_key,
)
from chalicelib.accounts.tokens import secret_digest
from chalicelib.core import audit, clock
from chalicelib.core.config import get_settings
from chalicelib.core.dynamo import conflict_on_condition, transaction
from chalicelib.core.errors import ApiError, FieldError, conflict, field_error, forbidden, not_found
from chalicelib.notifications import outbox

from .models import (
    Colleague,
    ColleagueList,
    StaffPasswordSet,
    StaffRole,
    StaffUserIn,
    StaffUserList,
    StaffUserOut,
    StaffUserPatch,
    Status,
)

PASSWORD_LINK_HOURS = 72
PURPOSE = "staff_password"
TARGET = "staff_user"
NOT_FOUND = "Сотрудник не найден"
LINK_INVALID = "Ссылка недействительна или устарела. Попросите администратора прислать новую"
TAKEN = {
    "login": "Этот логин уже занят другим сотрудником",
    "email": "Этот адрес уже указан у другого сотрудника",
    "phone": "Этот телефон уже указан у другого сотрудника",
}


class StaffUserService:
    def __init__(self, repository: UserRepository | None = None) -> None:
        self.repo = repository or UserRepository()

    # --- reading -------------------------------------------------------------------------------
    def list(self) -> StaffUserList:
        """One Query on the staff partition and one BatchGet of the employees."""
        ids = [entry.user_id for entry in StaffDirectoryItem.query(STAFF_DIRECTORY)]
        users: list[UserItem] = []
        for start in range(0, len(ids), 100):
            users += UserItem.batch_get([(f"USER#{i}", "PROFILE") for i in ids[start : start + 100]])
        users.sort(key=lambda u: (u.profile.as_dict().get("last_name", ""), u.login.lower()))
        return StaffUserList(users=[to_out(u) for u in users if u.closed_at is None])

    def get(self, user_id: str) -> StaffUserOut:
        from .second_factor import is_enrolled

        return to_out(self._employee(user_id)).model_copy(update={"totp_enrolled": is_enrolled(user_id)})

    # --- changes -------------------------------------------------------------------------------
    def create(self, actor: Principal, body: StaffUserIn) -> StaffUserOut:
        profile = {"last_name": body.last_name, "first_name": body.first_name}
        if body.middle_name:
            profile["middle_name"] = body.middle_name
        self._check_free({"login": body.login, "email": body.email, "phone": body.phone})
        user_id = str(uuid.uuid4())
        # A concurrent creation takes one of the identifiers after our check: its claim's condition fails.
        with conflict_on_condition("Логин, e-mail или телефон уже заняты другим сотрудником"), transaction() as tx:
            token, note = self._stage_link(tx, user_id, body.email, "staff_invite", body.login)
            # The password is random and never told: only the e-mailed link sets a usable one.
            create_active_user(
                login=body.login,
                password=secrets.token_urlsafe(32),
                email=body.email,
                phone=body.phone,
                kind="person",
                role=body.roles[0],
                roles=body.roles,
                profile=profile,
                tx=tx,
                status="invited",
                user_id=user_id,
                confirm_digest=secret_digest(token),
            )
            audit.record(
                tx,
                actor,
                "staff_user.create",
                TARGET,
                user_id,
                {"login": body.login, "roles": ", ".join(body.roles)},
            )
        outbox.dispatch([note])
        return self.get(user_id)

    def update(self, actor: Principal, user_id: str, body: StaffUserPatch) -> StaffUserOut:
        user = self._employee(user_id)
        changes = body.model_dump(exclude_unset=True, exclude_none=True)
        if "roles" in changes and user_id == actor.user_id and ADMIN not in changes["roles"]:
            raise field_error("roles", "Нельзя снять роль администратора с самого себя")
        actions: list[Any] = []
        profile = user.profile.as_dict()
        for name in ("last_name", "first_name", "middle_name"):
            if name in changes:
                profile[name] = changes[name]
        if "middle_name" in body.model_fields_set and body.middle_name in (None, ""):
            profile.pop("middle_name", None)
        actions.append(UserItem.profile.set(profile))
        moved: dict[str, str] = {
            k: changes[k] for k in ("email", "phone") if k in changes and changes[k] != getattr(user, k)
        }
        self._check_free(moved)
        new_keys = identity_keys(user.login, changes.get("email", user.email), changes.get("phone", user.phone), True)
        for kind, value in moved.items():
            actions += [getattr(UserItem, kind).set(value), getattr(UserItem, f"{kind}_key").set(new_keys[kind])]
        if "roles" in changes:
            roles = set(changes["roles"])
            actions += [UserItem.role.set(primary_role(roles)), UserItem.staff_roles.set(roles)]
        details = {k: (", ".join(v) if isinstance(v, list) else v) for k, v in changes.items()}
        with (
            conflict_on_condition("Данные сотрудника изменились или e-mail/телефон заняты. Обновите страницу"),
            transaction() as tx,
        ):
            tx.update(user, actions=actions, condition=(UserItem.email == user.email) & (UserItem.phone == user.phone))
            for kind in moved:
                tx.delete(
                    ClaimItem(claim_key(kind, getattr(user, f"{kind}_key")), "CLAIM"),
                    condition=ClaimItem.user_id == user_id,
                )
                tx.save(
                    ClaimItem(claim_key(kind, new_keys[kind]), "CLAIM", user_id=user_id, confirmed=True),
                    condition=ClaimItem.pk.does_not_exist(),
                )
            audit.record(tx, actor, "staff_user.update", TARGET, user_id, details)
        return self.get(user_id)

    def set_enabled(self, actor: Principal, user_id: str, enabled: bool) -> StaffUserOut:
        user = self._employee(user_id)
        if not enabled and user_id == actor.user_id:
            raise forbidden("Нельзя отключить собственную учётную запись")
        if enabled:
            if user.status != "disabled":
                return to_out(user)
            # Back to where it was: an employee who never set a password is still invited.
            status = "invited" if user.confirm_digest else "active"
            actions: list[Action] = [UserItem.status.set(status)]
        else:
            if user.status == "disabled":
                return to_out(user)
            # Every session ends now: the guard reads the status and the token version on each request.
            actions = [UserItem.status.set("disabled"), UserItem.sessions.set({}), UserItem.token_version.add(1)]
        with transaction() as tx:
            tx.update(user, actions=actions, condition=UserItem.status == user.status)
            audit.record(tx, actor, "staff_user.enable" if enabled else "staff_user.disable", TARGET, user_id)
        return self.get(user_id)

    def reset_password(self, actor: Principal, user_id: str) -> StaffUserOut:
        user = self._employee(user_id)
        if user_id == actor.user_id:
            # A reset ends every session of the account at once: done to oneself, it signs out the one
            # administrator who could have undone it.
            raise forbidden(
                "Собственный пароль меняют в профиле сотрудника; сброс по ссылке делает другой администратор"
            )
        if user.status == "disabled":
            raise ApiError("Сотрудник отключён: сначала включите учётную запись", status=409, code="conflict")
        with transaction() as tx:
            token, note = self._stage_link(tx, user_id, user.email, "staff_password_reset", user.login)
            actions: list[Action] = [
                UserItem.password_hash.set(hash_password(secrets.token_urlsafe(32))),
                UserItem.confirm_digest.set(secret_digest(token)),
                UserItem.sessions.set({}),
                UserItem.token_version.add(1),
            ]
            if user.confirm_digest:
                tx.delete(ConfirmItem(confirm_key(user.confirm_digest), "CONFIRM"))
            tx.update(user, actions=actions)
            audit.record(tx, actor, "staff_user.password_reset", TARGET, user_id)
        outbox.dispatch([note])
        return self.get(user_id)

    def reset_totp(self, actor: Principal, user_id: str) -> StaffUserOut:
        """The employee lost the phone (or it may be in other hands): the secret and the recovery codes
        go and every session ends; the next sign-in enrols anew (second_factor.py)."""
        from .second_factor import stage_reset

        user = self._employee(user_id)
        if user_id == actor.user_id:
            raise forbidden(
                "Собственную двухфакторную защиту сбрасывает другой администратор. Если телефон "
                "под рукой, новые резервные коды можно получить самому"
            )
        with transaction() as tx:
            stage_reset(tx, user_id)
            tx.update(user, actions=[UserItem.sessions.set({}), UserItem.token_version.add(1)])
            audit.record(tx, actor, "staff_user.totp_reset", TARGET, user_id)
        return self.get(user_id)

    def set_password(self, body: StaffPasswordSet) -> str:
        """The employee, from the e-mailed link: the link works once and only while it is the newest."""
        digest = secret_digest(body.token)
        link = self.repo.get_confirm(digest)
        if link is None or link.purpose != PURPOSE or int(link.ttl) <= clock.epoch(clock.now()):
            raise ApiError(LINK_INVALID, status=400, code="link_invalid")
        user = self.repo.get(link.user_id)
        if user is None or user.confirm_digest != digest or user.status == "disabled":
            raise ApiError(LINK_INVALID, status=400, code="link_invalid")
        problems = policy_problems(body.password, user.login)
        if problems:
            raise field_error("password", problems[0])
        try:
            with transaction() as tx:
                tx.update(
                    user,
                    actions=[
                        UserItem.password_hash.set(hash_password(body.password)),
                        UserItem.status.set("active"),
                        UserItem.confirm_digest.remove(),
                        UserItem.sessions.set({}),
                        UserItem.token_version.add(1),
                    ],
                    condition=UserItem.confirm_digest == digest,
                )
                tx.delete(ConfirmItem(confirm_key(digest), "CONFIRM"))
        except TransactWriteError:
            raise ApiError(LINK_INVALID, status=400, code="link_invalid") from None
        return "Пароль задан. Войдите в консоль сотрудника с логином и новым паролем"

    # --- helpers -------------------------------------------------------------------------------
    def _employee(self, user_id: str) -> UserItem:
        user = self.repo.get(user_id)
        if user is None or not staff_roles_of(user) or user.closed_at is not None:
            raise not_found(NOT_FOUND)
        return user

    def _check_free(self, values: dict[str, str]) -> None:
        """Field errors for identifiers another employee holds (the transaction re-checks)."""
        if not values:
            return
        keys = identity_keys(values.get("login", "x"), values.get("email", "x@x.xx"), values.get("phone", "x"), True)
        wanted = {claim_key(kind, keys[kind]): kind for kind in values}
        taken = self.repo.claims(wanted)
        if taken:
            raise conflict(
                "Сотрудник с такими данными уже есть",
                [FieldError(wanted[key], TAKEN[wanted[key]]) for key in sorted(taken)],
            )

    def _stage_link(self, tx: Any, user_id: str, email: str, template: str, login: str) -> tuple[str, Any]:
        token = secrets.token_urlsafe(32)
        expires = clock.epoch(clock.now() + timedelta(hours=PASSWORD_LINK_HOURS))
        tx.save(
            ConfirmItem(
                confirm_key(secret_digest(token)), "CONFIRM", ttl=expires, user_id=user_id, purpose=PURPOSE, email=email
            )
        )
        url = f"{get_settings().site_url}/staff.html#/password?token={token}"
        note = outbox.Notification(
            template, {"password_url": url, "hours": str(PASSWORD_LINK_HOURS), "login": login}, email=email
        )
        outbox.stage(tx, note)
        return token, note


def colleague_for(user_id: str, roles: tuple[str, ...]) -> UserItem:
    """The active employee a case is handed to, who must work the case's queue (one of `roles`)."""
    user = UserRepository().get(user_id) if user_id else None
    if user is None or user.status != "active" or not staff_roles_of(user) & set(roles):
        raise field_error("colleague_id", "Выберите сотрудника, который работает с этой очередью")
    return user


def colleagues(roles: tuple[str, ...]) -> ColleagueList:
    """Active employees working a queue: one Query on the staff partition and one BatchGet."""
    users = StaffUserService().list().users
    return ColleagueList(
        colleagues=[
            Colleague(id=u.id, login=u.login, name=f"{u.last_name} {u.first_name}".strip())
            for u in users
            if u.status == "active" and set(u.roles) & set(roles)
        ]
    )


def to_out(user: UserItem) -> StaffUserOut:
    profile = user.profile.as_dict()
    return StaffUserOut(
        id=user.user_id,
        login=user.login,
        last_name=profile.get("last_name", ""),
        first_name=profile.get("first_name", ""),
        middle_name=profile.get("middle_name"),
        email=user.email,
        phone=user.phone,
        roles=cast(list[StaffRole], sorted(staff_roles_of(user))),  # only staff roles are stored on employees
        status=cast(Status, user.status) if user.status in ("invited", "disabled") else "active",
        last_login_at=user.last_login_at,
        created_at=user.created_at,
    )
