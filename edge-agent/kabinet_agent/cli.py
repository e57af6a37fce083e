"""`kabinet-agent` command line: run, read-once, status, check-config, retry-parked."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

from . import __version__
from .config import AgentConfig, ConfigError, load_config, meters_by_port
from .logs import meter_log, setup_logging
from .readout import read_once, render, table
from .runtime import AlreadyRunning, open_serial_port, run_agent, session_factory
from .store import Store

DEFAULT_CONFIG = Path("/etc/kabinet-agent/agent.json")
# sysexits EX_CONFIG: the systemd unit does not restart on it, since restarting cannot fix a bad file.
EXIT_CONFIG = 78


def main(argv: Sequence[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        # A concentrator's console may not be UTF-8; a mangled letter beats a crash on output.
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure:
            reconfigure(errors="backslashreplace")
    args = _parser().parse_args(argv)
    return int(args.handler(args))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kabinet-agent", description="Агент УСПД «Кабинет»: опрос счётчиков и передача данных в облако"
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="КОМАНДА")

    def command(
        name: str, help_text: str, handler: object, config: bool = True, verbose: bool = False
    ) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        if config:
            sub.add_argument(
                "--config",
                type=Path,
                default=DEFAULT_CONFIG,
                metavar="ФАЙЛ",
                help=f"файл конфигурации (по умолчанию {DEFAULT_CONFIG})",
            )
        if verbose:
            sub.add_argument("--verbose", action="store_true", help="подробный журнал с кадрами обмена в hex")
        sub.set_defaults(handler=handler)
        return sub

    command("run", "опрашивать счётчики и передавать данные (режим службы)", _run, verbose=True)
    once = command("read-once", "прочитать один счётчик сейчас и показать результат", _read_once, verbose=True)
    once.add_argument("serial", metavar="СЧЁТЧИК", help="серийный номер счётчика из конфигурации")
    once.add_argument("--store", action="store_true", help="сохранить прочитанное в очередь на отправку")
    once.add_argument("--hours", type=int, default=24, help="за сколько часов читать профиль и события (24)")
    command("status", "очередь, последняя выгрузка, состояние опроса счётчиков", _status)
    check = command("check-config", "проверить файл конфигурации", _check_config, config=False)
    check.add_argument("config", type=Path, metavar="ФАЙЛ")
    command(
        "retry-parked",
        "вернуть в очередь на отправку отложенные пакеты и записи, которые облако не принимало",
        _retry_parked,
    )
    return parser


def _load(path: Path) -> AgentConfig | None:
    try:
        return load_config(path)
    except ConfigError as exc:
        print(f"Ошибки в конфигурации {path}:", file=sys.stderr)
        for error in exc.errors:
            print(f"  - {error}", file=sys.stderr)
        return None


def _check_config(args: argparse.Namespace) -> int:
    config = _load(args.config)
    if config is None:
        return 1
    ports = meters_by_port(config.meters)
    print(
        f"Конфигурация {args.config} в порядке: агент {config.agent_id}, счётчиков {len(config.meters)}, "
        f"портов {len(ports)}"
    )
    for port, meters in ports.items():
        print(f"  {port}: " + ", ".join(f"{m.serial} ({m.protocol}, адрес {m.address or 'общий'})" for m in meters))
    return 0


def _run(args: argparse.Namespace) -> int:
    config = _load(args.config)
    if config is None:
        return EXIT_CONFIG
    setup_logging(args.verbose)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    try:
        return run_agent(config, stop, verbose=args.verbose)
    except AlreadyRunning as exc:
        print(f"Ошибка: {exc}", file=sys.stderr)
        return 1


def _read_once(args: argparse.Namespace) -> int:
    config = _load(args.config)
    if config is None:
        return EXIT_CONFIG
    meter = config.meter(args.serial)
    if meter is None:
        known = ", ".join(m.serial for m in config.meters)
        print(f"Счётчик {args.serial} не найден в конфигурации (есть: {known})", file=sys.stderr)
        return 1
    setup_logging(args.verbose)
    readout = read_once(
        session_factory(open_serial_port, args.verbose),
        meter,
        meter_log(meter.serial, meter.port),
        args.hours,
        datetime.now(timezone.utc),
    )
    print(render(readout))
    if args.store:
        store = Store(config.database)
        try:
            added = store.save(readout.records())
        finally:
            store.close()
        print(f"Сохранено в очередь на отправку: новых записей {added} из {len(readout.records())}")
    return 1 if readout.error else 0


def _open_existing_store(config: AgentConfig) -> Store | None:
    if not config.database.exists():
        print(f"Агент ещё не запускался: нет базы {config.database}", file=sys.stderr)
        return None
    return Store(config.database)


def _status(args: argparse.Namespace) -> int:
    config = _load(args.config)
    if config is None:
        return EXIT_CONFIG
    store = _open_existing_store(config)
    if store is None:
        return 1
    try:
        print("\n".join(_status_lines(config, store, time.time())))
    finally:
        store.close()
    return 0


def _status_lines(config: AgentConfig, store: Store, now: float) -> list[str]:
    backlog = store.backlog()
    state = store.state()
    lines = [
        f"Агент {config.agent_id}, облако {config.cloud_url}",
        f"Не доставлено записей: {backlog.undelivered} (ожидают {backlog.pending}, в отправке "
        f"{backlog.in_flight}, отложено {backlog.parked}); отклонено облаком: {backlog.rejected}",
        "Последняя успешная выгрузка: " + _ago(state.get("last_upload_at"), now),
    ]
    if state.get("last_upload_error"):
        lines.append(
            f"Последняя ошибка выгрузки ({_ago(state.get('last_upload_error_at'), now)}): {state['last_upload_error']}"
        )
    records = store.parked_records()
    if records.count:
        lines += [
            "",
            f"Отложенные записи: {records.count} (облако пока их не принимает; самая давняя отложена "
            f"{_when(records.oldest)}; вернуть в очередь: kabinet-agent retry-parked). Причины:",
            *table(["Записей", "Причина"], [[str(n), reason] for reason, n in records.reasons]),
        ]
    parked = store.parked_batches()
    if parked:
        lines += [
            "",
            "Отложенные пакеты (вернуть в очередь: kabinet-agent retry-parked):",
            *table(
                ["Пакет", "Записей", "Отложен", "Причина"],
                [[p.batch_id, str(p.records), _when(p.parked_at), p.reason] for p in parked],
            ),
        ]
    statuses = store.meter_statuses()
    rows = []
    for meter in config.meters:
        s = statuses.get(meter.serial)
        rows.append(
            [
                meter.serial,
                meter.port,
                _when(s.last_read_at) if s else "ещё не опрашивался",
                f"{s.clock_drift_s:+.0f} с" if s and s.clock_drift_s is not None else "—",
                f"{s.last_error} ({_when(s.last_error_at)})" if s and s.last_error else "—",
            ]
        )
    lines += ["", "Счётчики:", *table(["Счётчик", "Порт", "Последний опрос", "Часы", "Ошибка"], rows)]
    return lines


def _retry_parked(args: argparse.Namespace) -> int:
    config = _load(args.config)
    if config is None:
        return EXIT_CONFIG
    store = _open_existing_store(config)
    if store is None:
        return 1
    try:
        batches, records = store.requeue_parked()
    finally:
        store.close()
    print(
        f"Возвращено в очередь: пакетов {batches}, отдельных записей {records}"
        if batches or records
        else "Отложенных пакетов и записей нет"
    )
    return 0


def _when(moment: datetime | None) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S") if moment else "—"


def _ago(iso: str | None, now: float) -> str:
    if not iso:
        return "не было"
    moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    minutes = int(max(0.0, now - moment.timestamp()) // 60)
    return (
        f"{_when(moment)} ({minutes // 60} ч {minutes % 60} мин назад)"
        if minutes >= 60
        else f"{_when(moment)} ({minutes} мин назад)"
    )
