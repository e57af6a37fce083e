"""`make run`'s system in a process of its own, driven by tests/infra/test_api_outage.py.

The app binds its tables and AWS clients on first use, so a stack on a moto server cannot share a
process with the suites that run on in-process moto (the reason the Makefile runs the browser suite
apart). `python -m tests.infra.local_system` starts the stack as infra/local/run.py's main() does, then
takes one command per line on stdin and answers each with one JSON line on stdout:

    (on start)                {"url": …}     moto server, resources, demo data, the API
    start-agent {polling…}    {"database": the agent's queue, "meter": the simulated meter's model}
                              the simulated concentrator, with these overrides of the agent's
                              polling settings
    stop-api                  {}             the HTTP origin only: moto and the agent keep running
    start-api                 {"url": …}     the HTTP origin again, on the same port
    stop-agent                {"stopped": …} the agent only: its queue stays readable

The end of stdin stops everything. The log goes to stderr.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

from infra.local.concentrator import Concentrator
from infra.local.run import LocalStack


def answer(message: dict[str, Any]) -> None:
    print(json.dumps(message, ensure_ascii=False), flush=True)


def main() -> None:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("werkzeug", "botocore", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    stack = LocalStack(port=0)
    concentrator: Concentrator | None = None
    try:
        url = stack.start()
        answer({"url": url})
        for line in sys.stdin:
            command, _, argument = line.strip().partition(" ")
            if command == "start-agent" and concentrator is None:
                concentrator = Concentrator(url, polling=json.loads(argument or "{}"))
                concentrator.start()
                assert concentrator.agent_config is not None
                meter = concentrator.simulator.bus("dlms").meters[0]
                answer(
                    {
                        "database": str(concentrator.agent_config.database),
                        "meter": {
                            "serial": meter.serial,
                            "utc_offset_minutes": meter.utc_offset_minutes,
                            "prosumer": meter.prosumer,
                        },
                    }
                )
            elif command == "stop-api":
                stack.stop_api()
                answer({})
            elif command == "start-api":
                answer({"url": stack.start_api()})
            elif command == "stop-agent" and concentrator is not None:
                concentrator.stop_agent()
                answer({"stopped": not (concentrator.thread and concentrator.thread.is_alive())})
            else:
                raise ValueError(f"unexpected command {line.strip()!r}")
    finally:
        if concentrator is not None:
            concentrator.stop()
        stack.stop()


if __name__ == "__main__":
    main()
