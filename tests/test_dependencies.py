"""The lock files in requirements/ agree with pyproject.toml, and production installs no dev tool.

`make` installs only from the locks (hashes checked, `--no-deps`), so a dependency added to
pyproject.toml without `make lock` would be missing on a fresh machine; these tests say so first.
"""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PROJECT = canonicalize_name(PYPROJECT["project"]["name"])
# Which extras each lock file holds (runtime: none, what `pip install .` gives production).
LOCKS = {"runtime": (), "test": ("test",), "dev": ("dev",)}
# Development tools that must never reach a production install.
DEV_ONLY = {"secantusdb", "numpy", "shapely", "s2sphere", "pytest", "ruff", "mypy", "uv"}

ENTRY = re.compile(
    r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>\S+)(?: ;(?P<marker>.*?))?\s*\\?$"
)


def parse_lock(path: Path) -> dict[str, dict[str, object]]:
    """{name: {version, marker, hashes, via}} from a `uv pip compile --generate-hashes` file."""
    entries: dict[str, dict[str, object]] = {}
    current: dict[str, object] | None = None
    for line in path.read_text().splitlines():
        if match := ENTRY.match(line):
            current = {
                "version": match["version"],
                "marker": (match["marker"] or "").strip(),
                "hashes": 0,
                "via": [],
            }
            entries[canonicalize_name(match["name"])] = current
        elif current is not None and "--hash=sha256:" in line:
            current["hashes"] = int(current["hashes"]) + 1  # type: ignore[call-overload]
        elif current is not None and line.strip().startswith("#") and line.strip() != "# via":
            via = line.strip().lstrip("#").strip().removeprefix("via").strip()
            if via:
                current["via"].append(via)  # type: ignore[attr-defined]
    return entries


def direct_requirements(extras: tuple[str, ...]) -> list[Requirement]:
    """What pyproject asks for with these extras, self-references (`thanglong[test]`) expanded."""
    optional = PYPROJECT["project"]["optional-dependencies"]
    wanted, seen, found = list(extras), set(), []
    found.extend(Requirement(r) for r in PYPROJECT["project"]["dependencies"])
    while wanted:
        extra = wanted.pop()
        if extra in seen:
            continue
        seen.add(extra)
        for text in optional[extra]:
            requirement = Requirement(text)
            if canonicalize_name(requirement.name) == PROJECT:
                wanted.extend(requirement.extras)
            else:
                found.append(requirement)
    return found


@pytest.mark.parametrize("lock", sorted(LOCKS))
def test_every_direct_dependency_is_locked_at_a_version_pyproject_allows(lock: str) -> None:
    entries = parse_lock(ROOT / "requirements" / f"{lock}.txt")
    for requirement in direct_requirements(LOCKS[lock]):
        name = canonicalize_name(requirement.name)
        assert name in entries, f"{name} is in pyproject.toml but not in {lock}.txt: make lock"
        version = str(entries[name]["version"])
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{lock}.txt has {name}=={version}, pyproject.toml asks {requirement.specifier}"
        )


@pytest.mark.parametrize("lock", sorted(LOCKS))
def test_every_locked_package_is_hashed_and_needed(lock: str) -> None:
    entries = parse_lock(ROOT / "requirements" / f"{lock}.txt")
    for name, entry in entries.items():
        assert int(entry["hashes"]) >= 1, f"{name} has no hash in {lock}.txt"  # type: ignore[call-overload]
        # uv writes who pulled each package in; a package nobody needs any more is a stale lock.
        reasons = [canonicalize_name(v.split()[0].split("[")[0]) for v in entry["via"]]  # type: ignore[attr-defined]
        assert any(r == PROJECT or r in entries for r in reasons), (
            f"{name} in {lock}.txt is wanted by nothing that is locked ({reasons}): make lock"
        )


def test_production_installs_no_development_tool() -> None:
    runtime = parse_lock(ROOT / "requirements" / "runtime.txt")
    test = parse_lock(ROOT / "requirements" / "test.txt")
    assert not DEV_ONLY & set(runtime), DEV_ONLY & set(runtime)
    assert "secantusdb" in test  # the embedded database stays available to make run and the tests
    assert all(canonicalize_name(r.name) != "secantusdb" for r in direct_requirements(()))


def test_this_environment_was_installed_from_the_dev_lock() -> None:
    environment = default_environment()
    entries = parse_lock(ROOT / "requirements" / "dev.txt")
    wrong = {}
    for name, entry in entries.items():
        marker = str(entry["marker"])
        if marker and not Requirement(f"{name}; {marker}").marker.evaluate(environment):  # type: ignore[union-attr]
            continue
        installed = metadata.version(name)
        if installed != entry["version"]:
            wrong[name] = (installed, entry["version"])
    assert not wrong, f"installed != locked: {wrong}"


def test_the_build_backend_is_locked() -> None:
    entries = parse_lock(ROOT / "requirements" / "build.txt")
    for text in PYPROJECT["build-system"]["requires"]:
        requirement = Requirement(text)
        name = canonicalize_name(requirement.name)
        assert name in entries, f"{name} (build-system.requires) is not in build.txt"
        assert requirement.specifier.contains(str(entries[name]["version"]))
