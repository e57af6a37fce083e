"""Log lines a field technician can read: Russian, one line per event, local time with offset, and
the meter's serial and port in every line about a meter (other lines name their component)."""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from datetime import datetime
from typing import IO, TYPE_CHECKING, Any

LOGGER = "kabinet_agent"

_LEVELS = {
    logging.DEBUG: "ОТЛАДКА",
    logging.INFO: "ИНФО",
    logging.WARNING: "ВНИМАНИЕ",
    logging.ERROR: "ОШИБКА",
    logging.CRITICAL: "АВАРИЯ",
}


class FieldFormatter(logging.Formatter):
    def __init__(self, tracebacks: bool) -> None:
        super().__init__()
        self.tracebacks = tracebacks

    def format(self, record: logging.LogRecord) -> str:
        stamp = datetime.fromtimestamp(record.created).astimezone().strftime("%Y-%m-%d %H:%M:%S%z")
        level = _LEVELS.get(record.levelno, record.levelname)
        where = getattr(record, "where", None) or "агент"
        text = record.getMessage()
        if record.exc_info and self.tracebacks:
            text = f"{text} {self.formatException(record.exc_info)}"
        # journald and grep both work per line: fold anything multi-line (tracebacks, meter texts).
        text = " | ".join(part for part in text.replace("\r", "\n").split("\n") if part.strip())
        return f"{stamp} {level:<8} [{where}] {text}"


# A logger that names where it logs from (the log's `where`). LoggerAdapter is generic for the type checker
# only: at run time from Python 3.11, and the agent runs on 3.9.
if TYPE_CHECKING:
    Log = logging.LoggerAdapter[logging.Logger]
else:
    Log = logging.LoggerAdapter


class _Where(Log):
    def __init__(self, logger: logging.Logger, where: str) -> None:
        super().__init__(logger, {"where": where})
        self.where = where

    def process(self, msg: Any, kwargs: MutableMapping[str, Any]) -> tuple[Any, MutableMapping[str, Any]]:
        kwargs["extra"] = {**(kwargs.get("extra") or {}), "where": self.where}
        return msg, kwargs


def meter_log(serial: str, port: str) -> Log:
    return _Where(logging.getLogger(f"{LOGGER}.meter"), f"ПУ {serial} {port}")


def component_log(name: str) -> Log:
    return _Where(logging.getLogger(f"{LOGGER}.{name}"), name)


def setup_logging(verbose: bool, stream: IO[str] | None = None) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(FieldFormatter(tracebacks=verbose))
    root = logging.getLogger(LOGGER)
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    root.propagate = False
