"""Log lines for field technicians, `--verbose` frame dumps, and Python 3.9 compatibility."""

from __future__ import annotations

import ast
import io
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from kabinet_agent.hexdump import HexDumpTransport, hex_line
from kabinet_agent.logs import component_log, meter_log, setup_logging
from kabinet_agent.protocols.base import Transport

PACKAGE = Path(__file__).resolve().parents[1] / "kabinet_agent"
LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d[+-]\d{4} (ИНФО|ВНИМАНИЕ|ОШИБКА|ОТЛАДКА)\s+\[(.+?)\] (.+)$")


class LoopTransport(Transport):
    def __init__(self) -> None:
        self.buffer = b""

    def write(self, data: bytes) -> None:
        self.buffer += data

    def read(self, size: int, timeout: float) -> bytes:
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def set_baudrate(self, baudrate: int) -> None:
        pass


@pytest.fixture(autouse=True)
def restore_package_logger() -> Iterator[None]:
    # setup_logging reconfigures the package logger; other tests rely on it propagating to caplog.
    logger = logging.getLogger("kabinet_agent")
    saved = (list(logger.handlers), logger.level, logger.propagate)
    yield
    logger.handlers[:], logger.level, logger.propagate = saved


def capture(verbose: bool) -> io.StringIO:
    stream = io.StringIO()
    setup_logging(verbose, stream)
    return stream


def test_one_russian_line_per_event_with_meter_and_port() -> None:
    stream = capture(verbose=False)
    meter_log("012345", "/dev/ttyUSB0").error("Опрос не удался: %s", "ошибка обмена: ответ\nоборван")
    component_log("выгрузка").info("Пакет доставлен")
    meter_log("012345", "/dev/ttyUSB0").debug("не видно без --verbose")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    first, second = (LINE.match(line) for line in lines)
    assert first and first.group(1) == "ОШИБКА" and first.group(2) == "ПУ 012345 /dev/ttyUSB0"
    assert first.group(3) == "Опрос не удался: ошибка обмена: ответ | оборван"
    assert second and second.groups() == ("ИНФО", "выгрузка", "Пакет доставлен")


def test_tracebacks_only_in_verbose_mode_and_still_one_line() -> None:
    for verbose in (False, True):
        stream = capture(verbose)
        try:
            raise ValueError("сломалось")
        except ValueError:
            meter_log("1", "COM1").error("Внутренняя ошибка", exc_info=True)
        [line] = stream.getvalue().splitlines()
        assert ("Traceback" in line) is verbose


def test_verbose_hex_dumps_frames() -> None:
    stream = capture(verbose=True)
    loop = LoopTransport()
    transport = HexDumpTransport(loop, meter_log("012345", "/dev/ttyUSB0"))
    transport.write(b"/?012345!\r\n")
    assert transport.read(64, 0.1) == b"/?012345!\r\n"
    assert transport.read(64, 0.1) == b""  # silence is not logged
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    assert lines[0].endswith("[ПУ 012345 /dev/ttyUSB0] → 2F 3F 30 31 32 33 34 35 21 0D 0A |/?012345!..|")
    assert lines[1].endswith("← 2F 3F 30 31 32 33 34 35 21 0D 0A |/?012345!..|")
    assert hex_line(b"\x01\x10") == "01 10 |..|"


def test_package_parses_as_python_3_9() -> None:
    # The concentrators run Python 3.9: no `match`, no parenthesised context managers, etc.
    for source in sorted(PACKAGE.rglob("*.py")):
        ast.parse(source.read_text(encoding="utf-8"), filename=str(source), feature_version=(3, 9))
