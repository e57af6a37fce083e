"""`make run`: one simulated concentrator (УСПД) feeding the local stack the way a real one would.

After the demo data is seeded, the agent is registered through the staff service (as an admin would
in «Агенты УСПД»), the demo АИИС meter is assigned to it by contract and serial, and its secret goes
into a key file in a temporary directory with the agent's config and queue. The meter simulator
serves the meter on a pseudo-terminal (DLMS/COSEM over HDLC), and the real `kabinet_agent` runtime
polls it every minute and uploads signed batches to the local API — so what the АИИС pages show
has travelled meter → pty → agent → HTTP → ingestion. The first poll reads the profile a few days
back, so the charts have data at once.

A second bus carries an Energomera CE301 (its IEC 62056-21 dialect, `energomera` driver). It is a
meter of the local demo only: at start-up billing "adds" it to the demo company's contract as an
АИИС meter (one billing row), so its data are accepted like the first meter's.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kabinet_agent.config import AgentConfig

ROOT = Path(__file__).resolve().parents[2]
AGENT_ID = "tp-17-uspd-1"
AGENT_NAME = "ТП-17, ул. Плехановская, 10 (симулятор)"
BACKFILL_DAYS = 4
ENERGOMERA_SERIAL = "009218054000123"
ENERGOMERA_ADDRESS = "218054123"  # the last 9 digits of the serial, the CE meters' default address
logger = logging.getLogger("kabinet.local.concentrator")


class Concentrator:
    def __init__(self, base_url: str, staff_login: str = "staff", polling: dict[str, Any] | None = None) -> None:
        self.base_url, self.staff_login = base_url.rstrip("/"), staff_login
        self.polling = polling or {}  # overrides of the agent's "polling" settings (kabinet_agent/config.py)
        self.agent_config: AgentConfig | None = None  # once started; its queue is `.database`
        self.tmp: Path | None = None
        self.simulator: Any = None
        self.thread: threading.Thread | None = None
        self.stop_event = threading.Event()
        self.serials: list[str] = []

    def _register(self) -> str:
        """Registers the agent as the demo admin would and assigns the demo АИИС meter; returns the secret."""
        from chalicelib.accounts.principal import Principal
        from chalicelib.accounts.repository import UserRepository, staff_identity_key
        from chalicelib.aiis.admin.agents import AgentAdmin
        from chalicelib.aiis.admin.models import AgentCreate, MeterRef
        from chalicelib.exchange.demo import AIIS_SERIAL, COMPANY_CONTRACT, DEMO_CONTRACT

        staff = UserRepository().find_by_identifier("login", staff_identity_key(self.staff_login.lower()))
        if staff is None:
            raise RuntimeError(f"demo staff member {self.staff_login!r} not found")
        actor = Principal(user=staff, session_id="local-concentrator")
        self._bill_energomera_meter(COMPANY_CONTRACT)
        self.serials = [AIIS_SERIAL, ENERGOMERA_SERIAL]
        created = AgentAdmin().create(
            actor,
            AgentCreate(
                id=AGENT_ID,
                name=AGENT_NAME,
                meters=[
                    MeterRef(contract=DEMO_CONTRACT, serial=AIIS_SERIAL),
                    MeterRef(contract=COMPANY_CONTRACT, serial=ENERGOMERA_SERIAL),
                ],
            ),
        )
        return created.secret

    @staticmethod
    def _bill_energomera_meter(contract: str) -> None:
        """One billing row: the CE301 joins the company's contract as an АИИС meter."""
        import csv
        import io

        from chalicelib.exchange.billing_format import CSV_COLUMNS, parse_drop
        from chalicelib.exchange.billing_import import apply_rows
        from chalicelib.exchange.demo import demo_rows

        [company] = [r for r in demo_rows("") if r["contract"] == contract]
        row = {
            **company,
            "serial": ENERGOMERA_SERIAL,
            "model": "Энергомера CE301",
            "zones": "T1,T2",
            "coefficient": "1",
            "seal": "Б-000778",
            "status": "aiis",
            "point_code": "ТУ-2002-2",
            "install_place": "ВРУ-0,4 кВ, ввод 2",
            "last_period": "",
            "last_T1": "",
            "last_T2": "",
            "last_T3": "",
        }
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, delimiter=";", lineterminator="\r\n", restval="")
        writer.writeheader()
        writer.writerow(row)
        parsed = parse_drop("concentrator.csv", buffer.getvalue().encode("cp1251"))
        report = apply_rows(parsed.rows, parsed.errors)
        if report.errors:
            raise RuntimeError(f"the Energomera meter's billing row has errors: {report.errors}")

    def start(self) -> None:
        from chalicelib.exchange.demo import AIIS_SERIAL
        from kabinet_agent.config import load_config
        from kabinet_agent.runtime import run_agent
        from kabinet_agent.simulator import Simulator

        secret = self._register()
        self.tmp = Path(tempfile.mkdtemp(prefix="kabinet-uspd-"))
        self.simulator = Simulator.from_config(
            {
                "buses": [
                    {
                        "name": "rs485-1",
                        "protocol": "dlms",
                        "baud": 9600,
                        "wire_time": False,
                        "meters": [
                            {
                                "serial": AIIS_SERIAL,
                                "address": "145",
                                "password": "12345678",
                                "relay": "on",
                                "prosumer": True,
                                "drift_seconds": 7,
                            }
                        ],
                    },
                    {
                        "name": "rs485-2",
                        "protocol": "energomera",
                        "baud": 9600,
                        "wire_time": False,
                        "meters": [
                            {
                                "serial": ENERGOMERA_SERIAL,
                                "address": ENERGOMERA_ADDRESS,
                                "password": "777777",
                                "type": "CE301",
                                "drift_seconds": -3,
                            }
                        ],
                    },
                ]
            }
        ).start()
        key = self.tmp / "agent.key"
        key.write_text(secret + "\n")
        key.chmod(0o600)
        config = {
            "agent_id": AGENT_ID,
            "cloud_url": self.base_url,
            "key_file": str(key),
            "data_dir": str(self.tmp / "data"),
            "meter_timezone": "Europe/Moscow",
            "upload": {"batch_size": 500, "idle_s": 2, "heartbeat_s": 60},
            "polling": {
                "initial_backfill_days": BACKFILL_DAYS,
                "max_profile_days_per_poll": BACKFILL_DAYS + 1,
                "settle_s": 2,
                "jitter_s": 0,
                "bus_pause_s": 0.05,
                **self.polling,
            },
            "meters": [
                {
                    "serial": AIIS_SERIAL,
                    "port": self.simulator.bus("dlms").slave_path,
                    "address": 145,
                    "protocol": "dlms",
                    "password": "12345678",
                    "baud": 9600,
                    "poll_minutes": 1,
                },
                {
                    "serial": ENERGOMERA_SERIAL,
                    "port": self.simulator.bus("energomera").slave_path,
                    "address": ENERGOMERA_ADDRESS,
                    "protocol": "energomera",
                    "password": "777777",
                    "poll_minutes": 1,
                },
            ],
        }
        path = self.tmp / "agent.json"
        path.write_text(json.dumps(config, ensure_ascii=False, indent=2), encoding="utf-8")
        self.agent_config = load_config(path)
        self.thread = threading.Thread(
            target=self._run, args=(run_agent, self.agent_config), name="uspd-agent", daemon=True
        )
        self.thread.start()

    def _run(self, run_agent: Any, config: Any) -> None:
        try:
            code = run_agent(config, self.stop_event)
            if code:
                logger.error("агент УСПД завершился с кодом %s", code)
        except Exception:  # noqa: BLE001
            logger.exception("агент УСПД остановлен ошибкой")

    def describe(self) -> str:
        port = self.simulator.bus("dlms").slave_path if self.simulator else "?"
        port2 = self.simulator.bus("energomera").slave_path if self.simulator else "?"
        return (
            f"УСПД {AGENT_ID} (симулятор): счётчики {self.serials[0]} (DLMS/СПОДЭС) на {port} и "
            f"{ENERGOMERA_SERIAL} (Энергомера CE301) на {port2}, опрос раз в минуту; очередь и ключ в {self.tmp}"
        )

    def stop_agent(self) -> None:
        """Ends the agent only: the simulator, the key and the queue stay until `stop()`."""
        self.stop_event.set()
        if self.thread is not None:
            self.thread.join(timeout=15)

    def stop(self) -> None:
        self.stop_agent()
        if self.simulator is not None:
            self.simulator.stop()
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
