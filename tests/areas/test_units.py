"""The 126 wards and communes: the committed content file matches the maintained package."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import orjson

from backend.areas import repository as area_repository
from backend.areas import source
from backend.areas.models import MAX_REACH_M, reach_meters
from backend.seed import CONTENT_DIR

UNITS_FILE = CONTENT_DIR / source.UNITS_FILE


def _committed() -> dict[str, Any]:
    document: dict[str, Any] = orjson.loads(UNITS_FILE.read_bytes())
    return document


def test_the_committed_file_is_the_package_data() -> None:
    # given the installed package (a pinned development dependency)
    dataset = source.installed_dataset()
    # when its Hanoi units are rendered, then they are byte for byte the committed file
    assert source.render(source.read_units(dataset)) == UNITS_FILE.read_bytes(), (
        "content/areas/units.json is stale: run `python -m backend.cli areas refresh`"
    )
    assert _committed()["source"]["version"] == dataset.version


def test_hanoi_has_126_units_51_wards_and_75_communes() -> None:
    units = _committed()["units"]
    assert len(units) == 126
    assert Counter(unit["type"] for unit in units) == {"ward": 51, "commune": 75}
    assert len({unit["code"] for unit in units}) == 126
    names = {unit["code"]: unit["name"] for unit in units}
    assert names["00070"] == {"vi": "Phường Hoàn Kiếm", "en": "Hoàn Kiếm Ward"}
    assert names["09574"] == {"vi": "Phường Sơn Tây", "en": "Sơn Tây Ward"}
    assert names["10489"] == {"vi": "Xã Hương Sơn", "en": "Hương Sơn Commune"}


def test_every_unit_is_in_hanoi_and_within_the_search_bound() -> None:
    for unit in _committed()["units"]:
        # Hanoi lies within 20.5-21.4 N, 105.2-106.1 E
        assert 20.5 < unit["centroid"]["lat"] < 21.4, unit
        assert 105.2 < unit["centroid"]["lng"] < 106.1, unit
        assert 0 < unit["area_km2"] < 100, unit
        # a nearest-centroid search bounded by MAX_REACH_M sees every unit that could qualify
        assert reach_meters(unit["area_km2"]) <= MAX_REACH_M, unit


def test_refresh_writes_the_file_without_importing_the_package(tmp_path: Path) -> None:
    import sys

    # when the file is refreshed into another content directory
    path, count, version = source.refresh(tmp_path)
    # then it has the 126 units, and none of the package's modules (shapely, geopy) was imported
    assert count == 126 and path.read_bytes() == UNITS_FILE.read_bytes()
    assert version == _committed()["source"]["version"]
    assert "vietnamadminunits" not in sys.modules


def test_the_loader_stores_a_reach_per_unit() -> None:
    # given a unit of the file, then its stored document carries its centroid, reach and terms
    unit = next(u for u in _committed()["units"] if u["code"] == "00070")
    stored = area_repository.unit_document(unit, _committed()["source"])
    assert stored["centroid"] == {"type": "Point", "coordinates": [105.85, 21.032]}
    assert round(stored["reach_m"]) == round(2 * (1.91 / 3.141592653589793) ** 0.5 * 1000)
    assert {"phuong", "hoan", "kiem", "ward", "00070"} <= set(stored["search_terms"])
    assert "geometry" not in stored and "approximate" not in stored
