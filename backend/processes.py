"""Child processes the app or the developer tools start: start, wait until ready, stop in order."""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, ClassVar, Final, Self

import httpx

log = logging.getLogger(__name__)

LOOPBACK_HOST: Final = "127.0.0.1"
_PROJECT_ROOT: Final = Path(__file__).resolve().parents[1]


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


class LocalStandIn(Service):
    """A development stand-in (local FCM, VNPay sandbox, SMTP sink) run as `python -m MODULE` on
    loopback ports. Ready once its first (HTTP) port answers `READY_PATH` with the random instance
    id it was handed, not merely once something answers there: another server may hold a fixed
    port. Ports given as 0 are picked free, and picked again if the child dies (another process
    may grab a port between our probe and the child's bind)."""

    NAME: ClassVar[str]  # for messages: "local FCM"
    MODULE: ClassVar[str]  # the child is `python -m MODULE`
    INSTANCE_ENV: ClassVar[str]  # the variable that hands the child its instance id
    INSTANCE_HEADER: ClassVar[str]  # the response header that carries it back
    READY_PATH: ClassVar[str] = "/"
    PORT_ATTEMPTS: ClassVar[int] = 3

    def __init__(
        self,
        *ports: int,
        host: str = LOOPBACK_HOST,
        log_file: Path | None = None,
        startup_timeout: float = 15.0,
    ) -> None:
        self.host = host
        self._requested_ports = ports
        self._ports = tuple(0 for _ in ports)  # as picked by the last start(); [0] serves HTTP
        self._log_file = log_file
        self._startup_timeout = startup_timeout
        self._child: ChildProcess | None = None

    @property
    def url(self) -> str:
        """Base URL of the running child's HTTP port, e.g. http://127.0.0.1:PORT."""
        if self._child is None:
            raise RuntimeError(f"{type(self).__name__} is not running; call start() first")
        return f"http://{self.host}:{self._ports[0]}"

    def command_args(self, ports: tuple[int, ...]) -> list[str]:
        """The child's arguments after `python -m MODULE`, given the picked ports."""
        (port,) = ports
        return ["--host", self.host, "--port", str(port)]

    def extra_ready(self) -> bool:
        """A readiness check beyond the HTTP answer (another port accepting, say)."""
        return True

    def start(self) -> Self:
        """Start the child and wait until it answers as itself."""
        if self._child is not None:
            return self
        attempts = 1 if all(self._requested_ports) else self.PORT_ATTEMPTS
        for attempt in range(1, attempts + 1):
            self._ports = tuple(port or free_port(self.host) for port in self._requested_ports)
            instance_id = uuid.uuid4().hex
            child = ChildProcess(self.NAME, log_file=self._log_file)
            # The child imports MODULE by name, whatever the caller's cwd is.
            python_path = os.pathsep.join(
                p for p in (str(_PROJECT_ROOT), os.environ.get("PYTHONPATH", "")) if p
            )
            child.spawn(
                [sys.executable, "-m", self.MODULE, *self.command_args(self._ports)],
                env={self.INSTANCE_ENV: instance_id, "PYTHONPATH": python_path},
                cwd=_PROJECT_ROOT,
            )
            self._child = child
            # trust_env=False: a developer's HTTP(S)_PROXY must not capture loopback traffic.
            with httpx.Client(trust_env=False, timeout=1.0) as client:
                ready = functools.partial(self._answers_as, client, instance_id)
                try:
                    child.wait_until(ready, self._startup_timeout)
                    return self
                except ChildExitedError:
                    self._child = None
                    if attempt == attempts:
                        raise
                except BaseException:
                    self.stop()
                    raise
        raise AssertionError("unreachable")

    def _answers_as(self, client: httpx.Client, instance_id: str) -> bool:
        """The child answers, and it is ours (not another server on a reused port)."""
        try:
            response = client.get(self.url + self.READY_PATH)
        except httpx.TransportError:
            return False
        return (
            response.status_code == 200
            and response.headers.get(self.INSTANCE_HEADER) == instance_id
            and self.extra_ready()
        )

    def stop(self) -> None:
        """Terminate the child (SIGKILL if it ignores SIGTERM) and release its resources."""
        child, self._child = self._child, None
        if child is not None:
            child.stop(timeout=5.0)
