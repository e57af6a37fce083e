"""`make run`: the whole system on one machine, in one process tree.

- an embedded moto server on 127.0.0.1 (all AWS calls go there through AWS_ENDPOINT_URL);
- the resources of infra/resources.yaml, created through it, plus demo data;
- one HTTP origin: the Chalice app under /api/v1, the static site at /, and /dev/outbox with every
  e-mail and SMS sent (local only — the deployed app has no such route);
- the SQS consumers and the schedules of app.py, run in threads as Lambda would run them.

Ctrl-C stops everything.
"""

from __future__ import annotations

import argparse
import base64
import html
import json
import logging
import mimetypes
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from infra.local.stack import local_security_headers

ROOT = Path(__file__).resolve().parents[2]
# What browsers load: static-site/ as built by `make site` (static-site/build.mjs), not its sources.
SITE = ROOT / "build" / "site"
REGION = "eu-central-1"
# API Gateway refuses larger bodies itself (REQUEST_TOO_LARGE, infra/resources.yaml).
GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024
logger = logging.getLogger("kabinet.local")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Outbox:
    """What moto's SES and SNS recorded as sent, stamped with the time we first saw each message."""

    def __init__(self) -> None:
        self._seen: dict[str, str] = {}
        self._lock = threading.Lock()

    def messages(self) -> list[dict[str, Any]]:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.ses.models import ses_backends
        from moto.sns.models import sns_backends

        found = []
        for message in ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages:
            for to in message.destinations.get("ToAddresses", []):
                found.append(
                    (
                        f"email:{message.id}:{to}",
                        {"channel": "email", "to": to, "subject": message.subject, "body": message.body},
                    )
                )
        for message_id, (phone, text, *_rest) in sns_backends[DEFAULT_ACCOUNT_ID][REGION].sms_messages.items():
            found.append((f"sms:{message_id}", {"channel": "sms", "to": phone, "subject": None, "body": text}))
        with self._lock:
            now = datetime.now(UTC).isoformat(timespec="milliseconds")
            result = []
            for order, (key, message) in enumerate(found):
                stamp = self._seen.setdefault(key, f"{now}#{order:06d}")
                result.append({**message, "sent_at": stamp.split("#")[0], "_order": stamp})
        result.sort(key=lambda m: m.pop("_order"), reverse=True)
        return result

    def render_html(self) -> str:
        rows = []
        for m in self.messages():
            channel = "E-mail" if m["channel"] == "email" else "SMS"
            subject = f"<strong>{html.escape(m['subject'])}</strong><br>" if m["subject"] else ""
            body = html.escape(m["body"])
            body = _linkify(body)
            rows.append(
                f"<article><header>{channel} → {html.escape(m['to'])} <time>{m['sent_at']}</time></header>"
                f"{subject}<pre>{body}</pre></article>"
            )
        items = "\n".join(rows) or "<p>Пока ничего не отправлено.</p>"
        return f"""<!doctype html><html lang="ru"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="5"><title>Исходящие сообщения (локальный режим)</title>
<style>body{{font:15px/1.45 system-ui,sans-serif;max-width:760px;margin:1rem auto;padding:0 1rem;color:#1d2733}}
article{{border:1px solid #d5dbe3;border-radius:8px;padding:.75rem 1rem;margin:.75rem 0}}
header{{color:#5a6675;font-size:13px;margin-bottom:.4rem}} time{{float:right}}
pre{{white-space:pre-wrap;font:inherit;margin:.3rem 0 0}}</style></head>
<body><h1>Исходящие сообщения</h1><p>Все письма и SMS, отправленные локальной системой (только локальный режим).
Страница обновляется каждые 5 секунд.</p>{items}</body></html>"""


def _linkify(escaped: str) -> str:
    import re

    return re.sub(r"(https?://[^\s<]+)", r'<a href="\1">\1</a>', escaped)


class Worker(threading.Thread):
    """Runs `step` repeatedly until stopped; a failing step is logged, never fatal."""

    def __init__(self, name: str, step: Callable[[], None], pause: float) -> None:
        super().__init__(name=name, daemon=True)
        self.step, self.pause, self.stopped = step, pause, threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                self.step()
            except Exception:  # noqa: BLE001
                logger.exception("%s failed", self.name)
            self.stopped.wait(self.pause)

    def stop(self) -> None:
        self.stopped.set()


def sqs_event(messages: list[dict[str, Any]], arn: str = "arn:aws:sqs:eu-central-1:123456789012:q") -> dict[str, Any]:
    """The event Lambda's SQS source hands a function for `messages` as ReceiveMessage returned them."""
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m.get("Attributes", {}),
                "messageAttributes": {},
                "md5OfBody": m["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": arn,
                "awsRegion": arn.split(":")[3],
            }
            for m in messages
        ]
    }


def sqs_poller(queue_name: str, handler: Callable[[dict[str, Any]], dict[str, Any]]) -> Callable[[], None]:
    """One Lambda-style SQS poll: receive a batch, call the handler, delete what it did not report failed."""
    import boto3

    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.get_queue_url(QueueName=queue_name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    def poll() -> None:
        # A short poll: AWS calls of this process go one at a time (serial_aws), and a long poll
        # would hold every API request up behind it.
        messages = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0, AttributeNames=["All"]
        ).get("Messages", [])
        if not messages:
            return
        failed = {f["itemIdentifier"] for f in handler(sqs_event(messages, arn)).get("batchItemFailures", [])}
        for m in messages:
            if m["MessageId"] not in failed:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])

    return poll


def exchange_clock() -> Callable[[], None]:
    """The exchange and period-close ticks of app.py, as Lambda runs them: each decides from the
    company settings in force whether a run (once per lock window) or a close (once per ended period)
    is due. (Staff can also run the exchange at once: POST /api/v1/staff/exchange/run.)"""
    from chalicelib.exchange.schedule import exchange_tick, period_close_tick

    def step() -> None:
        exchange_tick()
        period_close_tick()

    return step


class LocalStack:
    """The local system. `LocalStack(port=0).start()` returns the base URL; `.stop()` ends it."""

    def __init__(self, port: int = 8000, moto_port: int = 0, seed: bool = True) -> None:
        self.port, self.moto_port, self.seed = port, moto_port, seed
        self.outbox = Outbox()
        self.workers: list[Worker] = []
        self.moto: Any = None
        self.httpd: ThreadingHTTPServer | None = None
        self.http_thread: threading.Thread | None = None
        self._serialised = ExitStack()
        self.accounts: list[Any] = []

    def start(self) -> str:
        from moto.server import ThreadedMotoServer

        from infra.local.serial_aws import one_aws_call_at_a_time

        # Parallel browser requests would otherwise meet inside moto's backend (serial_aws).
        self._serialised.enter_context(one_aws_call_at_a_time())
        moto_port = self.moto_port or _free_port()
        self.moto = ThreadedMotoServer(ip_address="127.0.0.1", port=moto_port, verbose=False)
        self.moto.start()
        os.environ.update(
            {
                "AWS_ENDPOINT_URL": f"http://127.0.0.1:{moto_port}",
                "AWS_REGION": REGION,
                "AWS_DEFAULT_REGION": REGION,
                "AWS_ACCESS_KEY_ID": "local",
                "AWS_SECRET_ACCESS_KEY": "local",
                "KABINET_STAGE": "local",
            }
        )
        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler_class())
        self.port = self.httpd.server_address[1]
        os.environ["KABINET_SITE_URL"] = f"http://127.0.0.1:{self.port}"

        import boto3

        from infra.local.stack import create_local_stack

        outputs = create_local_stack(
            boto3.session.Session(region_name=REGION), stage="local", site_origin=os.environ["KABINET_SITE_URL"]
        )
        # What the template's Globals pass to the functions in AWS.
        os.environ["KABINET_ATTACHMENTS_BUCKET"] = outputs["AttachmentsBucketName"]
        os.environ["KABINET_EXCHANGE_BUCKET"] = outputs["ExchangeBucketName"]
        if self.seed:
            from infra.local.demo import seed

            self.accounts = seed()
            # The post-deploy data migrations run here too, as after a deployment (docs/deploy.md).
            from chalicelib.metering.migrations import migrate_links

            migrate_links()
            from chalicelib.connection.migrations import migrate_watch

            migrate_watch()
            from chalicelib.cases.migrations import migrate_history

            migrate_history()
            from chalicelib.reminders.migration import migrate_schedules

            migrate_schedules()
        self._start_app_workers()
        self._serve_http()
        return f"http://127.0.0.1:{self.port}"

    def serve(self) -> str:
        """Only the HTTP origin, over whatever AWS the process already uses (a test's moto mock),
        without workers or demo data: clients that speak plain HTTP — the edge agent's uploader —
        then reach the app as they would in production. Returns the base URL; `.stop()` ends it."""
        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler_class())
        self.port = self.httpd.server_address[1]
        self._serve_http()
        return f"http://127.0.0.1:{self.port}"

    def _serve_http(self) -> None:
        assert self.httpd is not None
        self.http_thread = threading.Thread(target=self.httpd.serve_forever, name="http", daemon=True)
        self.http_thread.start()

    def _start_app_workers(self) -> None:
        import app  # noqa: F401  (its logging set-up, ids and masking, before the workers log)
        from chalicelib.attachments.service import AttachmentService
        from chalicelib.connection.watcher import watch_deadlines as connection_deadlines
        from chalicelib.core.config import get_settings
        from chalicelib.notifications.consumer import handle_batch
        from chalicelib.notifications.outbox import relay_pending
        from chalicelib.reminders.service import handle_batch as reminders_batch, reminders_tick

        settings = get_settings()
        self.workers = [
            Worker("notifications-consumer", sqs_poller(settings.resource("notifications"), handle_batch), 0.25),
            Worker("outbox-relay", relay_pending, 60.0),
            Worker("attachments-sweep", AttachmentService().sweep, 3600.0),
            Worker("exchange-schedule", exchange_clock(), 30.0),
            Worker("connection-deadlines", connection_deadlines, 60.0),
            Worker("reminders-schedule", reminders_tick, 30.0),
            Worker("reminders-consumer", sqs_poller(settings.resource("reminders"), reminders_batch), 0.5),
        ]
        for worker in self.workers:
            worker.start()

    def stop_api(self) -> None:
        """Closes the HTTP origin only: moto, the workers and the clients keep running, as they would
        through an outage of the API. `start_api()` opens it again."""
        if self.httpd is not None:
            if self.http_thread is not None:  # else shutdown() would wait for a serve_forever() never started
                self.httpd.shutdown()
            self.httpd.server_close()
        self.httpd = self.http_thread = None

    def start_api(self) -> str:
        """Serves the HTTP origin again on the port it had (HTTPServer binds with SO_REUSEADDR)."""
        return self.serve()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        stack = self

        class Handler(_Handler):
            local = stack

        return Handler

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()
        self.stop_api()
        for worker in self.workers:
            worker.join(timeout=5)
        if self.moto is not None:
            self.moto.stop()
        self._serialised.close()


class _Handler(BaseHTTPRequestHandler):
    local: LocalStack
    protocol_version = "HTTP/1.1"
    _gateway: Any = None
    _gateway_lock = threading.Lock()

    def log_message(self, fmt: str, *args: Any) -> None:
        logger.info("%s %s", self.address_string(), fmt % args)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_OPTIONS(self) -> None:
        self._dispatch("OPTIONS")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """What http.server answers itself (an unknown method such as TRACE, a malformed request line)
        leaves in the API's error shape, in Russian, as everything else this origin says."""
        if code == 501 and urlsplit(self.path).path.startswith("/api/"):
            self._api(self.command)  # any other method (TRACE, QUERY …): the router's 405, with `Allow`
            return
        if code == 501:  # "Unsupported method": no do_<METHOD>
            code, error = (
                405,
                {"code": "method_not_allowed", "message": "Этот метод не поддерживается для данного адреса"},
            )
        else:  # 400, 414, 431, 505 (an unsupported HTTP version): the client's request, never our fault
            error = {"code": "bad_request", "message": "Неверный запрос"}
        body = json.dumps({"error": {**error, "fields": []}}, ensure_ascii=False).encode()
        self.close_connection = True
        try:
            self._send(code, body, "application/json; charset=utf-8", {"Connection": "close"})
        except OSError:
            pass

    def _dispatch(self, method: str) -> None:
        path = urlsplit(self.path).path
        if path.startswith("/api/"):
            self._api(method)
        elif path in ("/dev/outbox", "/dev/outbox.json") and method == "GET":
            if path.endswith(".json"):
                self._send(
                    200,
                    json.dumps({"messages": self.local.outbox.messages()}, ensure_ascii=False).encode(),
                    "application/json; charset=utf-8",
                )
            else:
                self._send(200, self.local.outbox.render_html().encode(), "text/html; charset=utf-8")
        elif method in ("GET", "HEAD"):
            self._static(path)
        else:
            self.send_error(501)

    @classmethod
    def gateway(cls) -> Any:
        with cls._gateway_lock:
            if cls._gateway is None:
                from chalice.config import Config
                from chalice.local import LocalGateway

                import app as application

                cls._gateway = LocalGateway(application.app, Config())
            return cls._gateway

    def _api(self, method: str) -> None:
        from chalice.local import LocalGatewayException

        declared = self.headers.get("Content-Length") or "0"
        # Checked before reading: "abc", "-5" or a huge length ended the handler without an answer
        # (ValueError, MemoryError).
        if not declared.isdecimal():
            self.send_error(400)
            return
        length = int(declared)
        if length > GATEWAY_MAX_BODY_BYTES:
            error = {"error": {"code": "payload_too_large", "message": "Слишком большой запрос", "fields": []}}
            self.close_connection = True
            payload = json.dumps(error, ensure_ascii=False).encode()
            self._send(413, payload, "application/json; charset=utf-8", {"Connection": "close"})
            return
        body = self.rfile.read(length) if length else b""
        headers = {k: v for k, v in self.headers.items()}
        try:
            response = self.gateway().handle_request(method=method, path=self.path, headers=headers, body=body)
        except LocalGatewayException:
            error = {"error": {"code": "not_found", "message": "Адрес API не найден", "fields": []}}
            self._send(404, json.dumps(error, ensure_ascii=False).encode(), "application/json; charset=utf-8")
            return
        payload = response.get("body") or b""
        if response.get("isBase64Encoded"):  # binary types (80020 XML, zip), as API Gateway decodes them
            payload = base64.b64decode(payload)
        elif isinstance(payload, str):
            payload = payload.encode()
        response_headers = dict(response.get("headers") or {})
        content_type = response_headers.pop("Content-Type", "application/json")
        self._send(response["statusCode"], payload, content_type, response_headers)

    def _static(self, path: str) -> None:
        if not SITE.is_dir():  # started without `make run`, which builds the site first
            self._send(503, "Сайт не собран: выполните make site".encode(), "text/plain; charset=utf-8")
            return
        relative = unquote(path).lstrip("/") or "index.html"
        target = (SITE / relative).resolve()
        if SITE.resolve() not in target.parents or not target.is_file():
            if "." not in Path(relative).name:  # client-side routes fall back to the app shell
                target = SITE / "index.html"
            else:
                error = {"error": {"code": "not_found", "message": "Файл не найден", "fields": []}}
                self._send(404, json.dumps(error, ensure_ascii=False).encode(), "application/json; charset=utf-8")
                return
        content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if content_type.startswith("text/") or content_type in ("application/javascript", "application/json"):
            content_type += "; charset=utf-8"
        self._send(200, target.read_bytes(), content_type, {"Cache-Control": "no-cache"})

    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        # What CloudFront adds to every response in AWS (SecurityHeadersPolicy), CSP included.
        for name, value in local_security_headers().items():
            self.send_header(name, value)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def main() -> None:
    parser = argparse.ArgumentParser(description="Kabinet: локальный запуск всей системы")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("werkzeug", "botocore", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    stack = LocalStack(port=args.port)
    url = stack.start()
    concentrator = None
    if stack.accounts:
        from infra.local.concentrator import Concentrator

        concentrator = Concentrator(url)
        try:
            concentrator.start()
        except Exception:  # noqa: BLE001 — the portal runs without the simulated УСПД
            logger.exception("симулятор УСПД не запущен")
            concentrator.stop()
            concentrator = None
    print(
        f"\nKabinet запущен: {url}\n  Консоль:   {url}/staff.html  (для сотрудников)"
        f"\n  API:       {url}/api/v1  (документация: {url}/docs.html)"
        f"\n  Исходящие: {url}/dev/outbox\n\nДемо-учётные записи:"
    )
    for account in stack.accounts:
        print(
            f"  {account.title:<28} логин {account.login:<10} пароль {account.password}"
            + (f"  ключ TOTP {account.totp_secret}" if account.totp_secret else "")
        )
    employees = [account for account in stack.accounts if account.totp_secret]
    if employees:
        print("  Сотрудники входят с кодом из приложения-аутентификатора: добавьте в него ключ TOTP или получите код:")
        for account in employees:
            print(
                f'    {account.login + ":":<10} .venv/bin/python -c "import pyotp; '
                f"print(pyotp.TOTP('{account.totp_secret}').now())\""
            )
    if stack.accounts:
        from chalicelib.exchange.demo import (
            COMPANY_CONTRACT,
            COMPANY_LAST_READING,
            COMPANY_SERIAL,
            DEMO_CONTRACT,
            DEMO_LAST_READING,
            DEMO_SERIAL,
            HOUSE_CONTRACT,
            HOUSE_HOLDER,
            HOUSE_LAST_READING,
            HOUSE_SERIAL,
            OLD_FORMAT_CONTRACT,
            OLD_FORMAT_SERIAL,
        )

        print(
            f"\nПривязка договоров (владелец подтверждается по данным биллинга):"
            f"\n  demo:     договор {DEMO_CONTRACT}, заводской номер {DEMO_SERIAL} (СНИЛС demo совпадает)"
            f"\n  romashka: договор {COMPANY_CONTRACT}, заводской номер {COMPANY_SERIAL}, показание из счёта"
            f" {COMPANY_LAST_READING} (ИНН и КПП совпадают)"
            f"\n  ФЛ без СНИЛС в биллинге: {HOUSE_CONTRACT}, {HOUSE_SERIAL}, фамилия {HOUSE_HOLDER.split()[0]},"
            f" показание {HOUSE_LAST_READING}"
            f"\n  договор старого формата {OLD_FORMAT_CONTRACT} ({OLD_FORMAT_SERIAL}): только «Запросить доступ»,"
            f" решение — staff, «Доступ к договорам»"
            f"\n  последнее показание биллинга {DEMO_LAST_READING} счётчика {DEMO_SERIAL}: введите 00123 —"
            f" кабинет спросит «Переход электросчётчика через ноль?»"
            f"\n  обмен с биллингом без ожидания 00:55: staff → POST {url}/api/v1/staff/exchange/run"
        )
    if concentrator is not None:
        from chalicelib.exchange.demo import AIIS_SERIAL, DEMO_CONTRACT

        print(
            f"\nАИИС КУЭ: работает {concentrator.describe()}"
            f"\n  счётчик {AIIS_SERIAL} договора {DEMO_CONTRACT}: после привязки договора — «АИИС КУЭ» →"
            f" «Подключить»; staff: «Агенты УСПД»"
        )
    print("\nОстановка: Ctrl-C\n", flush=True)
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    try:
        while not stopping.is_set():
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    print("Останавливаю…", flush=True)
    if concentrator is not None:
        concentrator.stop()
    stack.stop()


if __name__ == "__main__":
    main()
