"""Wires the agent together for `kabinet-agent run`: one thread per bus, one uploader thread, and
housekeeping (pruning) in the calling thread."""

from __future__ import annotations

import fcntl
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Callable

import serial

from . import __version__
from .backoff import Backoff
from .config import AgentConfig, MeterConfig, meters_by_port
from .hexdump import HexDumpTransport
from .logs import Log, component_log
from .poller import MeterPoller, SessionFactory
from .protocols import driver_for
from .protocols.base import MeterDriver, Transport
from .protocols.serial_transport import LINE_DEFAULTS, SerialTransport
from .scheduler import BusSchedule, BusWorker
from .signing import read_secret, signing_key
from .store import Store
from .uploader import CloudClient, Uploader, heartbeat_payload

TransportOpener = Callable[[MeterConfig], AbstractContextManager[Transport]]

_HOUSEKEEPING_S = 3600.0


class AlreadyRunning(Exception):
    pass


@contextmanager
def exclusive_data_dir(data_dir: Path) -> Iterator[None]:
    """Two agents on one queue would send the same batches in parallel; the second one refuses to start."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / "agent.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise AlreadyRunning(f"агент с каталогом данных {data_dir} уже запущен") from None
        yield


@contextmanager
def open_serial_port(meter: MeterConfig) -> Iterator[Transport]:
    """A local port (/dev/ttyUSB0) or a pyserial URL (socket://host:port for an RS-485-to-Ethernet
    converter). Opened exclusively, so `read-once` cannot garble a session the service is running."""
    baud, bytesize, parity, stopbits = LINE_DEFAULTS[meter.protocol]
    if meter.baud and meter.protocol != "iec62056-21":  # IEC always signs on at its standard speed
        baud = meter.baud
    try:
        port = serial.serial_for_url(
            meter.port, baudrate=baud, bytesize=bytesize, parity=parity, stopbits=stopbits, timeout=0, exclusive=True
        )
    except (serial.SerialException, ValueError) as exc:
        raise OSError(f"не удалось открыть порт {meter.port}: {exc}") from None
    transport = SerialTransport(protocol=meter.protocol, serial_port=port)
    try:
        yield transport
    finally:
        transport.close()


def driver_options(meter: MeterConfig) -> dict[str, Any]:
    """Settings that only one protocol's driver takes, beyond the common MeterDriver arguments."""
    if meter.protocol == "iec62056-21":
        # The profile length lets the driver mark a period the meter skipped as "missing".
        options: dict[str, Any] = {"profile_minutes": meter.profile_minutes}
        if meter.baud:
            options["max_baud"] = meter.baud
        return options
    if meter.protocol == "energomera":
        # Energomera keeps its profile without an interval length in the answer; the line speed
        # is the one the meter's RS-485 interface is set to.
        return {"profile_minutes": meter.profile_minutes, "baud": meter.baud or 9600}
    return {}


def session_factory(open_transport: TransportOpener, verbose: bool) -> SessionFactory:
    @contextmanager
    def session(meter: MeterConfig, log: Log) -> Iterator[MeterDriver]:
        with open_transport(meter) as transport:
            if verbose:
                transport = HexDumpTransport(transport, log)
            driver = driver_for(meter.protocol)(
                transport,
                meter.serial,
                meter.address,
                meter.password,
                meter.timeout_s,
                meter.timezone,
                **driver_options(meter),
            )
            try:
                yield driver
            finally:
                driver.close()

    return session


def build_uploader(config: AgentConfig, store: Store, now: Callable[[], float] = time.time) -> Uploader:
    client = CloudClient(
        config.cloud_url,
        config.agent_id,
        signing_key(read_secret(config.key_file)),
        config.upload.timeout_s,
        config.upload.ca_file,
        now,
    )
    serials = [m.serial for m in config.meters]
    return Uploader(
        client,
        store,
        config.upload.batch_size,
        Backoff(),
        heartbeat=lambda: heartbeat_payload(store, serials, __version__, now()),
        heartbeat_s=config.upload.heartbeat_s,
        idle_s=config.upload.idle_s,
        now=now,
    )


def run_agent(
    config: AgentConfig,
    stop: threading.Event,
    verbose: bool = False,
    open_transport: TransportOpener = open_serial_port,
) -> int:
    """Runs until `stop` is set; returns the process exit code. A thread dying on an unexpected
    error (say, a full disk) stops the agent with code 1 so that systemd restarts it cleanly."""
    log = component_log("агент")
    failed = threading.Event()

    def guarded(name: str, target: Callable[[], object]) -> threading.Thread:
        def body() -> None:
            try:
                target()
            except Exception as exc:
                log.critical(
                    "Поток «%s» остановлен ошибкой %s: %s; агент завершается для перезапуска",
                    name,
                    type(exc).__name__,
                    exc,
                    exc_info=True,
                )
                failed.set()
                stop.set()

        return threading.Thread(target=body, name=name)

    with exclusive_data_dir(config.data_dir):
        store = Store(config.database)
        try:
            poller = MeterPoller(store, config.polling, session_factory(open_transport, verbose))
            uploader = build_uploader(config, store)
            threads: list[threading.Thread] = []
            for port, meters in meters_by_port(config.meters).items():
                worker = BusWorker(
                    port,
                    BusSchedule(meters, config.agent_id, config.polling, time.time()),
                    poller.poll,
                    config.polling.bus_pause_s,
                    stop,
                )
                threads.append(guarded(f"порт {port}", worker.run))
            threads.append(guarded("выгрузка", lambda: uploader.run(stop)))
            log.info(
                "Агент %s версии %s запущен: счётчиков %d, портов %d, облако %s, очередь %d записей",
                config.agent_id,
                __version__,
                len(config.meters),
                len(threads) - 1,
                config.cloud_url,
                store.backlog().undelivered,
            )
            for thread in threads:
                thread.start()
            while not stop.is_set():
                removed = store.prune(config.upload.keep_sent_days)
                if removed:
                    log.info("Удалено %d доставленных записей старше %d дн.", removed, config.upload.keep_sent_days)
                stop.wait(_HOUSEKEEPING_S)
            for thread in threads:
                thread.join()
        finally:
            store.close()
    log.info("Агент остановлен")
    return 1 if failed.is_set() else 0
