"""The `agents` table: edge agents (УСПД) and which meter each may write.

- `AGENT#<id>` / `AGENT`: the signing key's digest (hex SHA-256 of the secret — the agent signs
  with that digest, so the secret itself is never stored) and, for a while after a rotation, the
  previous one; the assigned meters (serial → {meter_id, contract, point_code, coefficient}, copies
  of billing's that follow it), and what the last heartbeat said. `revision` guards
  concurrent staff edits. Listed for staff through the sparse `listing` index (`AGENTS`).
- `METER#<meter id>` / `ASSIGNMENT`: the one agent a meter belongs to (a conditional put keeps a
  meter from being assigned twice), with its АТС point code; those with a code are listed under
  `POINTS` in `listing`, which is how an 80020 export finds meters by point code.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pynamodb.attributes import BooleanAttribute, MapAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.expressions.update import Action
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.core.dynamo import is_conditional_failure, table_meta, transaction

AGENTS_LIST = "AGENTS"
POINTS_LIST = "POINTS"


def agent_key(agent_id: str) -> str:
    return f"AGENT#{agent_id}"


def assignment_key(meter_id: str) -> str:
    return f"METER#{meter_id}"


_M = TypeVar("_M", bound=Model)


class _Listing(GlobalSecondaryIndex[_M]):
    """One index for both kinds of item: agents under `AGENTS`, points under `POINTS`."""

    class Meta:
        index_name = "listing"
        projection = AllProjection()

    list_pk = UnicodeAttribute(hash_key=True)
    list_sk = UnicodeAttribute(range_key=True)


class AgentItem(Model):
    Meta = table_meta("agents")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default="AGENT")
    agent_id = UnicodeAttribute()
    name = UnicodeAttribute()
    key_digest = UnicodeAttribute()
    previous_key_digest = UnicodeAttribute(null=True)
    previous_key_valid_until = UnicodeAttribute(null=True)
    enabled = BooleanAttribute(default=True)
    # serial -> {"meter_id", "contract", "point_code", "coefficient"}
    meters: MapAttribute[str, Any] = MapAttribute(default=dict)
    revision = NumberAttribute(default=1)
    created_at = UnicodeAttribute()
    key_rotated_at = UnicodeAttribute()
    last_contact_at = UnicodeAttribute(null=True)
    agent_time = UnicodeAttribute(null=True)
    clock_skew_s = NumberAttribute(null=True)  # agent clock minus server clock at the last heartbeat
    agent_version = UnicodeAttribute(null=True)
    backlog = NumberAttribute(null=True)
    # serial -> {"last_read_at", "last_error", "clock_drift_s"}
    meter_status: MapAttribute[str, Any] = MapAttribute(default=dict)
    list_pk = UnicodeAttribute(default=AGENTS_LIST)
    list_sk = UnicodeAttribute()

    listing: _Listing[AgentItem] = _Listing()


class AssignmentItem(Model):
    Meta = table_meta("agents")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default="ASSIGNMENT")
    meter_id = UnicodeAttribute()
    agent_id = UnicodeAttribute()
    serial = UnicodeAttribute()
    contract = UnicodeAttribute()
    point_code = UnicodeAttribute(null=True)
    point_name = UnicodeAttribute()
    list_pk = UnicodeAttribute(null=True)
    list_sk = UnicodeAttribute(null=True)

    listing: _Listing[AssignmentItem] = _Listing()


class AgentsRepository:
    def get(self, agent_id: str) -> AgentItem | None:
        # Consistent: a disabled agent or a rotated key must stop working at once.
        try:
            return AgentItem.get(agent_key(agent_id), "AGENT", consistent_read=True)
        except AgentItem.DoesNotExist:
            return None

    def end_key_grace(self, agent: AgentItem) -> None:
        """Forget the previous key, unless the key changed again meanwhile."""
        try:
            agent.update(
                actions=[AgentItem.previous_key_digest.remove(), AgentItem.previous_key_valid_until.remove()],
                condition=AgentItem.key_digest == agent.key_digest,
            )
        except UpdateError as exc:
            if not is_conditional_failure(exc):
                raise

    def follow_billing(self, meter_id: str, coefficient: str, point_code: str | None) -> bool:
        """Billing changed a meter's calculation coefficient or АТС point code: the assigned agent's copy
        follows, so the next intervals are multiplied right and exports find the point. False when no
        agent has the meter (or it was moved meanwhile: the new assignment read billing afresh)."""
        try:
            assignment = AssignmentItem.get(assignment_key(meter_id), "ASSIGNMENT", consistent_read=True)
        except AssignmentItem.DoesNotExist:
            return False
        entry = AgentItem.meters[assignment.serial]
        code_actions: list[Action] = (
            [
                AssignmentItem.point_code.set(point_code),
                AssignmentItem.list_pk.set(POINTS_LIST),
                AssignmentItem.list_sk.set(point_code),
            ]
            if point_code
            else [AssignmentItem.point_code.remove(), AssignmentItem.list_pk.remove(), AssignmentItem.list_sk.remove()]
        )
        try:
            with transaction() as tx:
                tx.update(
                    AgentItem(agent_key(assignment.agent_id), "AGENT"),
                    actions=[
                        entry["coefficient"].set(coefficient),
                        entry["point_code"].set(point_code),
                        AgentItem.revision.add(1),
                    ],
                    condition=entry["meter_id"] == meter_id,
                )
                tx.update(assignment, actions=code_actions, condition=AssignmentItem.agent_id == assignment.agent_id)
        except TransactWriteError as exc:
            if is_conditional_failure(exc):
                return False
            raise
        return True

    def all(self) -> list[AgentItem]:
        return list(AgentItem.listing.query(AGENTS_LIST))

    def points(self) -> list[AssignmentItem]:
        return list(AssignmentItem.listing.query(POINTS_LIST))
