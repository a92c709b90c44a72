"""`make run`: the API on http://127.0.0.1:8000 with every real component started locally.

Starts the Firebase Auth emulator (127.0.0.1:9099), the local FCM endpoint (127.0.0.1:9097), the
embedded database (127.0.0.1:27018, data under var/db) and the push worker (which polls a labelled
sample air quality feed, content/air/sample-feed.json, unless AIR_FEED is set), then serves the app,
which loads content/ into the database when it is empty. Ctrl-C stops everything it started.
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m backend.devserver", description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--auth-port", type=int, default=9099)
    parser.add_argument("--fcm-port", type=int, default=9097)
    parser.add_argument("--db-port", type=int, default=27018)
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
