"""The person's own data under 152-ФЗ: download everything the portal holds about the account, and
withdraw consent — the account is closed and its personal data deleted or anonymised at once.

What the portal holds about an account (and what closing does with it):
- identity table: the user item (profile, consent, sessions), claims on login/e-mail/phone, the pending
  registration/e-mail link, the password-reset and new-phone codes → the user item becomes a tombstone
  (`tombstone_actions`: id, kind, role, created/closed dates, consent version with acceptance and
  withdrawal times), claims and codes are deleted, so the login, e-mail and phone are free again;
- metering table: contract and meter links (`USER#<id>`), invitations the account sent as a holder,
  access requests it filed; readings it submitted → links revoked through `metering.access.stage_revoke`,
  invitations and requests deleted; readings stay (they are the contract's accounting data, billing
  has them) but lose the submitter's name;
- notifications table: the feed → deleted (outbox items expire by TTL within 30 days);
- outages table: address subscriptions → deleted;
- cases table + attachments bucket: appeals, service requests, grid-connection applications with their
  histories, documents and files → KEPT, because the law obliges the company to keep them (59-ФЗ for
  appeals, ПП 861 and the accounting law for connection files), but detached: `owner_pk` no longer
  names a login (`CLOSED#<id>`), `owner_id` is emptied (no download by any account, no feed entries),
  and every item carries `retain_until` and a TTL = closed date + `personal_data_retention_years`.
  A retention marker (`RETAIN#<YYYY-MM>`) lists the case's files; `sweep_retention` (run with the
  hourly attachments sweep) deletes them and the case when the date comes. Unsubmitted connection
  drafts are deleted at once, as are uploads never attached to a kept case and the account's exports.

Closing runs in steps, each idempotent; the account is a tombstone only after the last one, so a step
that fails leaves an account whose owner can sign in and close it again. The first step ends every
session, so nothing else can be done with the account while the others run.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import TransactWriteError
from pynamodb.models import Model

from chalicelib.attachments import storage
from chalicelib.attachments.repository import UploadItem, upload_key
from chalicelib.core import clock, throttle
from chalicelib.core.backoff import until_processed
from chalicelib.core.config import Settings, get_settings
from chalicelib.core.dynamo import conflict_on_condition, is_conditional_failure, string_list, table_meta, transaction
from chalicelib.core.errors import conflict, field_error, forbidden
from chalicelib.notifications import outbox
from chalicelib.settings import company

from .passwords import verify_password
from .principal import Principal
from .profile import to_profile
from .repository import ClaimItem, PhoneChangeItem, ResetItem, UserItem, UserRepository, claim_key, user_key

logger = logging.getLogger("kabinet.privacy")

EXPORT_FORMAT = "kabinet-personal-data/1"
EXPORTS_PER_HOUR = 3
CLOSE_ATTEMPTS_PER_WINDOW = 5
# What one export may carry so that it is built within the API function's 15 s (docs/api-accounts.md);
# files beyond these are listed in data.json under `files_not_included`.
EXPORT_MAX_FILES = 100
EXPORT_MAX_FILE_BYTES = 50 * 1024 * 1024
# DynamoDB TTL is the backstop behind the retention sweep, which deletes the files first.
TTL_GRACE = timedelta(days=30)
# The sweep looks this many months back, so a sweep that stopped for a while catches up.
SWEEP_MONTHS_BACK = 12
SUBMITTER_CLOSED = "учётная запись закрыта"
# Keys of the cases the law keeps (appeals, service requests, grid-connection applications).
CASE_KEYS = ("APPEAL#", "SREQ#", "TP#")
WRONG_PASSWORD = "Пароль указан неверно"

# --- the tombstone: what of the user item stays after closing ------------------------------------
# Kept: not personal data on their own (a random id, the kind of applicant, dates) and the record the
# company needs of the consent — which version was accepted, when, and when it was withdrawn.
TOMBSTONE_KEEPS = (
    "pk",
    "sk",
    "user_id",
    "kind",
    "role",
    "status",
    "created_at",
    "closed_at",
    "consent",
    "token_version",
)
# Removed: everything else. Listed rather than derived, so a new attribute of UserItem has to be
# classified here (tests/unit/test_privacy_mapping.py fails until it is).
TOMBSTONE_ERASES = (
    "ttl",
    "login",
    "login_key",
    "email",
    "email_key",
    "pending_email",
    "confirm_digest",
    "phone",
    "phone_key",
    "profile",
    "password_hash",
    "failed_logins",
    "locked_until",
    "sessions",
    "meter_ids",
    "aiis_meter_ids",
    "staff_roles",
    "last_login_at",
    "notify",
)


def withdrawn_consent(consent: dict[str, Any], withdrawn_at: str) -> dict[str, Any]:
    """The consent record a tombstone keeps: version and times, not the address it was given from."""
    return {
        "version": consent.get("version") or "",
        "accepted_at": consent.get("accepted_at") or "",
        "withdrawn_at": withdrawn_at,
    }


def retention_until(closed_on: date, years: int) -> date:
    """`closed_on` plus whole years; 29 February becomes 28 February in a common year."""
    try:
        return closed_on.replace(year=closed_on.year + years)
    except ValueError:
        return closed_on.replace(year=closed_on.year + years, day=28)


def tombstone_actions(user: UserItem, now: str) -> list[Any]:
    consent = user.consent.as_dict() if user.consent else {}
    attributes = UserItem.get_attributes()
    return [
        UserItem.status.set("closed"),
        UserItem.closed_at.set(now),
        UserItem.consent.set(withdrawn_consent(consent, now)),
        UserItem.token_version.add(1),
        *(attributes[name].remove() for name in TOMBSTONE_ERASES),
    ]


# --- retention markers in the cases table ----------------------------------------------------------


class RetentionItem(Model):
    """A kept case of a closed account: pk `RETAIN#<YYYY-MM of retain_until>`, sk the case's pk."""

    Meta = table_meta("cases")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    retain_until = UnicodeAttribute()  # ISO date
    files = string_list(default=list)  # S3 keys
    uploads = string_list(default=list)  # upload ids (UPLOAD#<id> records)


def retention_key(retain_until: date) -> str:
    return f"RETAIN#{retain_until:%Y-%m}"


@dataclass(frozen=True)
class ExportLink:
    url: str
    file_name: str
    expires_in: int
    size: int
    files: int
    files_not_included: int


@dataclass(frozen=True)
class _File:
    key: str
    name: str
    size: int
    upload_id: str
    case: str


def _plain(value: Any) -> Any:
    """PynamoDB values → JSON values."""
    if hasattr(value, "as_dict"):
        return _plain(value.as_dict())
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_plain(v) for v in value]
        return sorted(items) if isinstance(value, (set, frozenset)) else items
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def _iso_epoch(epoch: Any) -> str | None:
    return clock.iso(datetime.fromtimestamp(int(epoch), UTC)) if epoch is not None else None


def _zip_name(file: _File) -> str:
    safe = re.sub(r"[\\/:*?\"<>|\x00-\x1f]", "_", file.name)[:120] or "file"
    return f"files/{file.upload_id}-{safe}"


class PrivacyService:
    def __init__(self, repository: UserRepository | None = None, settings: Settings | None = None) -> None:
        self.users = repository or UserRepository()
        self.settings = settings or get_settings()

    # =============================================================================================
    # Export
    # =============================================================================================
    def export(self, principal: Principal) -> ExportLink:
        user = principal.user
        throttle.hit("data-export", user.user_id, EXPORTS_PER_HOUR, 3600)
        data, files = self.collect(user)
        included, omitted = _within_limits(files)
        data["files"] = [{"path": _zip_name(f), "name": f.name, "size": f.size, "case": f.case} for f in included]
        data["files_not_included"] = [
            {"name": f.name, "size": f.size, "case": f.case, "reason": "Превышен объём выгрузки"} for f in omitted
        ]
        export_id = secrets.token_hex(16)
        key = f"exports/{user.user_id}/{export_id}.zip"
        # On disk, not in memory: attachments may add up to EXPORT_MAX_FILE_BYTES.
        with tempfile.TemporaryFile() as archive:
            with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
                bundle.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2))
                for file in included:
                    # PDF, JPEG, PNG, ZIP, RAR are compressed already: stored, they cost no CPU time.
                    entry = zipfile.ZipInfo(_zip_name(file), date_time=clock.now().timetuple()[:6])
                    entry.compress_type = zipfile.ZIP_STORED
                    with bundle.open(entry, "w", force_zip64=True) as target:
                        storage.copy_to(file.key, target)
            size = archive.tell()
            archive.seek(0)
            storage.put_file(key, archive, "application/zip")
        seconds = self.settings.download_url_seconds
        name = f"kabinet-moi-dannye-{clock.now().astimezone(self.settings.tz):%Y-%m-%d}.zip"
        url = storage.presigned_get(key, "application/zip", f'attachment; filename="{name}"', seconds)
        logger.info("data export %s built for user %s (%d files)", export_id, user.user_id, len(included))
        return ExportLink(
            url=url, file_name=name, expires_in=seconds, size=size, files=len(included), files_not_included=len(omitted)
        )

    def collect(self, user: UserItem) -> tuple[dict[str, Any], list[_File]]:
        """Everything about the account, as data.json holds it, and the files that go beside it."""
        from chalicelib.metering.repository import ContractLinkItem, LinkItem, MeteringRepository

        uid = user.user_id
        profile = to_profile(user).model_dump(mode="json", exclude={"consent"})
        consent = user.consent.as_dict() if user.consent else {}
        now = clock.epoch(clock.now())
        sessions = [
            {
                "id": sid,
                "created_at": s.get("created"),
                "expires_at": _iso_epoch(s.get("expires")),
                "remember": bool(s.get("remember")),
            }
            for sid, s in sorted((user.sessions.as_dict() if user.sessions else {}).items())
            if int(s.get("expires", 0)) > now
        ]
        metering = MeteringRepository()
        items = metering.user_items(uid)
        contract_links = [i for i in items if isinstance(i, ContractLinkItem)]
        meter_links = [i for i in items if isinstance(i, LinkItem)]
        files: list[_File] = []
        appeals, requests_ = self._appeals(uid, files)
        data: dict[str, Any] = {
            "format": EXPORT_FORMAT,
            "generated_at": clock.iso(clock.now()),
            "operator": company().requisites.name,
            "account": {**profile, "status": user.status},
            "consent": {
                "version": consent.get("version"),
                "accepted_at": consent.get("accepted_at"),
                "ip": consent.get("ip"),
            },
            "sessions": sessions,
            "contracts": [
                {
                    "number": c.contract,
                    "holder_name": c.holder_name,
                    "right": c.right or "view",
                    "linked_at": c.linked_at,
                    "granted_by": _grant_source(c.granted_by),
                    "aiis_connected": bool(c.aiis_connected),
                    "objects": _plain(c.objects),
                }
                for c in sorted(contract_links, key=lambda c: c.contract)
            ],
            "meters": [
                {
                    "meter_id": m.link_meter,
                    "contract": m.contract,
                    "label": m.label,
                    "right": m.right or "view",
                    "linked_at": m.linked_at,
                    "meter": _plain(m.summary),
                }
                for m in sorted(meter_links, key=lambda m: m.link_meter)
            ],
            "readings": self._readings(metering, uid, [m.link_meter for m in meter_links]),
            "invitations_sent": self._invitations_sent(metering, uid, contract_links),
            "access_requests": self._access_requests(uid, files),
            "appeals": appeals,
            "service_requests": requests_,
            "connection_applications": self._applications(uid, files),
            "notifications": self._feed(uid),
            "outage_subscriptions": self._subscriptions(uid),
            "uploads": self._uploads(uid, files),
        }
        return data, files

    def _readings(self, metering: Any, uid: str, meter_ids: list[str]) -> list[dict[str, Any]]:
        """Readings this account submitted for the meters it is linked to, every period still stored."""
        out = []
        for meter_id in sorted(meter_ids):
            for reading in metering.readings(meter_id):
                if reading.submitted_by != uid:
                    continue
                out.append(
                    {
                        "meter_id": meter_id,
                        "period": reading.period,
                        "values": _plain(reading.values),
                        "consumption": _plain(reading.consumption),
                        "reading_date": reading.reading_date,
                        "submitted_at": reading.submitted_at,
                        "submitted_by_name": reading.submitted_by_name,
                    }
                )
        return out

    def _invitations_sent(self, metering: Any, uid: str, contract_links: list[Any]) -> list[dict[str, Any]]:
        out = []
        for link in contract_links:
            if link.right != "holder":
                continue
            _links, invitations = metering.people_of_contract(link.contract)
            out += [
                {
                    "contract": i.contract,
                    "email": i.email,
                    "right": i.right,
                    "created_at": i.created_at,
                    "expires_at": _iso_epoch(i.expires_at),
                }
                for i in invitations
                if i.invited_by == uid
            ]
        return out

    def _access_requests(self, uid: str, files: list[_File]) -> list[dict[str, Any]]:
        """Requests to the company for access to a contract (metering/access_requests.py), with their scans."""
        from chalicelib.metering.access_requests import AccessRequestRepository

        out = []
        for item in AccessRequestRepository().of_user(uid):
            out.append(
                {
                    "contract": item.contract,
                    "meter_serial": item.meter_serial,
                    "relation": item.relation,
                    "right": item.right,
                    "comment": item.comment,
                    "status": item.status,
                    "reason": item.reason,
                    "granted_right": item.granted_right,
                    "created_at": item.created_at,
                    "decided_at": item.decided_at,
                    "files": [f.name for f in item.files or []],
                }
            )
            for ref in item.files or []:
                files.append(
                    _File(ref.key, ref.name, int(ref.size), ref.id, f"запрос доступа к договору {item.contract}")
                )
        return out

    def _appeals(self, uid: str, files: list[_File]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        from chalicelib.appeals import views
        from chalicelib.appeals.repository import CaseRepository

        repo = CaseRepository()
        today = clock.now().astimezone(self.settings.tz).date()
        appeals: list[dict[str, Any]] = []
        requests_: list[dict[str, Any]] = []
        for summary in repo.of_owner(uid):
            case, history = repo.card(summary.kind, summary.case_id)
            if case is None or case.owner_id != uid:
                continue
            card = views.card(case, history, today).model_dump(mode="json")
            card.update(kind=case.kind, applicant_name=case.applicant_name, applicant_email=case.applicant_email)
            (appeals if case.kind == "appeal" else requests_).append(card)
            answer_files = list(case.answer.files) if case.answer is not None else []
            for ref in [*case.files, *answer_files]:
                files.append(_File(ref.key, ref.name, int(ref.size), ref.id, case.number))
        return appeals, requests_

    def _applications(self, uid: str, files: list[_File]) -> list[dict[str, Any]]:
        from chalicelib.connection import views
        from chalicelib.connection.repository import ConnectionRepository

        repo = ConnectionRepository()
        today = clock.now().astimezone(self.settings.tz).date()
        out = []
        for item in repo.of_owner(uid):
            record = repo.record(item.application_id)
            if record is None or record.application.owner_id != uid:
                continue
            out.append(views.card(record, self.settings.tz, today).model_dump(mode="json"))
            for document in record.documents:
                ref = views.file_of(document)
                files.append(_File(ref.key, ref.name, ref.size, ref.id, record.application.number or "черновик"))
        return out

    def _feed(self, uid: str) -> list[dict[str, Any]]:
        from chalicelib.notifications.repository import NotificationRepository

        return [
            {"created_at": n.created_at, "title": n.title, "body": n.body, "read": bool(n.read)}
            for n in NotificationRepository().all_notes(uid)
        ]

    def _subscriptions(self, uid: str) -> list[dict[str, Any]]:
        from chalicelib.outages.repository import OutageRepository

        return [
            {"locality": s.locality, "street": s.street_name, "house": s.house, "created_at": s.created_at}
            for s in OutageRepository().subscriptions(uid)
        ]

    def _uploads(self, uid: str, files: list[_File]) -> list[dict[str, Any]]:
        """Every upload record of the account (attached to a case or not), by its S3 prefix."""
        ids = [key.rsplit("/", 1)[-1] for key in storage.keys_under(f"uploads/{uid}/")]
        records = _uploads_by_id(ids)
        known = {f.key for f in files}
        out = []
        for record in sorted(records.values(), key=lambda r: r.created_at):
            if record.owner_id != uid:
                continue
            out.append(
                {
                    "id": record.upload_id,
                    "name": record.name,
                    "content_type": record.content_type,
                    "size": int(record.size),
                    "purpose": record.purpose,
                    "status": record.status,
                    "created_at": record.created_at,
                }
            )
            if record.status == "confirmed" and record.key not in known:  # not yet attached to a case
                files.append(_File(record.key, record.name, int(record.size), record.upload_id, ""))
        return out

    # =============================================================================================
    # Closing the account
    # =============================================================================================
    def close(self, principal: Principal, password: str) -> str:
        user = principal.user
        if principal.is_staff:
            raise forbidden("Учётную запись сотрудника закрывает администратор")
        throttle.hit("account-close", user.user_id, CLOSE_ATTEMPTS_PER_WINDOW, self.settings.auth_window_seconds)
        if not verify_password(user.password_hash, password):
            raise field_error("password", WRONG_PASSWORD)
        uid = user.user_id
        closed = clock.now()
        keep_until = retention_until(
            closed.astimezone(self.settings.tz).date(), self.settings.personal_data_retention_years
        )
        # 1. Every session and token ends now; the password check above stays the gate to what follows.
        if not self.users.update(
            user,
            [UserItem.token_version.add(1), UserItem.sessions.set({})],
            condition=(UserItem.password_hash == user.password_hash) & (UserItem.status == "active"),
        ):
            raise conflict("Учётная запись изменена в другом сеансе. Войдите снова и повторите")
        # 2. Contracts and meters, invitations and requests; readings lose the submitter's name.
        self._release_metering(uid)
        # 3. Outage subscriptions, the feed.
        from chalicelib.notifications.repository import NotificationRepository
        from chalicelib.outages.repository import OutageRepository

        OutageRepository().drop_subscriptions(uid)
        NotificationRepository().delete_feed(uid)
        # 4. Cases: kept and detached, drafts deleted; uploads not kept and exports deleted.
        kept = self._detach_cases(uid, keep_until)
        self._drop_uploads(uid)
        storage.delete_many(storage.keys_under(f"exports/{uid}/"))
        # 5. The tombstone, the claims and codes, and the letter to the address being erased.
        note = outbox.Notification(
            "account_closed",
            {
                "closed_on": closed.astimezone(self.settings.tz).strftime("%d.%m.%Y"),
                "retain_until": keep_until.strftime("%d.%m.%Y"),
            },
            email=user.email,
        )
        with (
            conflict_on_condition("Учётная запись изменена в другом сеансе. Войдите снова и повторите"),
            transaction() as tx,
        ):
            tx.update(
                user,
                actions=tombstone_actions(user, clock.iso(closed)),
                condition=(UserItem.status == "active") & (UserItem.password_hash == user.password_hash),
            )
            for kind, key in (("login", user.login_key), ("email", user.email_key), ("phone", user.phone_key)):
                tx.delete(
                    ClaimItem(claim_key(kind, key), "CLAIM"),
                    condition=ClaimItem.pk.does_not_exist() | (ClaimItem.user_id == uid),
                )
            tx.delete(ResetItem(user_key(uid), "RESET"))
            tx.delete(PhoneChangeItem(user_key(uid), "PHONE"))
            outbox.stage(tx, note)
        outbox.dispatch([note])
        logger.info("account %s closed; %d cases kept until %s", uid, kept, keep_until.isoformat())
        return (
            "Согласие отозвано, учётная запись закрыта. Персональные данные удалены; обращения и заявки "
            f"хранятся без привязки к учётной записи до {keep_until:%d.%m.%Y}. Подтверждение отправлено "
            "на Ваш адрес электронной почты."
        )

    def _release_metering(self, uid: str) -> None:
        from chalicelib.metering.access import stage_revoke, user_ref
        from chalicelib.metering.repository import ContractLinkItem, LinkItem, MeteringRepository

        metering = MeteringRepository()
        items = metering.user_items(uid)
        contract_links = [i for i in items if isinstance(i, ContractLinkItem)]
        meter_links = [i for i in items if isinstance(i, LinkItem)]
        for meter_id in sorted({m.link_meter for m in meter_links}):
            metering.forget_submitter(meter_id, uid, SUBMITTER_CLOSED)
        for link in contract_links:
            if link.right == "holder":
                sent = [i for i in metering.people_of_contract(link.contract)[1] if i.invited_by == uid]
                metering.delete_raw([(i.pk, i.sk) for i in sent])
            with transaction() as tx:
                stage_revoke(tx, user_ref(uid), link, [m for m in meter_links if m.contract == link.contract])
        # Declared meters, and meters of a contract the account is not linked to: just the links.
        linked = {c.contract for c in contract_links}
        metering.delete_links([m for m in meter_links if m.contract not in linked])
        # Requests to the company for access, pending or decided (their scans go with the uploads).
        from chalicelib.metering.access_requests import AccessRequestRepository

        metering.delete_raw([(r.pk, r.sk) for r in AccessRequestRepository().of_user(uid)])

    def _detach_cases(self, uid: str, keep_until: date) -> int:
        """Keep every filed case without its login; delete unsubmitted connection drafts. Returns how
        many cases are kept."""
        from chalicelib.appeals.repository import CaseItem, CaseRepository
        from chalicelib.connection.repository import ApplicationItem, ConnectionRepository

        cases = RetentionRepository()
        ttl = clock.epoch(datetime.combine(keep_until, datetime.min.time(), UTC) + TTL_GRACE)
        kept = 0
        appeals = CaseRepository()
        for summary in appeals.of_owner(uid):
            case, _history = appeals.card(summary.kind, summary.case_id)
            if case is None:
                continue
            refs = [*case.files, *(case.answer.files if case.answer is not None else [])]
            kept += 1
            cases.retain(case, CaseItem, uid, keep_until, ttl, [r.key for r in refs], [r.id for r in refs])
        connection = ConnectionRepository()
        from chalicelib.connection import views

        for item in connection.of_owner(uid):
            record = connection.record(item.application_id)
            if record is None:
                continue
            documents = [views.file_of(d) for d in record.documents]
            if record.application.status == "draft":
                # Never filed: no law keeps it.
                cases.drop_partition(record.application.pk)
                storage.delete_many([d.key for d in documents])
                cases.drop_uploads([d.id for d in documents])
                continue
            kept += 1
            cases.retain(
                record.application,
                ApplicationItem,
                uid,
                keep_until,
                ttl,
                [d.key for d in documents],
                [d.id for d in documents],
            )
        return kept

    def _drop_uploads(self, uid: str) -> None:
        """The account's uploads except those attached to a case (kept; drafts are gone by now): never
        attached, or attached to an access request. Read from the records, so a repeated close keeps the
        files of cases an earlier attempt already detached."""
        keys = storage.keys_under(f"uploads/{uid}/")
        records = _uploads_by_id([key.rsplit("/", 1)[-1] for key in keys])
        kept = {
            r.key for r in records.values() if r.status == "attached" and (r.attached_to or "").startswith(CASE_KEYS)
        }
        RetentionRepository().drop_uploads([r.upload_id for r in records.values() if r.key not in kept])
        storage.delete_many([key for key in keys if key not in kept])

    # =============================================================================================
    # Retention
    # =============================================================================================
    def sweep_retention(self) -> int:
        """Run with the attachments sweep: delete kept cases (items and files) whose retention date has come."""
        today = clock.now().astimezone(self.settings.tz).date()
        repo = RetentionRepository()
        removed = 0
        month = date(today.year, today.month, 1)
        for _ in range(SWEEP_MONTHS_BACK + 1):
            for marker in repo.markers(f"RETAIN#{month:%Y-%m}"):
                if date.fromisoformat(marker.retain_until) > today:
                    continue
                storage.delete_many(list(marker.files))
                repo.drop_uploads(list(marker.uploads))
                repo.drop_partition(marker.sk)
                marker.delete()
                removed += 1
            month = (month - timedelta(days=1)).replace(day=1)
        if removed:
            logger.info("retention sweep deleted %d cases of closed accounts", removed)
        return removed


class RetentionRepository:
    """Writes to the cases table that span its kinds of items: detaching, TTL, markers, deletion."""

    def _client(self) -> Any:
        return RetentionItem._get_connection().connection.client

    def partition(self, pk: str) -> list[dict[str, Any]]:
        keys, start = [], None
        while True:
            args: dict[str, Any] = {
                "TableName": RetentionItem.Meta.table_name,
                "KeyConditionExpression": "pk = :pk",
                "ExpressionAttributeValues": {":pk": {"S": pk}},
                "ProjectionExpression": "pk, sk",
                "ConsistentRead": True,
            }
            if start:
                args["ExclusiveStartKey"] = start
            page = self._client().query(**args)
            keys += page.get("Items", [])
            start = page.get("LastEvaluatedKey")
            if not start:
                return keys

    def retain(
        self,
        case: Any,
        model: type[Model],
        uid: str,
        keep_until: date,
        ttl: int,
        file_keys: list[str],
        upload_ids: list[str],
    ) -> None:
        """Give every item of the case's partition, and its upload records, the retention date; then detach
        the case from the account and write its marker, conditional on it still being the account's. In
        this order a repeated close finds a case an interrupted one left attached and finishes it."""
        keys = [(i["pk"]["S"], i["sk"]["S"]) for i in self.partition(case.pk)]
        keys += [(upload_key(u), "UPLOAD") for u in upload_ids]
        for pk, sk in keys:
            try:
                self._client().update_item(
                    TableName=RetentionItem.Meta.table_name,
                    Key={"pk": {"S": pk}, "sk": {"S": sk}},
                    UpdateExpression="SET #ttl = :ttl, retain_until = :until",
                    ConditionExpression="attribute_exists(pk)",  # an upload record may be gone: do not create one
                    ExpressionAttributeNames={"#ttl": "ttl"},
                    ExpressionAttributeValues={":ttl": {"N": str(ttl)}, ":until": {"S": keep_until.isoformat()}},
                )
            except self._client().exceptions.ConditionalCheckFailedException:
                pass
        marker = RetentionItem(
            retention_key(keep_until), case.pk, retain_until=keep_until.isoformat(), files=file_keys, uploads=upload_ids
        )
        try:
            with transaction() as tx:
                attributes = model.get_attributes()  # both kinds of case have these two
                owner_pk, owner_id = attributes["owner_pk"], attributes["owner_id"]
                tx.update(case, actions=[owner_pk.set(f"CLOSED#{uid}"), owner_id.set("")], condition=owner_id == uid)
                tx.save(marker)
        except TransactWriteError as exc:
            if not is_conditional_failure(exc):
                raise

    def drop_partition(self, pk: str) -> None:
        self._delete([(i["pk"]["S"], i["sk"]["S"]) for i in self.partition(pk)])

    def drop_uploads(self, upload_ids: Iterable[str]) -> None:
        self._delete([(upload_key(u), "UPLOAD") for u in upload_ids])

    def _delete(self, keys: list[tuple[str, str]]) -> None:
        table = RetentionItem.Meta.table_name

        def delete(pending: list[dict[str, Any]]) -> list[dict[str, Any]]:
            answer = self._client().batch_write_item(RequestItems={table: pending})
            return list(answer.get("UnprocessedItems", {}).get(table, []))

        for start in range(0, len(keys), 25):
            until_processed(
                delete,
                [{"DeleteRequest": {"Key": {"pk": {"S": pk}, "sk": {"S": sk}}}} for pk, sk in keys[start : start + 25]],
            )

    def markers(self, pk: str) -> list[RetentionItem]:
        return list(RetentionItem.query(pk))


def _uploads_by_id(ids: list[str]) -> dict[str, UploadItem]:
    found: dict[str, UploadItem] = {}
    for start in range(0, len(ids), 100):
        keys = [(upload_key(i), "UPLOAD") for i in ids[start : start + 100]]
        found.update({u.upload_id: u for u in UploadItem.batch_get(keys, consistent_read=True)})
    return found


def _grant_source(granted_by: str | None) -> str | None:
    """ "invitation:<id>" / "staff:<id>" name other accounts: the export says only how access came."""
    return granted_by.split(":", 1)[0] if granted_by else None


def _within_limits(files: list[_File]) -> tuple[list[_File], list[_File]]:
    included: list[_File] = []
    omitted: list[_File] = []
    total, seen = 0, set[str]()
    for file in files:
        if file.key in seen:
            continue
        seen.add(file.key)
        if len(included) < EXPORT_MAX_FILES and total + file.size <= EXPORT_MAX_FILE_BYTES:
            included.append(file)
            total += file.size
        else:
            omitted.append(file)
    return included, omitted
