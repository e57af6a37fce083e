"""Agent uploads (edge-agent/docs/upload-protocol.md): signed batches and heartbeats.

Public: `api` (routes), `ingest` (AgentAuthenticator, BatchIngest, record_heartbeat) and `signing` (the
signature both sides compute); `records` and `models` are this part's own.
"""
