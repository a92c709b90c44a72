"""Runs the sandbox as a child process on a loopback port, for tests and `make run`.

Ready once it answers HTTP with the random instance id it was handed (not merely once
something answers on its port), like the local FCM endpoint (notifications/fcm_local).
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from backend.payments.sandbox import state
from backend.processes import LOOPBACK_HOST, LocalStandIn

DEFAULT_HOST: Final = LOOPBACK_HOST


class LocalVnpay(LocalStandIn):
    """The local VNPay sandbox as a child process; `port=0` picks a free port. A merchant given
    here is registered at start (`make run`); tests register their own through the control API."""

    NAME = "local VNPay sandbox"
    MODULE = "backend.payments.sandbox"
    INSTANCE_ENV = state.INSTANCE_ENV
    INSTANCE_HEADER = state.INSTANCE_HEADER

    def __init__(
        self,
        port: int = 0,
        *,
        host: str = DEFAULT_HOST,
        merchant: tuple[str, str, str | None] | None = None,  # (tmn code, secret, IPN URL)
        log_file: Path | None = None,
        startup_timeout: float = 15.0,
    ) -> None:
        super().__init__(port, host=host, log_file=log_file, startup_timeout=startup_timeout)
        self._merchant = merchant

    @property
    def payment_url(self) -> str:
        return self.url + "/paymentv2/vpcpay.html"

    @property
    def api_url(self) -> str:
        return self.url + "/merchant_webapi/api/transaction"

    def command_args(self, ports: tuple[int, ...]) -> list[str]:
        args = super().command_args(ports)
        if self._merchant is not None:
            tmn, secret, ipn_url = self._merchant
            args += ["--tmn-code", tmn, "--hash-secret", secret]
            if ipn_url:
                args += ["--ipn-url", ipn_url]
        return args
