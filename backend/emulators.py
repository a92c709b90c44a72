"""The Firebase Auth emulator (npm firebase-tools, pinned in package.json) as a child process."""

from __future__ import annotations

import json
import shutil
import tempfile
import urllib.error
import urllib.request
from pathlib import Path
from typing import Self

from backend.processes import ChildProcess, Service, free_port
from backend.settings import ROOT

PROJECT_ID = "demo-thanglong"


def firebase_command() -> str:
    """The firebase CLI installed by `npm ci` in the project."""
    local = ROOT / "node_modules" / ".bin" / "firebase"
    if local.exists():
        return str(local)
    found = shutil.which("firebase")
    if not found:
        raise RuntimeError("firebase-tools not installed: run `npm ci` in the project root")
    return found


class FirebaseAuthEmulator(Service):
    """`firebase emulators:start --only auth` on chosen (or free) loopback ports."""

    def __init__(
        self,
        *,
        port: int | None = None,
        project_id: str = PROJECT_ID,
        log_file: Path | None = None,
        startup_timeout: float = 90.0,
    ) -> None:
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self.project_id = project_id
        self.startup_timeout = startup_timeout
        self._child = ChildProcess("firebase auth emulator", log_file=log_file)
        self._config_dir: tempfile.TemporaryDirectory[str] | None = None

    @property
    def host_port(self) -> str:
        """The value for FIREBASE_AUTH_EMULATOR_HOST."""
        return f"{self.host}:{self.port}"

    def _ready(self) -> bool:
        try:
            url = f"http://{self.host_port}/"
            with urllib.request.urlopen(url, timeout=1) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def start(self) -> Self:
        """Start the emulator and block until it answers."""
        self._config_dir = tempfile.TemporaryDirectory(prefix="thanglong-emulator-")
        config = Path(self._config_dir.name) / "firebase.json"
        # Own hub and logging ports, so a test run and `make run` can share a machine.
        config.write_text(
            json.dumps(
                {
                    "emulators": {
                        "auth": {"host": self.host, "port": self.port},
                        "hub": {"host": self.host, "port": free_port()},
                        "logging": {"host": self.host, "port": free_port()},
                        "ui": {"enabled": False},
                        "singleProjectMode": True,
                    }
                }
            )
        )
        self._child.spawn(
            [firebase_command(), "--config", str(config), "emulators:start",
             "--only", "auth", "--project", self.project_id],
            # CI=true keeps the CLI from fetching its message of the day over the network.
            env={"CI": "true", "NO_UPDATE_NOTIFIER": "1", "FIREBASE_CLI_GA": "false"},
            cwd=Path(self._config_dir.name),
        )  # fmt: skip
        self._child.wait_until(self._ready, self.startup_timeout)
        return self

    def clear_accounts(self) -> None:
        """Delete every emulated account (the emulator's own admin endpoint)."""
        request = urllib.request.Request(
            f"http://{self.host_port}/emulator/v1/projects/{self.project_id}/accounts",
            method="DELETE",
        )
        with urllib.request.urlopen(request, timeout=5):  # noqa: S310 - loopback http
            pass

    def stop(self) -> None:
        """Stop the emulator and remove its temporary config."""
        self._child.stop()
        if self._config_dir is not None:
            self._config_dir.cleanup()
            self._config_dir = None
