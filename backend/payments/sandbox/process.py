"""Runs the sandbox as a child process on a loopback port, for tests and `make run`.

Ready once it answers HTTP with the random instance id it was handed (not merely once
something answers on its port), like the local FCM endpoint (notifications/fcm_local).
"""

from __future__ import annotations

import functools
import os
import sys
import uuid
from pathlib import Path
from typing import Final, Self

import httpx

from backend.payments.sandbox.state import INSTANCE_ENV, INSTANCE_HEADER
from backend.processes import ChildExitedError, ChildProcess, Service, free_port

DEFAULT_HOST: Final = "127.0.0.1"
_PROJECT_ROOT: Final = Path(__file__).resolve().parents[3]


class LocalVnpay(Service):
    """The local VNPay sandbox as a child process; `port=0` picks a free port. A merchant given
    here is registered at start (`make run`); tests register their own through the control API."""

    PORT_ATTEMPTS: Final = 3

    def __init__(
        self,
        port: int = 0,
        *,
        host: str = DEFAULT_HOST,
        merchant: tuple[str, str, str | None] | None = None,  # (tmn code, secret, IPN URL)
        log_file: Path | None = None,
        startup_timeout: float = 15.0,
    ) -> None:
        self._host = host
        self._requested_port = port
        self._merchant = merchant
        self._log_file = log_file
        self._startup_timeout = startup_timeout
        self._child: ChildProcess | None = None
        self._port: int | None = None

    @property
    def url(self) -> str:
        """Base URL, e.g. http://127.0.0.1:PORT."""
        if self._port is None:
            raise RuntimeError("LocalVnpay is not running; call start() first")
        return f"http://{self._host}:{self._port}"

    @property
    def payment_url(self) -> str:
        return self.url + "/paymentv2/vpcpay.html"

    @property
    def api_url(self) -> str:
        return self.url + "/merchant_webapi/api/transaction"

    def start(self) -> Self:
        """Start the child and wait until it answers as itself."""
        if self._child is not None:
            return self
        attempts = 1 if self._requested_port else self.PORT_ATTEMPTS
        for attempt in range(1, attempts + 1):
            port = self._requested_port or free_port(self._host)
            instance_id = uuid.uuid4().hex
            child = ChildProcess("local VNPay sandbox", log_file=self._log_file)
            python_path = os.pathsep.join(
                p for p in (str(_PROJECT_ROOT), os.environ.get("PYTHONPATH", "")) if p
            )
            command = [sys.executable, "-m", "backend.payments.sandbox"]
            command += ["--host", self._host, "--port", str(port)]
            if self._merchant is not None:
                tmn, secret, ipn_url = self._merchant
                command += ["--tmn-code", tmn, "--hash-secret", secret]
                if ipn_url:
                    command += ["--ipn-url", ipn_url]
            child.spawn(
                command,
                env={INSTANCE_ENV: instance_id, "PYTHONPATH": python_path},
                cwd=_PROJECT_ROOT,
            )
            self._child, self._port = child, port
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
        try:
            response = client.get(self.url + "/")
        except httpx.TransportError:
            return False
        return response.status_code == 200 and response.headers.get(INSTANCE_HEADER) == instance_id

    def stop(self) -> None:
        """Terminate the child."""
        child, self._child = self._child, None
        if child is not None:
            child.stop(timeout=5.0)
        self._port = None
