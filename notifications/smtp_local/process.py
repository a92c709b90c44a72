"""Runs the sink as a child process on loopback ports, for tests and `make run`.

Ready once its HTTP port answers with the random instance id it was handed and its SMTP port
accepts connections.
"""

from __future__ import annotations

import functools
import os
import socket
import sys
import uuid
from pathlib import Path
from typing import Final, Self

import httpx

from backend.processes import ChildExitedError, ChildProcess, Service, free_port
from notifications.smtp_local.sink import INSTANCE_ENV, INSTANCE_HEADER

DEFAULT_HOST: Final = "127.0.0.1"
_PROJECT_ROOT: Final = Path(__file__).resolve().parents[2]


class LocalSmtp(Service):
    """The SMTP sink as a child process; ports 0 pick free ones."""

    PORT_ATTEMPTS: Final = 3

    def __init__(
        self,
        smtp_port: int = 0,
        http_port: int = 0,
        *,
        log_file: Path | None = None,
        startup_timeout: float = 15.0,
    ) -> None:
        self.host = DEFAULT_HOST
        self._requested = (smtp_port, http_port)
        self._log_file = log_file
        self._startup_timeout = startup_timeout
        self._child: ChildProcess | None = None
        self.smtp_port = 0
        self.http_port = 0

    @property
    def url(self) -> str:
        """The page and control API, e.g. http://127.0.0.1:8025."""
        if self._child is None:
            raise RuntimeError("LocalSmtp is not running; call start() first")
        return f"http://{self.host}:{self.http_port}"

    def start(self) -> Self:
        if self._child is not None:
            return self
        attempts = 1 if all(self._requested) else self.PORT_ATTEMPTS
        for attempt in range(1, attempts + 1):
            self.smtp_port = self._requested[0] or free_port(self.host)
            self.http_port = self._requested[1] or free_port(self.host)
            instance_id = uuid.uuid4().hex
            child = ChildProcess("local SMTP sink", log_file=self._log_file)
            python_path = os.pathsep.join(
                p for p in (str(_PROJECT_ROOT), os.environ.get("PYTHONPATH", "")) if p
            )
            child.spawn(
                [
                    sys.executable,
                    "-m",
                    "notifications.smtp_local",
                    "--host",
                    self.host,
                    "--smtp-port",
                    str(self.smtp_port),
                    "--http-port",
                    str(self.http_port),
                ],
                env={INSTANCE_ENV: instance_id, "PYTHONPATH": python_path},
                cwd=_PROJECT_ROOT,
            )
            self._child = child
            with httpx.Client(trust_env=False, timeout=1.0) as client:
                try:
                    child.wait_until(
                        functools.partial(self._ready, client, instance_id), self._startup_timeout
                    )
                    return self
                except ChildExitedError:
                    self._child = None
                    if attempt == attempts:
                        raise
                except BaseException:
                    self.stop()
                    raise
        raise AssertionError("unreachable")

    def _ready(self, client: httpx.Client, instance_id: str) -> bool:
        try:
            response = client.get(f"{self.url}/_local/messages?limit=0")
            with socket.create_connection((self.host, self.smtp_port), timeout=1.0):
                pass
        except (httpx.TransportError, OSError):
            return False
        return response.status_code == 200 and response.headers.get(INSTANCE_HEADER) == instance_id

    def stop(self) -> None:
        child, self._child = self._child, None
        if child is not None:
            child.stop(timeout=5.0)
