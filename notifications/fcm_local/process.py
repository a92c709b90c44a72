"""Runs the endpoint as a child process on a loopback port, for tests and `make run`.

The child is ``python -m notifications.fcm_local``; it counts as ready once it answers HTTP with
the random instance id it was handed (`INSTANCE_ENV`, `INSTANCE_HEADER`), not merely once
something answers on its port.
"""

from __future__ import annotations

import ipaddress
from typing import Final

from backend.processes import LOOPBACK_HOST, LocalStandIn
from notifications.fcm_local import state

DEFAULT_HOST: Final = LOOPBACK_HOST


def is_loopback(host: str) -> bool:
    """Whether ``host`` is "localhost" or a loopback address (the only ones we bind to)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class LocalFcm(LocalStandIn):
    """Runs the local FCM endpoint as a child process; ``port=0`` picks a free port."""

    NAME = "local FCM"
    MODULE = "notifications.fcm_local"
    INSTANCE_ENV = state.INSTANCE_ENV
    INSTANCE_HEADER = state.INSTANCE_HEADER
    READY_PATH = "/_local/messages?limit=0"

    def __init__(
        self, port: int = 0, *, host: str = DEFAULT_HOST, startup_timeout: float = 15.0
    ) -> None:
        if not is_loopback(host):
            raise ValueError(f"LocalFcm only binds to loopback addresses, not {host!r}")
        super().__init__(port, host=host, startup_timeout=startup_timeout)
