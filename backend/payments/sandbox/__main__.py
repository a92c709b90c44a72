"""`python -m backend.payments.sandbox --port 9098`: serve the local VNPay sandbox."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

import uvicorn

from backend.payments.sandbox.app import create_app
from backend.payments.sandbox.state import INSTANCE_ENV, SandboxMerchant, SandboxState

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m backend.payments.sandbox", description="Local VNPay sandbox (dev, tests)."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9098)
    parser.add_argument("--tmn-code", help="register this merchant at start")
    parser.add_argument("--hash-secret")
    parser.add_argument("--ipn-url", help="where its IPNs go (else they wait to be taken)")
    args = parser.parse_args(argv)
    if args.host not in LOOPBACK:
        # It signs whatever it is told to: never expose it off the machine.
        parser.error(f"refusing to bind to non-loopback host {args.host!r}")
    state = SandboxState(instance_id=os.environ.get(INSTANCE_ENV))
    if args.tmn_code and args.hash_secret:
        state.add_merchant(
            SandboxMerchant(
                tmn_code=args.tmn_code, hash_secret=args.hash_secret, ipn_url=args.ipn_url
            )
        )
    # A long keep-alive: callers (tests, the bench) pause between calls longer than uvicorn's
    # 5 s default, which would close pooled connections under them.
    uvicorn.run(
        create_app(state),
        host=args.host,
        port=args.port,
        log_level="warning",
        access_log=False,
        timeout_keep_alive=75,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
