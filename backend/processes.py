"""Child processes the app or the developer tools start: start, wait until ready, stop in order."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Self

log = logging.getLogger(__name__)


class Service:
    """A local service started for a block: `with Service() as service:` starts it and stops it
    however the block ends. Subclasses give `start` (returning self once ready) and `stop`."""

    def start(self) -> Self:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def free_port(host: str = "127.0.0.1") -> int:
    """Ask the kernel for a free TCP port on loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:
    """In the child: ask Linux to SIGTERM it if the parent dies without cleaning up."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: the parent's shutdown still stops the child


class ChildExitedError(RuntimeError):
    """The child died before it was ready (a port taken, say): a retry may help."""


class ChildProcess:
    """One child process with its output captured to a file, stopped with SIGTERM then SIGKILL."""

    def __init__(self, name: str, *, log_file: Path | None = None) -> None:
        self.name = name
        self.log_file = log_file
        self.process: subprocess.Popen[bytes] | None = None
        self._output: IO[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def spawn(
        self, command: Sequence[str], *, env: dict[str, str] | None = None, cwd: Path | None = None
    ) -> None:
        """Start the command in its own session (Ctrl-C reaches the parent, which stops it)."""
        if self.log_file is not None:
            self.log_file.parent.mkdir(parents=True, exist_ok=True)
            self._output = open(self.log_file, "ab")  # noqa: SIM115 - closed in stop()
        else:
            self._output = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            list(command),
            stdout=self._output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
            cwd=str(cwd or tempfile.gettempdir()),
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )

    def output_tail(self, size: int = 2000) -> str:
        """The last characters the child printed, for error messages."""
        try:
            if self.log_file is not None:
                return self.log_file.read_text(errors="replace")[-size:]
            if self._output is None:
                return ""
            self._output.seek(0)
            return self._output.read()[-size:].decode(errors="replace")
        except (OSError, ValueError):
            return ""

    def wait_until(self, ready: Callable[[], bool], timeout: float) -> None:
        """Poll a readiness probe until it answers, the child dies, or the deadline passes."""
        deadline = time.monotonic() + timeout
        while True:
            if self.process is None or self.process.poll() is not None:
                code = self.process.returncode if self.process else None
                tail = self.output_tail()
                self.stop()
                raise ChildExitedError(f"{self.name} exited with code {code}: {tail}")
            if ready():
                return
            if time.monotonic() > deadline:
                tail = self.output_tail()
                self.stop()
                raise RuntimeError(f"{self.name} was not ready within {timeout}s: {tail}")
            time.sleep(0.05)  # polling a readiness probe, not guessing a delay

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM, wait, then SIGKILL if it hangs; the process group goes with it."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                log.warning("%s ignored SIGTERM; killing it", self.name)
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        if self._output is not None:
            self._output.close()
            self._output = None

    def kill(self) -> None:
        """SIGKILL the child, as a crash would."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.stop()
