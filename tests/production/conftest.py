"""The production smoke test's parts: the wheel, a clean venv, Google's endpoints on loopback."""

from __future__ import annotations

import json
import re
import secrets
import shutil
import subprocess
import sys
import threading
import urllib.parse
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest

from tests.factories import SigningKey, service_account_json

REPO = Path(__file__).resolve().parents[2]
CONSOLE_DIST = REPO / "backend" / "console" / "dist"
RUNTIME_LOCK = REPO / "requirements" / "runtime.txt"
# What `python -m build` reads: the project's metadata and everything the wheel ships.
BUILD_INPUTS = ("pyproject.toml", "README.md", "backend", "notifications", "content", "graphql")
SEAMS_MODULE = Path(__file__).with_name("smoke_seams.py")
# A Firebase project id that is not a `demo-` one: production refuses those.
PROJECT_ID = "thanglong-smoke"
PIP_TIMEOUT = 240
# The audience google-auth puts in a service account's JWT grant, whatever the token_uri.
GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "production_smoke: builds the wheel and runs the Procfile in production"
    )


def _run(command: list[str], *, timeout: float, cwd: Path | None = None) -> str:
    """Run a build step; on failure, fail the test with its output."""
    done = subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        pytest.fail(f"{' '.join(command)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done.stdout


@pytest.fixture
def wheel(tmp_path: Path) -> Path:
    """`python -m build --wheel` of a copy of the tree, with the console built into it."""
    if not (CONSOLE_DIST / "index.html").is_file() or not any(CONSOLE_DIST.glob("assets/*.js")):
        pytest.fail(
            "backend/console/dist is not built: run `npm run build:console` (make test does) "
            "before the production smoke test, which checks that the wheel serves /console"
        )
    # A copy: setuptools writes build/ and *.egg-info next to the sources, and a build/ left in
    # the checkout can carry deleted modules into later wheels.
    source = tmp_path / "source"
    source.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "node_modules")
    for name in BUILD_INPUTS:
        path = REPO / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=ignore)
        else:
            shutil.copy2(path, source / name)
    out = tmp_path / "wheelhouse"
    # --no-isolation: the test venv already has the build backend pyproject.toml asks for, so
    # the build needs no index and takes a second (`make wheel` builds isolated).
    _run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out)],
        cwd=source,
        timeout=120,
    )
    [built] = out.glob("thanglong-*.whl")
    return built


def wheel_problems(wheel: Path) -> list[str]:
    """Files the installed app reads that the wheel does not carry."""
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    data = next(
        (n.split("/share/thanglong/")[0] for n in names if "/share/thanglong/" in n), "<none>"
    )
    expected = [
        f"backend/console/dist/{path.relative_to(CONSOLE_DIST).as_posix()}"
        for path in CONSOLE_DIST.rglob("*")
        if path.is_file() and not path.name.startswith(".")
    ]
    for tree in ("content", "graphql/operations"):
        expected += [
            f"{data}/share/thanglong/{path.relative_to(REPO).as_posix()}"
            for path in (REPO / tree).rglob("*")
            if path.is_file()
        ]
    expected.append(f"{data}/share/thanglong/graphql/persisted-query-manifest.json")
    return sorted(name for name in expected if name not in names)


@dataclass
class ProductionVenv:
    """A virtualenv holding the wheel and its runtime dependencies, nothing from dev or test."""

    root: Path
    python: Path
    site_packages: Path

    def can_import(self, module: str) -> bool:
        probe = f"import importlib.util as u, sys; sys.exit(u.find_spec({module!r}) is None)"
        return subprocess.run([str(self.python), "-c", probe], check=False).returncode == 0


@pytest.fixture
def production_venv(wheel: Path, tmp_path: Path) -> ProductionVenv:
    """`python -m venv`, the locked runtime requirements (hashes checked), then the wheel."""
    root = tmp_path / "venv"
    # Without pip in it (ensurepip costs seconds): the test's pip installs into it (--python).
    _run([sys.executable, "-m", "venv", "--without-pip", str(root)], timeout=60)
    python = root / "bin" / "python"
    # --no-compile: byte-compiling every installed module took ~5 s of CPU; the processes
    # compile (and cache) only what they import.
    pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet"]
    pip += ["--no-compile"]
    if RUNTIME_LOCK.is_file():
        _run([*pip, "--require-hashes", "-r", str(RUNTIME_LOCK)], timeout=PIP_TIMEOUT)
        _run([*pip, "--no-deps", str(wheel)], timeout=PIP_TIMEOUT)
    else:
        _run([*pip, str(wheel)], timeout=PIP_TIMEOUT)
    site_packages = Path(
        _run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            timeout=30,
        ).strip()
    )
    # The seams reach only this venv; see smoke_seams.py for why they cannot be settings.
    shutil.copy2(SEAMS_MODULE, site_packages / "_thanglong_smoke_seams.py")
    (site_packages / "_thanglong_smoke_seams.pth").write_text("import _thanglong_smoke_seams\n")
    return ProductionVenv(root=root, python=python, site_packages=site_packages)


class GoogleStandIn:
    """Google's endpoints a production process calls, on loopback, checking what it is sent.

    - GET /certs: the ID-token certificates (www.googleapis.com/robot/v1/metadata/x509/...);
    - POST /token: the OAuth token endpoint; grants an access token only for a JWT signed with
      the service-account key (oauth2.googleapis.com/token);
    - POST /v1/projects/{project}/accounts:lookup: Identity Toolkit's user lookup, behind the
      revocation check; answers only callers holding that access token.
    """

    def __init__(self, *, id_token_key: SigningKey, project_id: str) -> None:
        self.id_token_key = id_token_key
        self.project_id = project_id
        self.service_key = SigningKey()
        self.access_token = secrets.token_urlsafe(24)
        self.grants: list[dict[str, Any]] = []
        self.lookups: list[str] = []
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path != "/certs":
                    return self._reply(404, {"error": "not found"})
                key = stand_in.id_token_key
                self._reply(200, {key.kid: key.certificate_pem()}, cache="public, max-age=3600")

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if self.path == "/token":
                    self._token(urllib.parse.parse_qs(body.decode()))
                elif re.fullmatch(r"/v1/projects/[^/]+/accounts:lookup", self.path):
                    self._lookup(json.loads(body or b"{}"))
                else:
                    self._reply(404, {"error": "not found"})

            def _token(self, form: dict[str, list[str]]) -> None:
                try:
                    claims = jwt.decode(
                        form["assertion"][0],
                        stand_in.service_key.key.public_key(),
                        algorithms=["RS256"],
                        audience=GOOGLE_TOKEN_AUDIENCE,
                    )
                except (KeyError, jwt.InvalidTokenError) as error:
                    return self._reply(400, {"error": "invalid_grant", "detail": str(error)})
                stand_in.grants.append(claims)
                self._reply(
                    200,
                    {
                        "access_token": stand_in.access_token,
                        "expires_in": 3600,
                        "token_type": "Bearer",
                    },
                )

            def _lookup(self, body: dict[str, Any]) -> None:
                if self.headers.get("Authorization") != f"Bearer {stand_in.access_token}":
                    return self._reply(401, {"error": {"code": 401, "status": "UNAUTHENTICATED"}})
                [uid] = body["localId"]
                stand_in.lookups.append(uid)
                self._reply(200, {"users": [{"localId": uid, "disabled": False}]})

            def _reply(self, status: int, body: object, cache: str = "no-store") -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Cache-Control", cache)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def token_url(self) -> str:
        return f"{self.url}/token"

    def service_account(self) -> dict[str, str]:
        """A service-account key file body whose token_uri is this server."""
        key = service_account_json(self.service_key, self.project_id)
        return {**key, "token_uri": self.token_url}

    def seams(self, fcm_url: str) -> str:
        """THANGLONG_SMOKE_SEAMS for smoke_seams.py."""
        return json.dumps(
            {"certs": f"{self.url}/certs", "identity_toolkit": f"{self.url}/v1", "fcm": fcm_url}
        )

    def __enter__(self) -> GoogleStandIn:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def id_token_key() -> SigningKey:
    return SigningKey()


@pytest.fixture
def google(id_token_key: SigningKey) -> Iterator[GoogleStandIn]:
    with GoogleStandIn(id_token_key=id_token_key, project_id=PROJECT_ID) as stand_in:
        yield stand_in
