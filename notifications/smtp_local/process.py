"""Runs the sink as a child process on loopback ports, for tests and `make run`.

Ready once its HTTP port answers with the random instance id it was handed and its SMTP port
accepts connections.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Final

from backend.processes import LOOPBACK_HOST, LocalStandIn
from notifications.smtp_local import sink

DEFAULT_HOST: Final = LOOPBACK_HOST


class LocalSmtp(LocalStandIn):
    """The SMTP sink as a child process; ports 0 pick free ones."""

    NAME = "local SMTP sink"
    MODULE = "notifications.smtp_local"
    INSTANCE_ENV = sink.INSTANCE_ENV
    INSTANCE_HEADER = sink.INSTANCE_HEADER
    READY_PATH = "/_local/messages?limit=0"

    def __init__(
        self,
        smtp_port: int = 0,
        http_port: int = 0,
        *,
        log_file: Path | None = None,
        startup_timeout: float = 15.0,
    ) -> None:
        # The HTTP port first: the base class probes it and builds `url` from it.
        super().__init__(
            http_port,
            smtp_port,
            host=DEFAULT_HOST,
            log_file=log_file,
            startup_timeout=startup_timeout,
        )

    @property
    def http_port(self) -> int:
        """The page and control API's port (0 before the first start)."""
        return self._ports[0]

    @property
    def smtp_port(self) -> int:
        """The port that accepts mail (0 before the first start)."""
        return self._ports[1]

    def command_args(self, ports: tuple[int, ...]) -> list[str]:
        http_port, smtp_port = ports
        args = ["--host", self.host, "--smtp-port", str(smtp_port)]
        return [*args, "--http-port", str(http_port)]

    def extra_ready(self) -> bool:
        """The SMTP port accepts connections too."""
        try:
            with socket.create_connection((self.host, self.smtp_port), timeout=1.0):
                return True
        except OSError:
            return False
