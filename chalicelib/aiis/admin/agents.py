"""Staff management of edge agents: register one (its secret is shown once), list them with their
health, choose the meters each may write, rotate the secret, disable. Every change is audited in
the same transaction as the change itself.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.update import Action

from chalicelib.accounts.principal import Principal
from chalicelib.aiis.storage.agents_repository import (
    POINTS_LIST,
    AgentItem,
    AgentsRepository,
    AssignmentItem,
    agent_key,
    assignment_key,
)
from chalicelib.core import audit, clock
from chalicelib.core.config import Settings, get_settings
from chalicelib.core.dynamo import conflict_on_condition, transaction
from chalicelib.core.errors import ApiError, FieldError, conflict, not_found, validation_error
from chalicelib.metering.repository import MeteringRepository, contract_key

from .models import (
    AgentCreate,
    AgentCreated,
    AgentList,
    AgentMeterOut,
    AgentMetersIn,
    AgentOut,
    AgentPatch,
    AgentRotate,
    AgentSecret,
    MeterRef,
)

SECRET_BYTES = 32
# A transaction holds 100 items: the agent, the audit record and the assignments that change.
MAX_CHANGES = 98
AGENT_NOT_FOUND = "Агент не найден"
STALE = "Агента изменил другой сотрудник. Обновите страницу и повторите"
EXISTS = "Агент с таким идентификатором уже зарегистрирован"
TAKEN = "Счётчик уже закреплён за другим агентом: сначала снимите его там"
# Named here: inside AgentAdmin, `list` is its method.
Actions = list[Action]


@dataclass(frozen=True)
class Planned:
    """A meter as it will be assigned."""

    meter_id: str
    serial: str
    contract: str
    point_code: str | None
    point_name: str
    coefficient: str

    def info(self) -> dict[str, Any]:
        return {
            "meter_id": self.meter_id,
            "contract": self.contract,
            "point_code": self.point_code,
            "coefficient": self.coefficient,
        }


def new_secret() -> tuple[str, str]:
    """(secret as hex for the agent's key file, hex SHA-256 of it — the signing key we keep)."""
    secret = secrets.token_bytes(SECRET_BYTES)
    return secret.hex(), hashlib.sha256(secret).hexdigest()


class AgentAdmin:
    def __init__(
        self,
        agents: AgentsRepository | None = None,
        metering: MeteringRepository | None = None,
        settings: Settings | None = None,
    ) -> None:
        self.agents = agents or AgentsRepository()
        self.metering = metering or MeteringRepository()
        self.settings = settings or get_settings()

    def _agent(self, agent_id: str) -> AgentItem:
        agent = self.agents.get(agent_id)
        if agent is None:
            raise not_found(AGENT_NOT_FOUND)
        return agent

    def list(self) -> AgentList:
        now = clock.now()
        return AgentList(agents=[self.out(a, now) for a in sorted(self.agents.all(), key=lambda a: a.agent_id)])

    def create(self, actor: Principal, body: AgentCreate) -> AgentCreated:
        planned = self._resolve(body.meters)
        secret, digest = new_secret()
        now = clock.iso(clock.now())
        agent = AgentItem(
            agent_key(body.id),
            "AGENT",
            agent_id=body.id,
            name=body.name,
            key_digest=digest,
            enabled=True,
            meters={},
            revision=1,
            created_at=now,
            key_rotated_at=now,
            list_sk=body.id,
        )
        self._assign(actor, agent, planned, "agent.create", {"name": body.name, "meters": len(planned)}, create=True)
        return AgentCreated(agent=self.out(self._agent(body.id), clock.now()), secret=secret)

    def get(self, agent_id: str) -> AgentOut:
        return self.out(self._agent(agent_id), clock.now())

    def _editable(self, agent_id: str, seen_revision: int | None) -> AgentItem:
        """The agent, unless it changed since the staff member's page showed revision `seen_revision`."""
        agent = self._agent(agent_id)
        if seen_revision is not None and seen_revision != agent.revision:
            raise conflict(STALE)
        return agent

    def set_meters(self, actor: Principal, agent_id: str, body: AgentMetersIn) -> AgentOut:
        agent = self._editable(agent_id, body.revision)
        planned = self._resolve(body.meters)
        self._assign(actor, agent, planned, "agent.meters", {"meters": len(planned)}, create=False)
        return self.out(self._agent(agent_id), clock.now())

    def patch(self, actor: Principal, agent_id: str, body: AgentPatch) -> AgentOut:
        agent = self._editable(agent_id, body.revision)
        actions: Actions = [AgentItem.revision.add(1)]
        details: dict[str, Any] = {}
        if body.name is not None:
            actions.append(AgentItem.name.set(body.name))
            details["name"] = body.name
        if body.enabled is not None:
            actions.append(AgentItem.enabled.set(body.enabled))
            details["enabled"] = body.enabled
        self._update(actor, agent, actions, "agent.update", details)
        return self.out(self._agent(agent_id), clock.now())

    def rotate(self, actor: Principal, agent_id: str, body: AgentRotate) -> AgentSecret:
        """A new secret. The old one keeps working for `keep_previous_hours` (0 when it leaked), so the
        concentrator goes on delivering until a technician has replaced its key file; the first
        request signed with the new key ends that grace at once."""
        agent = self._agent(agent_id)
        secret, digest = new_secret()
        now = clock.now()
        valid_until = clock.iso(now + timedelta(hours=body.keep_previous_hours)) if body.keep_previous_hours else None
        grace = (
            [AgentItem.previous_key_digest.set(agent.key_digest), AgentItem.previous_key_valid_until.set(valid_until)]
            if valid_until
            else [AgentItem.previous_key_digest.remove(), AgentItem.previous_key_valid_until.remove()]
        )
        self._update(
            actor,
            agent,
            [
                AgentItem.key_digest.set(digest),
                AgentItem.key_rotated_at.set(clock.iso(now)),
                *grace,
                AgentItem.revision.add(1),
            ],
            "agent.rotate_secret",
            {"keep_previous_hours": body.keep_previous_hours},
        )
        return AgentSecret(agent_id=agent_id, secret=secret, previous_valid_until=valid_until)

    def _update(
        self, actor: Principal, agent: AgentItem, actions: Actions, action: str, details: dict[str, Any]
    ) -> None:
        with conflict_on_condition(STALE), transaction() as tx:
            tx.update(agent, actions=actions, condition=AgentItem.revision == agent.revision)
            audit.record(tx, actor, action, "agent", agent.agent_id, details)

    # --- assignments ----------------------------------------------------------------------------

    def _resolve(self, refs: Sequence[MeterRef]) -> dict[str, Planned]:
        """Meters by (contract, serial), one Query pair per contract; problems reported by position."""
        found: dict[tuple[str, str], Planned] = {}
        contracts = set()
        for contract in sorted({ref.contract for ref in refs}):
            item, objects = self.metering.contract_with_objects(contract)
            if item is not None:
                contracts.add(contract)
            names = {o.object_id: o.name for o in objects}
            for meter in self.metering.meters_of(contract_key(contract)):
                name = f"{names.get(meter.object_id or '', 'Объект')}, ПУ {meter.serial}"[:200]
                found[(contract, meter.serial.upper())] = Planned(
                    meter.meter_id, meter.serial, contract, meter.point_code, name, meter.coefficient
                )
        planned: dict[str, Planned] = {}
        errors = []
        for index, ref in enumerate(refs):
            match = found.get((ref.contract, ref.serial.upper()))
            if ref.contract not in contracts:
                errors.append(FieldError(f"meters.{index}.contract", "Договор с таким номером не найден"))
            elif match is None:
                errors.append(FieldError(f"meters.{index}.serial", "В договоре нет счётчика с таким номером"))
            elif match.serial.upper() in planned:
                # The agent names meters by serial only, so two of its meters cannot share one.
                errors.append(FieldError(f"meters.{index}.serial", "Счётчик с таким номером у агента уже есть"))
            else:
                planned[match.serial.upper()] = match
        if errors:
            raise validation_error(errors)
        return planned

    def _assign(
        self,
        actor: Principal,
        agent: AgentItem,
        planned: dict[str, Planned],
        action: str,
        details: dict[str, Any],
        create: bool,
    ) -> None:
        current = {info["meter_id"]: info for info in agent.meters.as_dict().values()}
        wanted = {p.meter_id: p for p in planned.values()}
        saves = [p for p in wanted.values() if current.get(p.meter_id) != p.info()]
        removals = [meter_id for meter_id in current if meter_id not in wanted]
        if len(saves) + len(removals) > MAX_CHANGES:
            raise ApiError(
                f"За один раз можно изменить не больше {MAX_CHANGES} счётчиков агента",
                status=422,
                code="too_many_changes",
            )
        meters = {p.serial: p.info() for p in planned.values()}
        try:
            with transaction() as tx:
                if create:
                    agent.meters = meters
                    tx.save(agent, condition=AgentItem.pk.does_not_exist())
                else:
                    tx.update(
                        agent,
                        actions=[AgentItem.meters.set(meters), AgentItem.revision.add(1)],
                        condition=AgentItem.revision == agent.revision,
                    )
                for p in saves:
                    tx.save(
                        AssignmentItem(
                            assignment_key(p.meter_id),
                            "ASSIGNMENT",
                            meter_id=p.meter_id,
                            agent_id=agent.agent_id,
                            serial=p.serial,
                            contract=p.contract,
                            point_code=p.point_code,
                            point_name=p.point_name,
                            list_pk=POINTS_LIST if p.point_code else None,
                            list_sk=p.point_code,
                        ),
                        condition=AssignmentItem.pk.does_not_exist() | (AssignmentItem.agent_id == agent.agent_id),
                    )
                for meter_id in removals:
                    tx.delete(
                        AssignmentItem(assignment_key(meter_id), "ASSIGNMENT"),
                        condition=AssignmentItem.agent_id == agent.agent_id,
                    )
                audit.record(tx, actor, action, "agent", agent.agent_id, details)
        except TransactWriteError as exc:
            failed = {
                i
                for i, r in enumerate(exc.cancellation_reasons or [])
                if getattr(r, "code", None) == "ConditionalCheckFailed"
            }
            if not failed:
                raise
            # PynamoDB sends deletes, then puts, then updates, whatever order they were added in.
            first_save = len(removals) + (1 if create else 0)
            agent_index = len(removals) if create else first_save + len(saves) + 1
            if agent_index in failed:
                raise conflict(EXISTS if create else STALE) from None
            taken = {saves[i - first_save].serial.upper() for i in failed if first_save <= i < first_save + len(saves)}
            if not taken:  # a meter being removed was moved by someone else meanwhile
                raise conflict(STALE) from None
            positions = [n for n, serial in enumerate(planned) if serial in taken]
            raise conflict(TAKEN, [FieldError(f"meters.{n}.serial", TAKEN) for n in positions]) from None

    # --- presentation ---------------------------------------------------------------------------

    def out(self, agent: AgentItem, now: datetime) -> AgentOut:
        status = agent.meter_status.as_dict() if agent.meter_status else {}
        status_by_serial = {serial.upper(): value for serial, value in status.items()}
        limit = self.settings.aiis_clock_drift_alarm_s
        meters = []
        for serial, info in sorted(agent.meters.as_dict().items()):
            polled = status_by_serial.get(serial.upper()) or {}
            drift = polled.get("clock_drift_s")
            meters.append(
                AgentMeterOut(
                    serial=serial,
                    meter_id=info["meter_id"],
                    contract=info["contract"],
                    point_code=info.get("point_code"),
                    coefficient=info.get("coefficient") or "1",
                    last_read_at=polled.get("last_read_at"),
                    last_error=polled.get("last_error"),
                    clock_drift_s=float(drift) if drift is not None else None,
                    drift_alarm=drift is not None and abs(float(drift)) > limit,
                )
            )
        assigned = {serial.upper() for serial in agent.meters.as_dict()}
        contact = agent.last_contact_at
        overdue = contact is None or now - datetime.fromisoformat(contact.replace("Z", "+00:00")) > timedelta(
            minutes=self.settings.aiis_agent_overdue_minutes
        )
        grace_until = agent.previous_key_valid_until if agent.previous_key_digest else None
        return AgentOut(
            id=agent.agent_id,
            name=agent.name,
            enabled=bool(agent.enabled),
            revision=int(agent.revision),
            created_at=agent.created_at,
            key_rotated_at=agent.key_rotated_at,
            previous_key_valid_until=grace_until if grace_until and grace_until > clock.iso(now) else None,
            last_contact_at=contact,
            overdue=overdue,
            agent_time=agent.agent_time,
            clock_skew_s=float(agent.clock_skew_s) if agent.clock_skew_s is not None else None,
            version=agent.agent_version,
            backlog=int(agent.backlog) if agent.backlog is not None else None,
            meters=meters,
            unassigned_serials=sorted(s for s in status if s.upper() not in assigned),
        )
