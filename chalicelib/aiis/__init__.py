"""АИИС КУЭ: interval data, registers, event journals and relay state delivered by edge agents.

Ingestion (`ingest_api`, `ingest`) implements the cloud side of edge-agent/docs/upload-protocol.md;
consumers read through `api`/`reader`; staff manage agents (`agents`) and export АТС 80020 files.
Storage layout: docs in `repository.py` (table `aiis`) and `agents_repository.py` (table `agents`).
"""
