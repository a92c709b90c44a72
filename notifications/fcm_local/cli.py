"""``python -m notifications.fcm_local``: serve the endpoint with uvicorn on a loopback address."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from typing import Final

import uvicorn

from notifications.fcm_local.app import create_app
from notifications.fcm_local.process import DEFAULT_HOST, is_loopback
from notifications.fcm_local.state import INSTANCE_ENV, FcmState

DEFAULT_PORT: Final = 9097


def _port_number(value: str) -> int:
    port = int(value)
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError("port must be 0..65535")
    return port


def main(argv: Sequence[str] | None = None) -> None:
    """Run the local FCM endpoint with uvicorn on a loopback address."""
    parser = argparse.ArgumentParser(
        prog="python -m notifications.fcm_local",
        description="Local FCM v1-compatible endpoint for development and tests.",
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help="loopback address to bind")
    parser.add_argument("--port", type=_port_number, default=DEFAULT_PORT)
    args = parser.parse_args(argv)
    if not is_loopback(args.host):
        # It accepts any bearer token and shows every push: never expose it off the machine.
        parser.error(f"refusing to bind to non-loopback host {args.host!r}; this is a dev tool")
    state = FcmState(instance_id=os.environ.get(INSTANCE_ENV))
    uvicorn.run(
        create_app(state), host=args.host, port=args.port, log_level="warning", access_log=False
    )
