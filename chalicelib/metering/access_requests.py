"""Access requests: someone who cannot prove ownership of a contract and has no invitation asks the
company, with a power of attorney or a lease; staff approve it with a right or refuse it with a reason.

Storage (metering table, docs/design-ownership.md «Access requests»): `ACCESSREQ#<id>`/`REQUEST`,
with no new index —
- the staff queue is the `by_contract` index: `contract_pk` = `ACCESSREQ#<status>`, `meter_sk` =
  `<created_at or decided_at>#<id>`; both change with the decision, so every status is one Query;
- the applicant's own list is the `by_linked_meter` index: `link_meter` = `ACCESSREQ-USER#<user_id>`.
The items stay out of the `USER#<id>` partition, which holds only links.

The applicant's answer never tells whether the contract or the serial exists: every well-formed request
is accepted (201) and the comparison with billing is shown to staff only. An approval grants access
through `access.stage_grant` in the same transaction as the status change (conditional on the request
being still pending), the audit record and the applicant's notification.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Sequence
from datetime import UTC
from typing import Any

from pynamodb.attributes import ListAttribute, UnicodeAttribute
from pynamodb.exceptions import TransactWriteError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.accounts.principal import Principal
from chalicelib.accounts.repository import UserItem, UserRepository
from chalicelib.attachments import DownloadLink, FileRef
from chalicelib.attachments.repository import FileAttr
from chalicelib.attachments.service import AttachmentService
from chalicelib.core import audit, clock, throttle
from chalicelib.core.dynamo import conflict_on_condition, is_conditional_failure, table_meta, transaction
from chalicelib.core.errors import ApiError, conflict, field_error, forbidden, not_found
from chalicelib.notifications import outbox, targets

from .access import MAX_METERS_PER_GRANT, RIGHT_LABELS, right_of, stage_grant, user_id_of
from .models import Right, stored_right
from .ownership import identity_matches, portal_name
from .repository import ContractItem, ContractLinkItem, MeteringRepository, MeterItem, ObjectItem, contract_key
from .request_models import (
    RELATION_TITLES,
    STATUS_TITLES,
    AccessRequestIn,
    AccessRequestList,
    AccessRequestOut,
    Applicant,
    ContractUser,
    DecisionIn,
    Holder,
    StaffQueueQuery,
    StaffRequestCard,
    StaffRequestList,
    StaffRequestSummary,
    stored_relation,
    stored_request_status,
)

REQUEST_SK = "REQUEST"
# Requests an account may file per day: each one is work for staff.
REQUESTS_PER_DAY = 5
# An approval's transaction holds, besides `stage_grant`'s items, the request, the audit record and the
# notification's outbox item, feed entry and feed counter (100 items at most).
MAX_METERS_PER_APPROVAL = MAX_METERS_PER_GRANT - 5
_RANK = {"view": 1, "submit": 2, "holder": 3}
_ID = re.compile(r"^[0-9a-f]{32}$")
_CURSOR = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)_([0-9a-f]{32})$")

NOT_FOUND = "Запрос не найден"
ALREADY_DECIDED = "Запрос уже рассмотрен. Обновите карточку"
ALREADY_PENDING = "Запрос доступа к этому договору уже рассматривается"
ALREADY_LINKED = "Этот договор уже подключён к Вашему личному кабинету с таким или большим правом"
NOT_IN_BILLING = (
    "Договора или счётчика из запроса нет в биллинге, либо счётчик снят с учёта: такой запрос можно только отклонить"
)
APPLICANT_GONE = "Учётная запись заявителя удалена или не подтверждена: запрос можно только отклонить"
APPLICANT_HAS_RIGHT = "Заявитель уже подключён к договору с таким или большим правом: запрос можно только отклонить"
TOO_MANY_METERS = (
    "В договоре слишком много приборов учёта, чтобы подключить его через личный кабинет: подключите "
    "заявителя через биллинг"
)


def stamp() -> str:
    """Microseconds: the queue is ordered by it, and requests often arrive within one second."""
    return clock.now().astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def request_key(request_id: str) -> str:
    return f"ACCESSREQ#{request_id}"


def queue_key(status: str) -> str:
    return f"ACCESSREQ#{status}"


def applicant_key(user_id: str) -> str:
    return f"ACCESSREQ-USER#{user_id}"


class _Queue(GlobalSecondaryIndex["AccessRequestItem"]):
    """`by_contract`, read as the staff queue of one status."""

    class Meta:
        index_name = "by_contract"
        projection = AllProjection()

    contract_pk = UnicodeAttribute(hash_key=True)
    meter_sk = UnicodeAttribute(range_key=True)


class _OfApplicant(GlobalSecondaryIndex["AccessRequestItem"]):
    """`by_linked_meter`, read as one applicant's requests."""

    class Meta:
        index_name = "by_linked_meter"
        projection = AllProjection()

    link_meter = UnicodeAttribute(hash_key=True)


class AccessRequestItem(Model):
    Meta = table_meta("metering")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default=REQUEST_SK)
    request_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    # The applicant as the queue shows them, copied at filing time (the queue is one Query).
    applicant_name = UnicodeAttribute()
    applicant_login = UnicodeAttribute()
    contract = UnicodeAttribute()  # as the applicant typed it: it may not exist
    meter_serial = UnicodeAttribute()
    relation = UnicodeAttribute()
    right = UnicodeAttribute()  # requested
    comment = UnicodeAttribute(default="")
    files = ListAttribute(of=FileAttr, default=list)
    origin = UnicodeAttribute(default="portal")  # portal | migration (metering/migrations.py)
    status = UnicodeAttribute()  # pending | approved | refused
    reason = UnicodeAttribute(null=True)
    granted_right = UnicodeAttribute(null=True)
    decided_at = UnicodeAttribute(null=True)
    decided_by = UnicodeAttribute(null=True)  # the employee's login
    created_at = UnicodeAttribute()
    contract_pk = UnicodeAttribute()  # ACCESSREQ#<status>
    meter_sk = UnicodeAttribute()  # <created_at or decided_at>#<id>
    link_meter = UnicodeAttribute()  # ACCESSREQ-USER#<user_id>

    queue = _Queue()
    of_applicant = _OfApplicant()


class AccessRequestRepository:
    def get(self, request_id: str) -> AccessRequestItem | None:
        if not _ID.match(request_id):
            return None
        try:
            return AccessRequestItem.get(request_key(request_id), REQUEST_SK, consistent_read=True)
        except AccessRequestItem.DoesNotExist:
            return None

    def of_user(self, user_id: str) -> list[AccessRequestItem]:
        """Newest first; one Query (an applicant files a few requests a day at most)."""
        items = list(AccessRequestItem.of_applicant.query(applicant_key(user_id)))
        return sorted(items, key=lambda i: i.created_at, reverse=True)

    def queue(
        self, status: str, limit: int, start_key: dict[str, Any] | None, oldest_first: bool
    ) -> tuple[list[AccessRequestItem], dict[str, Any] | None]:
        """One Query call: a page of a status's queue."""
        pages = AccessRequestItem.queue.query(
            queue_key(status),
            scan_index_forward=oldest_first,
            last_evaluated_key=start_key,
            page_size=limit,
            limit=limit,
        ).page_iter
        page: dict[str, Any] = next(pages, {"Items": []})
        last: dict[str, Any] | None = page.get("LastEvaluatedKey")
        return [AccessRequestItem.from_raw_data(i) for i in page.get("Items", [])], last


def new_request(
    user: UserItem,
    contract: str,
    meter_serial: str,
    relation: str,
    right: str,
    comment: str,
    files: Sequence[FileRef],
    now: str,
    origin: str = "portal",
    request_id: str | None = None,
) -> AccessRequestItem:
    """A pending request; the migration passes a request id derived from the link it replaces."""
    request_id = request_id or uuid.uuid4().hex
    return AccessRequestItem(
        request_key(request_id),
        REQUEST_SK,
        request_id=request_id,
        user_id=user.user_id,
        applicant_name=portal_name(user),
        applicant_login=user.login,
        contract=contract,
        meter_serial=meter_serial,
        relation=relation,
        right=right,
        comment=comment,
        files=[FileAttr(**f.to_map()) for f in files],
        origin=origin,
        status="pending",
        created_at=now,
        contract_pk=queue_key("pending"),
        meter_sk=f"{now}#{request_id}",
        link_meter=applicant_key(user.user_id),
    )


def migration_request_id(user_id: str, contract: str) -> str:
    """The same old link always becomes the same request: a re-run of the migration cannot file it twice."""
    return hashlib.sha256(f"link-migration|{user_id}|{contract}".encode()).hexdigest()[:32]


def _files(item: AccessRequestItem) -> list[FileRef]:
    return [FileRef.from_map(f.as_dict()) for f in item.files or []]


def _out(item: AccessRequestItem) -> AccessRequestOut:
    return AccessRequestOut(
        id=item.request_id,
        contract_number=item.contract,
        meter_serial=item.meter_serial,
        relation=stored_relation(item.relation),
        relation_title=RELATION_TITLES[item.relation],
        right=stored_right(item.right),
        comment=item.comment or "",
        files=[f.out() for f in _files(item)],
        status=stored_request_status(item.status),
        status_title=STATUS_TITLES[item.status],
        reason=item.reason,
        granted_right=stored_right(item.granted_right) if item.granted_right else None,
        created_at=item.created_at,
        decided_at=item.decided_at,
    )


def _summary(item: AccessRequestItem) -> dict[str, Any]:
    return dict(
        id=item.request_id,
        created_at=item.created_at,
        contract_number=item.contract,
        meter_serial=item.meter_serial,
        applicant_name=item.applicant_name,
        applicant_login=item.applicant_login,
        relation=item.relation,
        relation_title=RELATION_TITLES[item.relation],
        right=item.right,
        status=item.status,
        status_title=STATUS_TITLES[item.status],
        from_migration=item.origin == "migration",
    )


def _applicant(user: UserItem | None, item: AccessRequestItem) -> Applicant:
    if user is None:
        return Applicant(user_id=item.user_id, login=item.applicant_login, name=item.applicant_name, active=False)
    profile = user.profile.as_dict() if user.profile else {}
    if user.kind == "person":
        name = " ".join(str(profile[k]) for k in ("last_name", "first_name", "middle_name") if profile.get(k))
    else:
        name = str(profile.get("full_name") or profile.get("short_name") or "")
    return Applicant(
        user_id=user.user_id,
        login=user.login,
        email=user.email,
        phone=user.phone,
        active=user.status == "active",
        kind=user.kind,
        name=name or None,
        snils=profile.get("snils"),
        inn=profile.get("inn"),
        kpp=profile.get("kpp"),
        ogrn=profile.get("ogrn"),
    )


def _holder(contract: ContractItem) -> Holder:
    return Holder(
        kind=contract.holder_kind,
        name=contract.holder_name,
        snils=contract.holder_snils,
        inn=contract.holder_inn,
        kpp=contract.holder_kpp,
        category=contract.category,
    )


class AccessRequestService:
    def __init__(
        self,
        repository: AccessRequestRepository | None = None,
        metering: MeteringRepository | None = None,
        users: UserRepository | None = None,
        attachments: AttachmentService | None = None,
    ) -> None:
        self.repo = repository or AccessRequestRepository()
        self.metering = metering or MeteringRepository()
        self.users = users or UserRepository()
        self.attachments = attachments or AttachmentService()

    # --- the applicant ------------------------------------------------------------------------

    def submit(self, principal: Principal, body: AccessRequestIn) -> AccessRequestOut:
        """Accepted whether or not the contract and the serial exist: the answer reveals nothing of billing."""
        if principal.is_staff:
            raise forbidden("Запросить доступ к договору может только потребитель")
        throttle.hit("access-request", principal.user_id, REQUESTS_PER_DAY, 24 * 3600)
        files = self.attachments.require_confirmed(principal, body.files, purpose="access_request", field="files")
        number = body.contract_number
        if any(r.contract == number and r.status == "pending" for r in self.repo.of_user(principal.user_id)):
            raise conflict(ALREADY_PENDING)
        # The caller's own link: what it says is already theirs to see.
        link = self.metering.contract_link(principal.user_id, number)
        if link is not None and _RANK[right_of(link) or "view"] >= _RANK[body.right]:
            raise conflict(ALREADY_LINKED)
        item = new_request(
            principal.user, number, body.meter_serial.upper(), body.relation, body.right, body.comment, files, stamp()
        )
        note = outbox.Notification(
            "access_request_received",
            {"contract": number},
            user_id=principal.user_id,
            email=principal.user.email,
            link=targets.access_requests(),
        )
        try:
            with transaction() as tx:
                tx.save(item, condition=AccessRequestItem.pk.does_not_exist())
                self.attachments.attach(tx, item.pk, files)
                outbox.stage(tx, note)
        except TransactWriteError as exc:
            if not is_conditional_failure(exc):
                raise
            # A file was attached elsewhere between the check and the write.
            raise field_error("files", "Файл уже приложен к другому запросу. Загрузите его заново") from None
        outbox.dispatch([note])
        return _out(item)

    def mine(self, principal: Principal) -> AccessRequestList:
        return AccessRequestList(items=[_out(i) for i in self.repo.of_user(principal.user_id)])

    # --- staff --------------------------------------------------------------------------------

    def queue(self, query: StaffQueueQuery) -> StaffRequestList:
        """Pending: oldest first (the queue); decided: the latest decisions first."""
        items, last = self.repo.queue(
            query.status, query.limit, _start_key(query.status, query.cursor), oldest_first=query.status == "pending"
        )
        return StaffRequestList(
            items=[StaffRequestSummary(**_summary(i)) for i in items], next_cursor=_cursor(last) if last else None
        )

    def card(self, request_id: str) -> StaffRequestCard:
        item = self._load(request_id)
        return self._card(item, self.users.get(item.user_id))

    def _load(self, request_id: str) -> AccessRequestItem:
        item = self.repo.get(request_id)
        if item is None:
            raise not_found(NOT_FOUND)
        return item

    def _card(self, item: AccessRequestItem, user: UserItem | None) -> StaffRequestCard:
        contract, _objects, meters, links = self._billing(item)
        serial_matched = any(_serial_matches(m, item.meter_serial) for m in meters)
        applicant = _applicant(user, item)
        own = next((link for link in links if user_id_of(link) == item.user_id), None)
        approvable = (
            item.status == "pending"
            and contract is not None
            and serial_matched
            and applicant.active
            and (own is None or right_of(own) != "holder")
        )
        return StaffRequestCard(
            **_summary(item),
            comment=item.comment or "",
            files=[f.out() for f in _files(item)],
            reason=item.reason,
            granted_right=stored_right(item.granted_right) if item.granted_right else None,
            decided_at=item.decided_at,
            decided_by=item.decided_by,
            applicant=applicant,
            contract_found=contract is not None,
            serial_matched=serial_matched,
            holder=_holder(contract) if contract is not None else None,
            identity_matches=bool(user is not None and contract is not None and identity_matches(user, contract)),
            users=[
                ContractUser(
                    user_id=user_id_of(link),
                    name=link.user_name,
                    login=link.user_login,
                    right=right_of(link),
                    granted_by=link.granted_by,
                    since=link.linked_at,
                )
                for link in sorted(links, key=lambda link: link.linked_at)
            ],
            can_approve=approvable,
        )

    def _billing(
        self, item: AccessRequestItem
    ) -> tuple[ContractItem | None, list[ObjectItem], list[MeterItem], list[ContractLinkItem]]:
        contract, objects = self.metering.contract_with_objects(item.contract)
        if contract is None:
            return None, [], [], []
        return (
            contract,
            objects,
            self.metering.meters_of(contract_key(item.contract)),
            self.metering.users_of_contract(item.contract),
        )

    def download(self, principal: Principal, request_id: str, file_id: str, inline: bool = False) -> DownloadLink:
        item = self._load(request_id)
        ref = next((f for f in _files(item) if f.id == file_id), None)
        if ref is None:
            raise not_found("Файл не найден")
        return self.attachments.download_url(principal, item.user_id, ref, inline=inline)

    def decide(self, principal: Principal, request_id: str, body: DecisionIn) -> StaffRequestCard:
        item = self._load(request_id)
        if item.status != "pending":
            raise conflict(ALREADY_DECIDED)
        user = self.users.get(item.user_id)
        if body.decision == "refuse":
            if not body.reason:
                raise field_error("reason", "Укажите причину отказа: её получит заявитель")
            return self._refuse(principal, item, user, body.reason)
        return self._approve(principal, item, user, body.right or stored_right(item.right), body.reason)

    def _decided(
        self, principal: Principal, item: AccessRequestItem, status: str, reason: str | None, granted: str | None
    ) -> tuple[AccessRequestItem, list[Any], str]:
        now = stamp()
        actions = [
            AccessRequestItem.status.set(status),
            AccessRequestItem.contract_pk.set(queue_key(status)),
            AccessRequestItem.meter_sk.set(f"{now}#{item.request_id}"),
            AccessRequestItem.decided_at.set(now),
            AccessRequestItem.decided_by.set(principal.user.login),
        ]
        actions += [AccessRequestItem.reason.set(reason)] if reason else []
        actions += [AccessRequestItem.granted_right.set(granted)] if granted else []
        return AccessRequestItem(item.pk, item.sk), actions, now

    def _refuse(
        self, principal: Principal, item: AccessRequestItem, user: UserItem | None, reason: str
    ) -> StaffRequestCard:
        target, actions, _now = self._decided(principal, item, "refused", reason, None)
        notes = (
            [
                outbox.Notification(
                    "access_request_refused",
                    {"contract": item.contract, "reason": reason},
                    user_id=item.user_id,
                    email=_email(user),
                    link=targets.access_requests(),
                )
            ]
            if user is not None
            else []
        )
        self._commit(principal, item, target, actions, "refuse", {"reason": reason}, notes)
        return self._card(self._load(item.request_id), user)

    def _approve(
        self, principal: Principal, item: AccessRequestItem, user: UserItem | None, right: Right, comment: str
    ) -> StaffRequestCard:
        if user is None or user.status != "active":
            raise conflict(APPLICANT_GONE)
        contract, objects, meters, links = self._billing(item)
        if contract is None or not any(_serial_matches(m, item.meter_serial) for m in meters):
            raise conflict(NOT_IN_BILLING)
        own = next((link for link in links if user_id_of(link) == item.user_id), None)
        if own is not None and _RANK[right_of(own) or "view"] >= _RANK[right]:
            raise conflict(APPLICANT_HAS_RIGHT)
        if len(meters) > MAX_METERS_PER_APPROVAL:
            raise ApiError(TOO_MANY_METERS, status=422, code="too_many_meters")
        target, actions, now = self._decided(principal, item, "approved", comment or None, right)
        note = outbox.Notification(
            "access_request_approved",
            {
                "contract": item.contract,
                "right": RIGHT_LABELS[right],
                "note": f" Комментарий сотрудника: {comment}" if comment else "",
            },
            user_id=item.user_id,
            email=_email(user),
            link=targets.contract(item.contract),
        )
        # The holders hear who now shares their contract: nobody gains access to it unknown to them.
        holders = sorted({user_id_of(link) for link in links if right_of(link) == "holder"} - {item.user_id})
        notes = [note] + [
            outbox.Notification(
                "contract_access_granted_by_staff",
                {"contract": item.contract, "name": portal_name(user), "right": RIGHT_LABELS[right]},
                user_id=holder.user_id,
                email=_email(holder),
                link=targets.contract(item.contract),
            )
            for holder in (self.users.get(h) for h in holders)
            if holder is not None
        ]

        def grant(tx: Any) -> None:
            stage_grant(
                tx,
                user,
                contract,
                objects,
                meters,
                right,
                f"staff:{principal.user_id}",
                now,
                replace=own,
            )

        self._commit(principal, item, target, actions, "approve", {"right": right}, notes, grant)
        return self._card(self._load(item.request_id), user)

    def _commit(
        self,
        principal: Principal,
        item: AccessRequestItem,
        target: AccessRequestItem,
        actions: list[Any],
        decision: str,
        details: dict[str, Any],
        notes: list[outbox.Notification],
        also: Any | None = None,
    ) -> None:
        """The status change (only from pending), the grant if any, the audit record and the notification:
        all or nothing. Two employees deciding at once: the second gets 409."""
        with conflict_on_condition(ALREADY_DECIDED), transaction() as tx:
            tx.update(target, actions=actions, condition=AccessRequestItem.status == "pending")
            if also is not None:
                also(tx)
            audit.record(
                tx,
                principal,
                f"access_request.{decision}",
                "access_request",
                item.request_id,
                {"contract": item.contract, "applicant": item.applicant_login, "requested": item.right, **details},
            )
            for note in notes:
                outbox.stage(tx, note)
        outbox.dispatch(notes)


def _serial_matches(meter: MeterItem, serial: str) -> bool:
    return meter.serial.upper() == serial.upper() and meter.status != "decommissioned"


def _email(user: UserItem | None) -> str | None:
    return user.email if user is not None and user.status == "active" else None


def _cursor(last: dict[str, Any]) -> str:
    at, _, request_id = last["meter_sk"]["S"].partition("#")
    return f"{at}_{request_id}"


def _start_key(status: str, cursor: str | None) -> dict[str, Any] | None:
    if not cursor:
        return None
    found = _CURSOR.match(cursor)
    if not found:
        raise field_error("cursor", "Неверный формат")
    at, request_id = found.groups()
    return {
        "pk": {"S": request_key(request_id)},
        "sk": {"S": REQUEST_SK},
        "contract_pk": {"S": queue_key(status)},
        "meter_sk": {"S": f"{at}#{request_id}"},
    }
