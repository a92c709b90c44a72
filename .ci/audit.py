"""Known-vulnerability audit of every distribution installed in the project's virtualenv.

Run with the venv's interpreter (`make audit`, called by `.ci/run`): it lists the installed
distributions and asks PyPI's JSON API about each one. It fails on any published vulnerability
(PYSEC/GHSA/CVE, from PyPI's OSV feed) that affects an installed version, and on an installed
version that was yanked.

Why not pip-audit: pip-audit asks `https://pypi.org/pypi/<name>/<version>/json`, which the
network CI runs on does not serve (404), and osv.dev is not reachable from it, so pip-audit can
only answer "could not be audited" here. The project-level document `/pypi/<name>/json` is
served; its `vulnerabilities` are those of the latest release. So:
- installed == latest: the list is exact for us;
- installed older than latest: the advisories still open in the latest release (no fix, or a
  fix newer than the latest) are counted against us too, and the package is listed as not fully
  audited (advisories fixed in between are invisible from here). The pins in pyproject.toml
  are kept at the latest releases, so this list stays short; it is printed, not failed, because
  a new upstream release must not break CI by itself.
Accepted advisories go in `.ci/audit-accepted.txt`, one `ID  reason` per line.
"""

from __future__ import annotations

import json
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

PYPI = "https://pypi.org/pypi/{name}/json"
OWN = {"thanglong"}
ACCEPTED_FILE = Path(__file__).with_name("audit-accepted.txt")
ATTEMPTS = 4


@dataclass
class Finding:
    name: str
    installed: str
    latest: str
    advisories: list[str] = field(default_factory=list)
    yanked: bool = False
    partial: bool = False
    error: str | None = None


def fetch(name: str) -> dict[str, Any]:
    url = PYPI.format(name=name)
    for attempt in range(ATTEMPTS):
        try:
            with urllib.request.urlopen(url, timeout=20) as response:  # noqa: S310 (fixed https URL)
                document: dict[str, Any] = json.load(response)
                return document
        except urllib.error.HTTPError:
            raise
        except (urllib.error.URLError, TimeoutError, ConnectionError):
            if attempt == ATTEMPTS - 1:
                raise
            time.sleep(2**attempt)  # network back-off between attempts, not synchronisation
    raise AssertionError("unreachable")


def affects(advisory: dict[str, Any], installed: Version) -> bool:
    if advisory.get("withdrawn"):
        return False
    fixes = []
    for text in advisory.get("fixed_in") or []:
        try:
            fixes.append(Version(text))
        except InvalidVersion:
            continue
    # Listed for the latest release: open unless a fix exists at or below the installed version.
    return not any(fix <= installed for fix in fixes)


def audit(name: str, installed_text: str) -> Finding:
    try:
        document = fetch(name)
    except urllib.error.HTTPError as error:
        if error.code == 404:  # not on PyPI (a local build): nothing to ask
            return Finding(name, installed_text, "-", error="not on PyPI")
        return Finding(name, installed_text, "?", error=f"HTTP {error.code}")
    except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
        return Finding(name, installed_text, "?", error=str(error))
    latest = str(document["info"]["version"])
    installed = Version(installed_text)
    finding = Finding(name, installed_text, latest)
    finding.partial = installed != Version(latest)
    for advisory in document.get("vulnerabilities") or []:
        if affects(advisory, installed):
            aliases = ",".join(advisory.get("aliases") or [])
            finding.advisories.append(f"{advisory['id']}" + (f" ({aliases})" if aliases else ""))
    files = document.get("releases", {}).get(installed_text) or []
    finding.yanked = bool(files) and all(f.get("yanked") for f in files)
    return finding


def accepted() -> dict[str, str]:
    if not ACCEPTED_FILE.exists():
        return {}
    entries = {}
    for line in ACCEPTED_FILE.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            ident, _, reason = line.partition(" ")
            entries[ident] = reason.strip()
    return entries


def main() -> int:
    installed = {
        canonicalize_name(dist.metadata["Name"]): dist.version
        for dist in metadata.distributions()
        if canonicalize_name(dist.metadata["Name"]) not in OWN
    }
    with ThreadPoolExecutor(max_workers=8) as pool:
        findings = list(pool.map(lambda item: audit(*item), sorted(installed.items())))
    allowed = accepted()
    failures = 0
    for f in findings:
        open_ = [a for a in f.advisories if a.split(" ")[0] not in allowed]
        if open_ or f.yanked:
            failures += 1
            what = ", ".join(open_) + (" yanked" if f.yanked else "")
            print(f"VULNERABLE {f.name} {f.installed} (latest {f.latest}): {what}")
        if f.error and f.error != "not on PyPI":
            failures += 1
            print(f"UNAUDITED  {f.name} {f.installed}: {f.error}")
    partial = [f for f in findings if f.partial and not f.error]
    for f in partial:
        print(f"older      {f.name} {f.installed} (latest {f.latest}): open advisories only")
    audited = sum(1 for f in findings if not f.error)
    print(
        f"audit: {audited} distributions asked, {failures} failing, "
        f"{len(partial)} older than latest, {len(allowed)} accepted advisories"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
