"""Agent configuration: one JSON file, validated as a whole before anything starts.

JSON because the standard library parses it on every Python the concentrators run (TOML needs 3.11).
Validation collects every problem and reports them together, in Russian, naming the field and the
meter: a technician on site fixes the file in one pass instead of restarting once per typo.
Relative paths in the file are taken relative to the file's own directory.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .protocols.dlms import parse_server_address
from .signing import KeyFileError, read_secret

PROTOCOLS = ("iec62056-21", "dlms", "mercury230", "energomera")
READ_ITEMS = ("clock", "registers", "profile", "events", "relay")
# What a protocol's driver cannot read at all (Mercury 230 and Energomera CE meters give no access to
# a load relay; the Energomera driver reads no journal); left out of the default list and refused
# when listed, instead of failing every poll.
_UNSUPPORTED = {"mercury230": ("relay",), "energomera": ("events", "relay")}
# What only a few models of a protocol report (an IEC meter's relay, readout line 96.3.10): read only
# when listed in "read"; a model without it is skipped by the poller, not counted as a failure.
_OPTIONAL = {"iec62056-21": ("relay",)}
BAUD_RATES = (300, 600, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)
PROFILE_MINUTES = (1, 2, 3, 5, 10, 15, 30, 60)

# The id goes into URL paths and log lines, so it is kept to characters that need no escaping.
_AGENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
# IEC 62056-21 device address: up to 32 printable characters, without the frame's own delimiters.
_IEC_ADDRESS = re.compile(r"[\x21-\x7e]{0,32}")
_IEC_FORBIDDEN = set("/!?")
# 0 is the broadcast address every Mercury answers: only for a meter alone on its line (optical port).
_MERCURY_ADDRESSES = (0, 247)
_IEC_MAX_BAUD = 19200
_UTC_OFFSET = re.compile(r"(?:UTC)?([+-])(\d{1,2}):?(\d{2})")


class ConfigError(Exception):
    def __init__(self, errors: Sequence[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = list(errors)


@dataclass(frozen=True)
class MeterConfig:
    serial: str
    port: str
    address: str
    protocol: str
    password: str | None
    # dlms / mercury230: the line speed. iec62056-21: the fastest speed to switch to after the
    # sign-on at 300 baud. None: the protocol's usual value.
    baud: int | None
    poll_minutes: int
    read: tuple[str, ...]
    profile_minutes: int
    timeout_s: float
    timezone: tzinfo  # the zone the meter's clock keeps, for protocols that do not carry it


@dataclass(frozen=True)
class UploadSettings:
    batch_size: int = 500
    idle_s: float = 30.0  # how often an idle uploader looks for new records
    heartbeat_s: float = 300.0
    timeout_s: float = 30.0
    keep_sent_days: int = 14
    ca_file: Path | None = None


@dataclass(frozen=True)
class PollingSettings:
    clock_drift_threshold_s: float = 30.0
    # Meters close an interval at the boundary; reading a little later avoids asking for one
    # the meter has not finished yet.
    settle_s: float = 30.0
    # Upper bound of the per-meter offset that spreads meters across the start of each interval.
    jitter_s: float = 60.0
    # Quiet time between two sessions on one half-duplex bus, so late echoes of the previous
    # meter are not taken for the next meter's answer.
    bus_pause_s: float = 0.5
    initial_backfill_days: int = 7
    max_profile_days_per_poll: int = 2


@dataclass(frozen=True)
class AgentConfig:
    path: Path
    agent_id: str
    cloud_url: str
    key_file: Path
    data_dir: Path
    upload: UploadSettings
    polling: PollingSettings
    meters: tuple[MeterConfig, ...]

    def meter(self, serial: str) -> MeterConfig | None:
        for meter in self.meters:
            if meter.serial == serial:
                return meter
        return None

    @property
    def database(self) -> Path:
        return self.data_dir / "agent.sqlite3"


def load_config(path: Path) -> AgentConfig:
    """Read and validate; raises ConfigError listing every problem found."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"Файл конфигурации {path} не найден"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"Файл конфигурации {path} не удаётся прочитать: {exc}"]) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            [f"Файл конфигурации {path}: ошибка синтаксиса JSON в строке {exc.lineno}, столбце {exc.colno}: {exc.msg}"]
        ) from None
    return parse_config(data, path.resolve().parent, path)


def parse_config(data: Any, base_dir: Path, path: Path) -> AgentConfig:
    errors: list[str] = []
    if not isinstance(data, dict):
        raise ConfigError(["Конфигурация должна быть JSON-объектом { ... }"])
    top = _Section(data, errors, lambda name: f'Поле "{name}"')
    top.unknown(("agent_id", "cloud_url", "key_file", "data_dir", "meter_timezone", "upload", "polling", "meters"))

    agent_id = top.string("agent_id")
    if agent_id is not None and not _AGENT_ID.fullmatch(agent_id):
        top.error("agent_id", f'допустимы латинские буквы, цифры, «.», «_», «-» (до 64 символов), указано "{agent_id}"')
    cloud_url = _cloud_url(top)
    key_file = top.path("key_file", base_dir)
    if key_file is not None:
        try:
            read_secret(key_file)
        except KeyFileError as exc:
            top.error("key_file", str(exc))
    data_dir = top.path("data_dir", base_dir)
    # Required rather than defaulted: a wrong zone silently shifts every load-profile interval by hours.
    meter_tz = _timezone(top, "meter_timezone", required=True)
    upload = _upload(top.section("upload"), base_dir)
    polling = _polling(top.section("polling"))
    meters = _meters(data.get("meters"), meter_tz or timezone.utc, errors)

    if errors:
        raise ConfigError(errors)
    assert agent_id and cloud_url and key_file and data_dir  # guaranteed when no errors were found
    return AgentConfig(
        path=path,
        agent_id=agent_id,
        cloud_url=cloud_url,
        key_file=key_file,
        data_dir=data_dir,
        upload=upload,
        polling=polling,
        meters=tuple(meters),
    )


def _cloud_url(top: _Section) -> str | None:
    url = top.string("cloud_url")
    if url is None:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        top.error("cloud_url", f'нужен адрес вида https://портал.example.ru, указано "{url}"')
        return None
    if parts.query or parts.fragment:
        top.error("cloud_url", f'адрес не должен содержать «?» или «#», указано "{url}"')
        return None
    return url.rstrip("/")


def _upload(section: _Section, base_dir: Path) -> UploadSettings:
    d = UploadSettings()
    section.unknown(("batch_size", "idle_s", "heartbeat_s", "timeout_s", "keep_sent_days", "ca_file"))
    ca_file = section.path("ca_file", base_dir, required=False)
    if ca_file is not None and not ca_file.is_file():
        section.error("ca_file", f"файл {ca_file} не найден")
    return UploadSettings(
        batch_size=section.integer("batch_size", d.batch_size, 1, 10000),
        idle_s=section.number("idle_s", d.idle_s, 1, 3600),
        heartbeat_s=section.number("heartbeat_s", d.heartbeat_s, 10, 86400),
        timeout_s=section.number("timeout_s", d.timeout_s, 1, 600),
        keep_sent_days=section.integer("keep_sent_days", d.keep_sent_days, 1, 3650),
        ca_file=ca_file,
    )


def _polling(section: _Section) -> PollingSettings:
    d = PollingSettings()
    section.unknown(
        (
            "clock_drift_threshold_s",
            "settle_s",
            "jitter_s",
            "bus_pause_s",
            "initial_backfill_days",
            "max_profile_days_per_poll",
        )
    )
    return PollingSettings(
        clock_drift_threshold_s=section.number("clock_drift_threshold_s", d.clock_drift_threshold_s, 1, 86400),
        settle_s=section.number("settle_s", d.settle_s, 0, 3600),
        jitter_s=section.number("jitter_s", d.jitter_s, 0, 3600),
        bus_pause_s=section.number("bus_pause_s", d.bus_pause_s, 0, 60),
        initial_backfill_days=section.integer("initial_backfill_days", d.initial_backfill_days, 0, 366),
        max_profile_days_per_poll=section.integer("max_profile_days_per_poll", d.max_profile_days_per_poll, 1, 366),
    )


def _timezone(section: _Section, name: str, required: bool) -> tzinfo | None:
    text = section.string(name, required=required)
    if text is None:
        return None
    match = _UTC_OFFSET.fullmatch(text.strip())
    if match:
        sign, hours, minutes = match.groups()
        offset = timedelta(hours=int(hours), minutes=int(minutes))
        if offset <= timedelta(hours=14):
            return timezone(offset if sign == "+" else -offset)
    else:
        try:
            return ZoneInfo(text.strip())
        except (ZoneInfoNotFoundError, ValueError):
            pass
    section.error(name, f'неизвестный часовой пояс "{text}" (пример: "Europe/Moscow" или "+03:00")')
    return None


def _meters(raw: Any, default_tz: tzinfo, errors: list[str]) -> list[MeterConfig]:
    if raw is None:
        errors.append('Поле "meters": не указано — нужен список счётчиков')
        return []
    if not isinstance(raw, list) or not raw:
        errors.append('Поле "meters": должно быть непустым списком счётчиков [ {...}, ... ]')
        return []
    meters: list[MeterConfig] = []
    seen_serials: dict[str, int] = {}
    for number, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            errors.append(f"Счётчик №{number} в списке meters: должен быть объектом {{ ... }}")
            continue
        meter = _meter(item, number, default_tz, errors)
        if meter is None:
            continue
        if meter.serial in seen_serials:
            errors.append(
                f"Счётчик {meter.serial}: серийный номер повторяется "
                f"(счётчики №{seen_serials[meter.serial]} и №{number} в списке)"
            )
        seen_serials.setdefault(meter.serial, number)
        meters.append(meter)
    _check_buses(meters, errors)
    return meters


def _meter(item: dict[str, Any], number: int, default_tz: tzinfo, errors: list[str]) -> MeterConfig | None:
    serial = item.get("serial")
    label = f"Счётчик {serial}" if isinstance(serial, str) and serial.strip() else f"Счётчик №{number} в списке"
    before = len(errors)
    m = _Section(item, errors, lambda name: f'{label}: поле "{name}"', unknown_label=label)
    m.unknown(
        (
            "serial",
            "port",
            "address",
            "protocol",
            "password",
            "baud",
            "poll_minutes",
            "read",
            "profile_minutes",
            "timeout_s",
            "timezone",
        )
    )
    serial = m.string("serial", hint="серийный номер пишется в кавычках, чтобы не потерять ведущие нули")
    port = m.string("port")
    protocol = m.string("protocol")
    if protocol is not None and protocol not in PROTOCOLS:
        errors.append(f'{label}: неизвестный протокол "{protocol}" (допустимо: {", ".join(PROTOCOLS)})')
        protocol = None
    address = _address(m, item.get("address"), protocol, label)
    password = m.string("password", required=False, hint="пароль пишется в кавычках, чтобы не потерять ведущие нули")
    baud: int | None = None
    if "baud" in item:
        baud = m.integer("baud", 9600, 300, 115200)
        if baud not in BAUD_RATES:
            errors.append(
                f'{label}: недопустимая скорость "baud" {item["baud"]} (допустимо: {", ".join(map(str, BAUD_RATES))})'
            )
        elif protocol in ("iec62056-21", "energomera") and baud > _IEC_MAX_BAUD:
            errors.append(
                f'{label}: для {protocol} скорость "baud" не выше {_IEC_MAX_BAUD} (режим C согласует до 19200 бод)'
            )
    poll_minutes = m.integer("poll_minutes", 30, 1, 1440)
    if 1440 % poll_minutes:
        errors.append(
            f'{label}: интервал опроса "poll_minutes" {poll_minutes} мин должен делить сутки '
            "нацело (1, 5, 10, 15, 30, 60, 120, … 1440), иначе опрос не выровнять по часам"
        )
    profile_minutes = m.integer("profile_minutes", 30, 1, 60)
    if profile_minutes not in PROFILE_MINUTES:
        errors.append(
            f'{label}: недопустимый интервал профиля "profile_minutes" {profile_minutes} '
            f"(допустимо: {', '.join(map(str, PROFILE_MINUTES))})"
        )
    read = _read_items(item.get("read"), protocol, label, errors)
    timeout_s = m.number("timeout_s", 2.0, 0.1, 60)
    meter_tz = _timezone(m, "timezone", required=True) if "timezone" in item else default_tz
    if len(errors) > before:
        return None
    assert serial is not None and port is not None and protocol is not None and address is not None
    assert meter_tz is not None
    return MeterConfig(
        serial=serial,
        port=port,
        address=address,
        protocol=protocol,
        password=password,
        baud=baud,
        poll_minutes=poll_minutes,
        read=read,
        profile_minutes=profile_minutes,
        timeout_s=timeout_s,
        timezone=meter_tz,
    )


def _address(m: _Section, raw: Any, protocol: str | None, label: str) -> str | None:
    if raw is None:
        m.error("address", "не указано")
        return None
    if protocol in ("iec62056-21", "energomera"):
        text = str(raw) if isinstance(raw, (str, int)) and not isinstance(raw, bool) else None
        if text is None or not _IEC_ADDRESS.fullmatch(text) or _IEC_FORBIDDEN & set(text):
            m.error(
                "address",
                "адрес IEC 62056-21 — до 32 печатных символов без «/», «!», «?», "
                f"указано {json.dumps(raw, ensure_ascii=False)}",
            )
            return None
        return text
    if protocol == "mercury230":
        low, high = _MERCURY_ADDRESSES
        value = int(raw.strip()) if isinstance(raw, str) and raw.strip().isdigit() else raw
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            m.error(
                "address",
                f"для протокола mercury230 нужен сетевой адрес от {low} до {high} "
                "(0 — общий, только для счётчика, одного на порту), "
                f"указано {json.dumps(raw, ensure_ascii=False)}",
            )
            return None
        return str(value)
    if protocol == "dlms":
        # The driver's own parser, so the file is judged exactly as the session will use it.
        text = str(raw).strip() if isinstance(raw, (str, int)) and not isinstance(raw, bool) else repr(raw)
        try:
            parse_server_address(text)
        except ValueError as exc:
            m.error("address", f"{exc} (пример: 145 или 1:145)")
            return None
        return text
    return None  # protocol itself is invalid and already reported; the address cannot be judged


def _read_items(raw: Any, protocol: str | None, label: str, errors: list[str]) -> tuple[str, ...]:
    unsupported = _UNSUPPORTED.get(protocol or "", ())
    if raw is None:
        return tuple(x for x in READ_ITEMS if x not in unsupported + _OPTIONAL.get(protocol or "", ()))
    if not isinstance(raw, list) or not raw or not all(isinstance(x, str) for x in raw):
        errors.append(f'{label}: поле "read" должно быть непустым списком из: {", ".join(READ_ITEMS)}')
        return READ_ITEMS
    for item in raw:
        if item not in READ_ITEMS:
            errors.append(
                f'{label}: в поле "read" неизвестный вид данных "{item}" (допустимо: {", ".join(READ_ITEMS)})'
            )
        elif item in unsupported:
            errors.append(f'{label}: протокол {protocol} не позволяет читать "{item}" — уберите из поля "read"')
    # Keep the canonical order: the clock goes first because the profile's upper bound depends on it.
    return tuple(x for x in READ_ITEMS if x in raw)


def meters_by_port(meters: Sequence[MeterConfig]) -> dict[str, list[MeterConfig]]:
    """Meters grouped by bus, in configuration order."""
    by_port: dict[str, list[MeterConfig]] = {}
    for meter in meters:
        by_port.setdefault(meter.port, []).append(meter)
    return by_port


def _check_buses(meters: list[MeterConfig], errors: list[str]) -> None:
    for port, group in meters_by_port(meters).items():
        seen: dict[tuple[str, str], str] = {}
        for meter in group:
            key = (meter.protocol, meter.address)
            if key in seen:
                errors.append(
                    f"Счётчик {meter.serial}: адрес {meter.address or '(пустой)'} на порту {port} "
                    f"уже занят счётчиком {seen[key]}"
                )
            seen[key] = meter.serial
            # An IEC request without an address, like a Mercury request to address 0, makes every
            # meter on the bus answer at once.
            if len(group) > 1 and meter.protocol in ("iec62056-21", "energomera") and not meter.address:
                errors.append(
                    f"Счётчик {meter.serial}: пустой адрес допустим, только если счётчик один на порту {port}"
                )
            if len(group) > 1 and meter.protocol == "mercury230" and meter.address == "0":
                errors.append(
                    f"Счётчик {meter.serial}: адрес 0 (общий) допустим, только если счётчик один на порту {port}"
                )


class _Section:
    """Typed field access over one JSON object that records errors instead of raising."""

    def __init__(
        self,
        data: Any,
        errors: list[str],
        field_label: Callable[[str], str],
        unknown_label: str | None = None,
        prefix: str = "",
    ) -> None:
        self.data: dict[str, Any] = data if isinstance(data, dict) else {}
        self.errors = errors
        self._field_label = field_label
        self._unknown_label = unknown_label
        self._prefix = prefix

    def error(self, name: str, message: str) -> None:
        self.errors.append(f"{self._field_label(self._prefix + name)}: {message}")

    def unknown(self, allowed: Sequence[str]) -> None:
        for name in self.data:
            if name not in allowed:
                if self._unknown_label:
                    self.errors.append(
                        f'{self._unknown_label}: неизвестный параметр "{name}" (допустимо: {", ".join(allowed)})'
                    )
                else:
                    self.error(name, f"неизвестный параметр (допустимо: {', '.join(allowed)})")

    def section(self, name: str) -> _Section:
        raw = self.data.get(name, {})
        if not isinstance(raw, dict):
            self.error(name, "должно быть объектом { ... }")
            raw = {}
        return _Section(raw, self.errors, self._field_label, prefix=f"{self._prefix}{name}.")

    def string(self, name: str, required: bool = True, hint: str = "") -> str | None:
        raw = self.data.get(name)
        if raw is None:
            if required:
                self.error(name, "не указано")
            return None
        if not isinstance(raw, str):
            self.error(
                name,
                "должно быть строкой в кавычках"
                + (f" ({hint})" if hint else "")
                + f", указано {json.dumps(raw, ensure_ascii=False)}",
            )
            return None
        if required and not raw.strip():
            self.error(name, "не может быть пустым")
            return None
        return raw

    def path(self, name: str, base_dir: Path, required: bool = True) -> Path | None:
        text = self.string(name, required=required)
        if text is None:
            return None
        return (base_dir / Path(text).expanduser()).resolve()

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        raw = self.data.get(name, default)
        if not isinstance(raw, int) or isinstance(raw, bool):
            self.error(name, f"должно быть целым числом, указано {json.dumps(raw, ensure_ascii=False)}")
            return default
        if not low <= raw <= high:
            self.error(name, f"должно быть от {low} до {high}, указано {raw}")
            return default
        return raw

    def number(self, name: str, default: float, low: float, high: float) -> float:
        raw = self.data.get(name, default)
        if not isinstance(raw, (int, float)) or isinstance(raw, bool):
            self.error(name, f"должно быть числом, указано {json.dumps(raw, ensure_ascii=False)}")
            return default
        if not low <= raw <= high:
            self.error(name, f"должно быть от {low:g} до {high:g}, указано {raw:g}")
            return default
        return float(raw)
