"""АИИС КУЭ: interval data, registers, event journals and relay state delivered by edge agents.

Three parts over one storage layer; a part imports `storage` and its own modules, never another part
(tests/unit/test_aiis_layers.py checks it):
- `storage/` — the `aiis` table (`repository.py`), the `agents` table (`agents_repository.py`) and the
  day layout of slots and totals they store (`days.py`).
- `ingestion/` — the cloud side of edge-agent/docs/upload-protocol.md: signed agent uploads
  (`api.py`, `ingest.py`), records checked one by one (`records.py`), days merged, parked records.
- `reads/` — what consumers see: registers, profile, charts, readings, events, relay, CSV files
  (`api.py`, `reader.py`), and connecting the service to a contract (`contracts.py`).
- `admin/` — the staff console: agents registered, renamed, disabled, given meters, their secret
  rotated (`agents.py`), and АТС 80020 exports (`exports.py`); the staff routes in `staff_api.py`.
"""
