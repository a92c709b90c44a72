"""VN_AQI on worked examples computed by hand from Decision 1459/QĐ-TCMT's formulas and tables."""

from __future__ import annotations

import pytest

from backend.air import vnaqi
from backend.air.vnaqi import Band, Pollutant


@pytest.mark.parametrize(
    ("aqi", "band"),
    [
        (0, Band.GOOD), (50, Band.GOOD), (51, Band.MODERATE), (100, Band.MODERATE),
        (101, Band.POOR), (150, Band.POOR), (151, Band.BAD), (200, Band.BAD),
        (201, Band.VERY_BAD), (300, Band.VERY_BAD), (301, Band.HAZARDOUS), (500, Band.HAZARDOUS),
    ],
)  # fmt: skip
def test_band_edges(aqi: int, band: Band) -> None:
    assert vnaqi.band_of(aqi) is band


def test_bands_colours_and_names() -> None:
    info = vnaqi.BAND_INFO
    assert [i.rgb for i in vnaqi.BANDS] == [
        (0, 228, 0), (255, 255, 0), (255, 126, 0), (255, 0, 0), (143, 63, 151), (126, 0, 35),
    ]  # fmt: skip
    assert info[Band.HAZARDOUS].color == "#7e0023"
    assert info[Band.VERY_BAD].name == {"vi": "Rất xấu", "en": "Very bad"}
    assert info[Band.BAD].name["vi"] == "Xấu"
    assert info[Band.POOR].name == {"vi": "Kém", "en": "Poor"}


@pytest.mark.parametrize(
    ("pollutant", "concentration", "expected"),
    [
        # PM2.5 35 µg/m³: (100-50)/(50-25) x (35-25) + 50 = 70
        (Pollutant.PM25, 35, 70),
        # PM2.5 25 µg/m³ is the top of "good": 50
        (Pollutant.PM25, 25, 50),
        # PM10 200: (150-100)/(250-150) x (200-150) + 100 = 125
        (Pollutant.PM10, 200, 125),
        # NO2 250: (150-100)/(700-200) x (250-200) + 100 = 105
        (Pollutant.NO2, 250, 105),
        # O3 1h 180: (100-50)/(200-160) x (180-160) + 50 = 75
        (Pollutant.O3, 180, 75),
        # SO2 30: 50/125 x 30 = 12
        (Pollutant.SO2, 30, 12),
        # CO 5,000 µg/m³ (5 mg/m³): 50/10,000 x 5,000 = 25
        (Pollutant.CO, 5000, 25),
        # PM2.5 350 is a breakpoint: 400; 600 is beyond the table: 500
        (Pollutant.PM25, 350, 400),
        (Pollutant.PM25, 600, 500),
        # PM2.5 91.3: 50/70 x 11.3 + 150 = 158.07 -> 158
        (Pollutant.PM25, 91.3, 158),
    ],
)
def test_sub_index_is_the_linear_interpolation(
    pollutant: Pollutant, concentration: float, expected: int
) -> None:
    assert vnaqi.sub_index(pollutant, concentration) == expected


def test_nowcast_with_steady_air_weights_by_the_min_max_ratio() -> None:
    # c1 = 100, c2 = 80 (the other hours missing): w* = 80/100 = 0.8 > 0.5, so w = 0.8 and
    # NowCast = (100 + 0.8 x 80) / (1 + 0.8) = 164 / 1.8 = 91.11
    assert vnaqi.nowcast([100, 80]) == pytest.approx(91.111, abs=1e-3)


def test_nowcast_with_changing_air_uses_the_half_weight_of_the_decision() -> None:
    # Twelve hours, c1 = 200 then eleven hours of 20: w* = 0.1 <= 0.5, so w = 1/2. The decision's
    # closed form: sum((1/2)^i c_i) = 100 + 20 x (1/4 + ... + 1/4096) = 100 + 20 x 0.49951
    # = 109.99; the normalised average this module computes agrees to 0.03 %.
    values = [200.0] + [20.0] * 11
    closed_form = sum(0.5 ** (i + 1) * c for i, c in enumerate(values))
    assert closed_form == pytest.approx(109.99, abs=0.01)
    assert vnaqi.nowcast(values) == pytest.approx(closed_form, rel=3e-4)


def test_nowcast_needs_two_of_the_three_latest_hours() -> None:
    assert vnaqi.nowcast([50, None, None, 40, 40]) is None
    assert vnaqi.nowcast([None, 50, 40]) == pytest.approx((50 + 0.8 * 40) / 1.8)


def test_hourly_index_is_the_largest_sub_index() -> None:
    # PM2.5 NowCast 91.11 -> 50/70 x 11.11 + 150 = 157.94 -> 158; PM10 steady 120 -> 85;
    # NO2 250 -> 105; O3 180 -> 75; SO2 30 -> 12; CO 5,000 -> 25. VN_AQI 158, PM2.5, "xấu".
    result = vnaqi.hourly(
        {
            Pollutant.PM25: [100, 80],
            Pollutant.PM10: [120, 120, 120],
            Pollutant.NO2: [250],
            Pollutant.O3: [180],
            Pollutant.SO2: [30],
            Pollutant.CO: [5000],
        }
    )
    assert result is not None
    assert result.aqi == 158
    assert result.dominant is Pollutant.PM25
    assert result.band is Band.BAD
    assert dict(result.sub_indices) == {
        Pollutant.PM25: 158, Pollutant.PM10: 85, Pollutant.NO2: 105,
        Pollutant.O3: 75, Pollutant.SO2: 12, Pollutant.CO: 25,
    }  # fmt: skip


def test_daily_index_uses_24h_pm_and_the_worst_o3_of_1h_and_8h() -> None:
    # PM2.5: 24 hours averaging 60 -> 50/30 x 10 + 100 = 116.67 -> 117.
    # O3: largest 1-hour 250 -> 50/100 x 50 + 100 = 125; largest 8-hour average 180
    # (hours 9-16; the 250 hour comes four hours later, among 100s) -> 8-hour table:
    # 50/40 x 10 + 150 = 162.5 -> 163 (half up). O3 = 163.
    # NO2: largest 1-hour 150 -> 50/100 x 50 + 50 = 75.
    pm25 = [50.0, 70.0] * 12
    o3 = [100.0] * 8 + [180.0] * 8 + [100.0] * 4 + [250.0] + [100.0] * 3
    no2 = [40.0] * 23 + [150.0]
    result = vnaqi.daily({Pollutant.PM25: pm25, Pollutant.O3: o3, Pollutant.NO2: no2})
    assert result is not None
    assert dict(result.sub_indices) == {Pollutant.PM25: 117, Pollutant.O3: 163, Pollutant.NO2: 75}
    assert (result.aqi, result.dominant, result.band) == (163, Pollutant.O3, Band.BAD)


def test_daily_pm_needs_most_of_the_day() -> None:
    # 17 hours of data (< 18, 75 %): no 24-hour PM2.5 index, so no daily index from PM alone
    assert vnaqi.daily({Pollutant.PM25: [60.0] * 17 + [None] * 7}) is None


def test_advice_is_bilingual_for_every_band() -> None:
    for info in vnaqi.BANDS:
        for texts in (info.name, info.advice, info.advice_sensitive):
            assert texts["vi"] and texts["en"] and texts["vi"] != texts["en"]
    assert "5095/SGDĐT-CTTTHSSV" in vnaqi.SCHOOL_ADVICE[Band.HAZARDOUS]["vi"]
