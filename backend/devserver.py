"""`make run`: the API on http://127.0.0.1:8000 with every real component started locally.

Starts the Firebase Auth emulator (127.0.0.1:9099), the local FCM endpoint (127.0.0.1:9097), the
local SMTP sink (SMTP on 127.0.0.1:1025, its page on http://127.0.0.1:8025), the local VNPay
sandbox (127.0.0.1:9098), the embedded database (127.0.0.1:27018, data under var/db) and the push
worker (which polls a labelled sample air quality feed, content/air/sample-feed.json, unless
AIR_FEED is set), then serves the app, which loads content/ into the database when it is empty.
Ctrl-C stops everything it started.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from contextlib import ExitStack
from importlib.util import find_spec

import uvicorn

from backend.embedded import EmbeddedMongo
from backend.emulators import FirebaseAuthEmulator
from backend.processes import ChildProcess
from backend.settings import DEV_CORS_ORIGINS, ROOT

log = logging.getLogger("thanglong.dev")
# The sandbox's merchant in development (not secrets: the sandbox only listens on loopback).
DEV_VNPAY_TMN_CODE = "THANGLNG"
DEV_VNPAY_SECRET = "local-sandbox-hash-secret-not-for-production"  # noqa: S105


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m backend.devserver", description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--auth-port", type=int, default=9099)
    parser.add_argument("--fcm-port", type=int, default=9097)
    parser.add_argument("--db-port", type=int, default=27018)
    parser.add_argument("--vnpay-port", type=int, default=9098)
    parser.add_argument("--smtp-port", type=int, default=1025)
    parser.add_argument("--smtp-page-port", type=int, default=8025)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    data_dir = ROOT / "var"
    os.environ.setdefault("NO_GCE_CHECK", "true")
    os.environ.setdefault("APP_ENV", "development")
    os.environ.setdefault("DATA_DIR", str(data_dir))
    os.environ.setdefault("FIREBASE_PROJECT_ID", "demo-thanglong")
    if os.environ["APP_ENV"] == "production":
        print("make run is for development; production runs the Procfile", file=sys.stderr)
        return 2

    from backend.payments.sandbox import LocalVnpay
    from notifications.fcm_local import LocalFcm

    with ExitStack() as stack:
        if "FIREBASE_AUTH_EMULATOR_HOST" not in os.environ:
            emulator = FirebaseAuthEmulator(
                port=args.auth_port, log_file=data_dir / "log" / "auth-emulator.log"
            )
            log.info("starting the Firebase Auth emulator on 127.0.0.1:%d", args.auth_port)
            stack.enter_context(emulator)
            os.environ["FIREBASE_AUTH_EMULATOR_HOST"] = emulator.host_port
        if "FCM_ENDPOINT" not in os.environ:
            fcm = stack.enter_context(LocalFcm(args.fcm_port))
            os.environ["FCM_ENDPOINT"] = fcm.url
            log.info("local FCM endpoint on %s (open it to see pushes)", fcm.url)
        if "SMTP_HOST" not in os.environ:
            from notifications.smtp_local import LocalSmtp

            sink = LocalSmtp(
                args.smtp_port, args.smtp_page_port, log_file=data_dir / "log" / "smtp-sink.log"
            )
            stack.enter_context(sink)
            os.environ.update(SMTP_HOST=sink.host, SMTP_PORT=str(sink.smtp_port), SMTP_TLS="none")
            log.info("local SMTP sink on port %d; read its email at %s", sink.smtp_port, sink.url)
        if "VNPAY_PAYMENT_URL" not in os.environ:
            # The local VNPay sandbox, with this merchant: pay on its page, IPNs come back here.
            ipn_url = f"http://127.0.0.1:{args.port}/payments/vnpay/ipn"
            merchant = (DEV_VNPAY_TMN_CODE, DEV_VNPAY_SECRET, ipn_url)
            vnpay = stack.enter_context(
                LocalVnpay(
                    args.vnpay_port,
                    merchant=merchant,
                    log_file=data_dir / "log" / "vnpay-sandbox.log",
                )
            )
            os.environ["VNPAY_TMN_CODE"] = DEV_VNPAY_TMN_CODE
            os.environ["VNPAY_HASH_SECRET"] = DEV_VNPAY_SECRET
            os.environ["VNPAY_PAYMENT_URL"] = vnpay.payment_url
            os.environ["VNPAY_API_URL"] = vnpay.api_url
            log.info("local VNPay sandbox on %s (its page pays, fails or cancels)", vnpay.url)
        if "MONGODB_URI" not in os.environ:
            # Started here rather than in the app's lifespan so the worker shares it.
            database = EmbeddedMongo(
                data_dir / "db", port=args.db_port, log_file=data_dir / "log" / "secantusdb.log"
            )
            stack.enter_context(database)
            os.environ["MONGODB_URI"] = database.uri
            os.environ["SEED_ON_START"] = "true"
            log.info("embedded database on %s (data in %s)", database.uri, data_dir / "db")
        if "AIR_FEED" not in os.environ:
            # Made-up readings, labelled as such, so the air quality screens are not empty.
            os.environ["AIR_FEED"] = str(ROOT / "content" / "air" / "sample-feed.json")
            os.environ.setdefault("AIR_POLL_SECONDS", "300")
            log.info("air quality: SAMPLE feed %s (not real measurements)", os.environ["AIR_FEED"])
        if find_spec("notifications.worker") is not None:
            worker = ChildProcess("push worker", log_file=data_dir / "log" / "worker.log")
            worker.spawn([sys.executable, "-m", "notifications.worker"], cwd=ROOT)
            stack.callback(worker.stop)
        origins = os.environ.get("CORS_ORIGINS") or ",".join(DEV_CORS_ORIGINS)
        log.info("browser clients allowed from %s (CORS_ORIGINS)", origins)
        log.info("serving the API on http://127.0.0.1:%d/graphql", args.port)
        uvicorn.run(
            "backend.app:app",
            host="127.0.0.1",
            port=args.port,
            log_level="info",
            proxy_headers=False,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
