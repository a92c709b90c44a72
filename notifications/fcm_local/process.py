"""Runs the endpoint as a child process on a loopback port, for tests and `make run`.

The child is ``python -m notifications.fcm_local``; it counts as ready once it answers HTTP with
the random instance id it was handed (`INSTANCE_ENV`, `INSTANCE_HEADER`), not merely once
something answers on its port.
"""

from __future__ import annotations

import functools
import ipaddress
import os
import sys
import uuid
from pathlib import Path
from typing import Final, Self

import httpx

from backend.processes import ChildExitedError, ChildProcess, Service, free_port
from notifications.fcm_local.state import INSTANCE_ENV, INSTANCE_HEADER

DEFAULT_HOST: Final = "127.0.0.1"
_PROJECT_ROOT: Final = Path(__file__).resolve().parents[2]


def is_loopback(host: str) -> bool:
    """Whether ``host`` is "localhost" or a loopback address (the only ones we bind to)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class LocalFcm(Service):
    """Runs the local FCM endpoint as a child process; ``port=0`` picks a free port."""

    READY_PATH: Final = "/_local/messages?limit=0"
    # Only when we picked the port: another process may grab it between our probe and the bind.
    PORT_ATTEMPTS: Final = 3

    def __init__(
        self, port: int = 0, *, host: str = DEFAULT_HOST, startup_timeout: float = 15.0
    ) -> None:
        if not is_loopback(host):
            raise ValueError(f"LocalFcm only binds to loopback addresses, not {host!r}")
        self._host = host
        self._requested_port = port
        self._startup_timeout = startup_timeout
        self._child: ChildProcess | None = None
        self._port: int | None = None

    @property
    def url(self) -> str:
        """Base URL of the running endpoint, e.g. ``http://127.0.0.1:PORT``."""
        if self._port is None:
            raise RuntimeError("LocalFcm is not running; call start() first")
        return f"http://{self._host}:{self._port}"

    def start(self) -> Self:
        """Start the child process and wait until it answers HTTP (as itself, not another)."""
        if self._child is not None:
            return self
        attempts = 1 if self._requested_port else self.PORT_ATTEMPTS
        for attempt in range(1, attempts + 1):
            port = self._requested_port or free_port(self._host)
            instance_id = uuid.uuid4().hex
            child = ChildProcess("local FCM")
            # The child imports notifications.fcm_local by name, whatever the caller's cwd is.
            python_path = os.pathsep.join(
                p for p in (str(_PROJECT_ROOT), os.environ.get("PYTHONPATH", "")) if p
            )
            command = [sys.executable, "-m", "notifications.fcm_local"]
            child.spawn(
                [*command, "--host", self._host, "--port", str(port)],
                env={INSTANCE_ENV: instance_id, "PYTHONPATH": python_path},
                cwd=_PROJECT_ROOT,
            )
            self._child, self._port = child, port
            # trust_env=False: a developer's HTTP(S)_PROXY must not capture loopback traffic.
            with httpx.Client(trust_env=False, timeout=1.0) as client:
                ready = functools.partial(self._answers_as, client, instance_id)
                try:
                    child.wait_until(ready, self._startup_timeout)
                    return self
                except ChildExitedError:
                    self._child, self._port = None, None
                    if attempt == attempts:
                        raise
                except BaseException:
                    self.stop()
                    raise
        raise AssertionError("unreachable")

    def _answers_as(self, client: httpx.Client, instance_id: str) -> bool:
        """The endpoint answers, and it is our child (not another server on a reused port)."""
        try:
            response = client.get(self.url + self.READY_PATH)
        except httpx.TransportError:
            return False
        return response.status_code == 200 and response.headers.get(INSTANCE_HEADER) == instance_id

    def stop(self) -> None:
        """Terminate the child (SIGKILL if it ignores SIGTERM) and release its resources."""
        child, self._child = self._child, None
        if child is not None:
            child.stop(timeout=5.0)
        self._port = None
