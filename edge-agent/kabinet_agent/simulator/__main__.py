"""python -m kabinet_agent.simulator --meters meters.json

Starts the buses, prints one line per bus with the pty path the agent should open, and
runs until interrupted."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from . import Simulator


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m kabinet_agent.simulator", description="Симулятор счётчиков на псевдотерминалах"
    )
    parser.add_argument("--meters", required=True, help="JSON-файл с описанием шин и счётчиков")
    args = parser.parse_args(argv)
    try:
        simulator = Simulator.from_file(args.meters)
    except (OSError, ValueError) as exc:
        print(f"ошибка конфигурации: {exc}", file=sys.stderr)
        return 2
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with simulator:
        for bus in simulator.buses:
            serials = ", ".join(f"{m.serial}@{m.address}" for m in bus.meters)
            print(f"{bus.name}\t{bus.protocol}\t{bus.slave_path}\t{serials}", flush=True)
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
