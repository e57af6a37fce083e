"""Routes of `agents/...`: what edge agents (УСПД) upload (edge-agent/docs/upload-protocol.md).

Public at the wrapper level — there is no user — and authenticated by the request signature
instead. Bodies are gzip and signed as sent, hence `raw_body`.
"""

from __future__ import annotations

from typing import Any

from chalicelib.core.web import ApiBlueprint, Request

from .models import BatchAnswer, BatchDoc, Heartbeat, HeartbeatAnswer

api = ApiBlueprint(__name__, tag="Агенты УСПД")

_ERRORS = (400, 401, 403, 413, 429)


def _signed(req: Request) -> Any:
    from .ingest import SignedRequest

    return SignedRequest.from_headers(req.headers, (req.path, req.route_path), req.body or b"")


@api.route(
    "/agents/{agent_id}/batches",
    "POST",
    access="public",
    raw_body=True,
    body=BatchDoc,
    response=BatchAnswer,
    errors=_ERRORS,
    summary="Пакет записей агента (показания, профиль, события, реле): подписан, сжат gzip, идемпотентен",
)
def batches(req: Request, agent_id: str) -> dict[str, Any]:
    from .ingest import AgentAuthenticator, BatchIngest

    request = _signed(req)
    agent, body = AgentAuthenticator().authenticate(agent_id, request)
    return BatchIngest().receive(agent, request.idempotency_key, body)


@api.route(
    "/agents/{agent_id}/heartbeat",
    "POST",
    access="public",
    raw_body=True,
    body=Heartbeat,
    response=HeartbeatAnswer,
    errors=_ERRORS,
    summary="Сигнал «агент на связи»: очередь, версия, состояние опроса и часы счётчиков",
)
def heartbeat(req: Request, agent_id: str) -> dict[str, str]:
    from .ingest import AgentAuthenticator, record_heartbeat

    agent, body = AgentAuthenticator().authenticate(agent_id, _signed(req))
    return record_heartbeat(agent, body)
