"""Run Node's test runner on the app's client tests (Apollo Client, the Firebase JS SDK)."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from backend.settings import ROOT


async def run_node(target: Path, env: dict[str, str], *, seconds: float) -> tuple[int, str]:
    """`node --test` on `target` (a file or a folder) with TAP output; exit code and output
    (-1 when it ran past `seconds`, then killed)."""
    node = shutil.which("node")
    assert node, "node is needed (make test installs the Node dependencies with npm ci)"
    process = await asyncio.create_subprocess_exec(
        node, "--test", "--test-reporter=tap", str(target),
        cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    try:
        output, _ = await asyncio.wait_for(process.communicate(), seconds)
    except TimeoutError:
        process.kill()
        output, _ = await process.communicate()
        return -1, output.decode(errors="replace") + "\n(node --test timed out)"
    return process.returncode or 0, output.decode(errors="replace")
