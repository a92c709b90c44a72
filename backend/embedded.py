"""The embedded database: SecantusDB (a MongoDB-wire server) run as a child process.

SecantusDB is GPL-2.0, so the app never imports it: it only starts the `secantusd-py` command and
talks to it over the wire protocol like any MongoDB server.
"""

from __future__ import annotations

import logging
import shutil
import sys
from pathlib import Path
from typing import Self

from pymongo import MongoClient
from pymongo.errors import PyMongoError

from backend.processes import ChildProcess, Service, free_port

log = logging.getLogger(__name__)

MEMORY = ":memory:"


def _server_command() -> str:
    # The console script sits next to the interpreter in a virtualenv; fall back to PATH.
    candidate = Path(sys.executable).parent / "secantusd-py"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("secantusd-py")
    if not found:
        raise RuntimeError(
            "secantusd-py not found: the embedded database is a development tool; install "
            "the project with it (pip install -e '.[embedded]', or make run) or set MONGODB_URI"
        )
    return found


class EmbeddedMongo(Service):
    """Start SecantusDB on a free loopback port, wait for `ping`, stop it on exit."""

    def __init__(
        self,
        storage_path: str | Path = MEMORY,
        *,
        port: int | None = None,
        startup_timeout: float = 30.0,
        log_file: Path | None = None,
        cache_size: str | None = None,
    ) -> None:
        self.storage_path = str(storage_path)
        self.cache_size = cache_size  # WiredTiger's cache, e.g. "4G" (SecantusDB's default: 1G)
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self.startup_timeout = startup_timeout
        self._child = ChildProcess("secantusd-py", log_file=log_file)

    @property
    def uri(self) -> str:
        return f"mongodb://{self.host}:{self.port}/?directConnection=true"

    @property
    def pid(self) -> int | None:
        return self._child.pid

    def start(self) -> Self:
        """Start the server and block until it answers ping (or raise with its output)."""
        if self.storage_path != MEMORY:
            Path(self.storage_path).mkdir(parents=True, exist_ok=True)
        self._child.spawn([
            _server_command(),
            "--host", self.host,
            "--port", str(self.port),
            "--storage-path", self.storage_path,
            "--sync-on-commit",
            "--log-level", "WARNING",
            *(["--cache-size", self.cache_size] if self.cache_size else []),
        ])  # fmt: skip
        probe: MongoClient[dict[str, object]] = MongoClient(
            self.uri, serverSelectionTimeoutMS=250, connectTimeoutMS=250
        )

        def answers_ping() -> bool:
            try:
                probe.admin.command("ping")
                return True
            except PyMongoError:
                return False

        try:
            self._child.wait_until(answers_ping, self.startup_timeout)
        finally:
            probe.close()
        log.info("embedded database up on %s (storage %s)", self.uri, self.storage_path)
        return self

    def stop(self) -> None:
        """Stop gracefully (SIGTERM lets WiredTiger checkpoint), killing only if it hangs."""
        self._child.stop()

    def kill(self) -> None:
        """SIGKILL the server, as a crash would."""
        self._child.kill()
