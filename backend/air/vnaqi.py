"""VN_AQI as the Vietnam Environment Administration defines it (Decision 1459/QĐ-TCMT, 12/11/2019).

Quyết định 1459/QĐ-TCMT "Hướng dẫn kỹ thuật tính toán và công bố chỉ số chất lượng không khí Việt
Nam (VN_AQI)" replaces Decision 878/QĐ-TCMT (2011). What this module takes from it:

- Each pollutant's index is a linear interpolation between breakpoints (its formula 1):
  AQI_x = (I_{i+1} - I_i) / (BP_{i+1} - BP_i) x (C_x - BP_i) + I_i, rounded to an integer.
- Hourly VN_AQI: PM2.5 and PM10 use the NowCast of the last 12 hours, O3, NO2, SO2 and CO their
  1-hour concentration; the index is the largest sub-index, and that pollutant is dominant.
- Daily VN_AQI: PM2.5 and PM10 use their 24-hour average, NO2, SO2 and CO their largest 1-hour
  value of the day, O3 the larger of the indices of its largest 1-hour and largest 8-hour value.
- Six bands with their colours (RGB), names and health advice (tables 2 and 3 of the decision).

Concentrations are µg/m³ at 25 °C and 1 atm for every pollutant, CO included (10 000 µg/m³ =
10 mg/m³). Breakpoints are the decision's table 1, as published and widely reproduced; the
points where this implementation had to choose are marked "CHOICE" below.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum, StrEnum


class Pollutant(StrEnum):
    PM25 = "pm25"
    PM10 = "pm10"
    O3 = "o3"
    NO2 = "no2"
    SO2 = "so2"
    CO = "co"


# I_i: the index at each breakpoint.
INDEX_BREAKPOINTS: tuple[int, ...] = (0, 50, 100, 150, 200, 300, 400, 500)

# BP_i (µg/m³), table 1 of Decision 1459/QĐ-TCMT. PM rows are the 24-hour table, which the
# decision also applies to the hourly NowCast; gases are 1-hour values.
BREAKPOINTS_1H: Mapping[Pollutant, tuple[float, ...]] = {
    Pollutant.O3: (0, 160, 200, 300, 400, 800, 1000, 1200),
    Pollutant.CO: (0, 10_000, 30_000, 45_000, 60_000, 90_000, 120_000, 150_000),
    Pollutant.SO2: (0, 125, 350, 550, 800, 1600, 2100, 2630),
    Pollutant.NO2: (0, 100, 200, 700, 1200, 2350, 3100, 3850),
    Pollutant.PM10: (0, 50, 150, 250, 350, 420, 500, 600),
    Pollutant.PM25: (0, 25, 50, 80, 150, 250, 350, 500),
}
# O3 8-hour breakpoints stop at I = 300 (400 µg/m³); above that the decision uses the 1-hour O3.
O3_8H_BREAKPOINTS: tuple[float, ...] = (0, 100, 120, 170, 210, 400)

MAX_INDEX = 500
NOWCAST_HOURS = 12
NOWCAST_MIN_WEIGHT = 0.5
# CHOICE: a 24-hour average needs at least 18 of 24 hours (75 %), an 8-hour one 6 of 8; the
# decision asks for enough valid data without, as far as we can tell, fixing these numbers.
MIN_HOURS_24H = 18
MIN_HOURS_8H = 6


class Band(IntEnum):
    """The six VN_AQI bands, ordered (a larger value is worse air)."""

    GOOD = 1
    MODERATE = 2
    POOR = 3
    BAD = 4
    VERY_BAD = 5
    HAZARDOUS = 6


@dataclass(frozen=True, kw_only=True)
class BandInfo:
    band: Band
    low: int  # the smallest VN_AQI in the band
    high: int
    rgb: tuple[int, int, int]
    name: Mapping[str, str]
    advice: Mapping[str, str]  # for everyone
    advice_sensitive: Mapping[str, str]  # children, the elderly, people with heart/lung disease

    @property
    def color(self) -> str:
        return "#{:02x}{:02x}{:02x}".format(*self.rgb)


# Table 2 (ranges, colours) and table 3 (advice) of the decision; the English is ours.
BANDS: tuple[BandInfo, ...] = (
    BandInfo(
        band=Band.GOOD, low=0, high=50, rgb=(0, 228, 0),
        name={"vi": "Tốt", "en": "Good"},
        advice={
            "vi": "Tự do thực hiện các hoạt động ngoài trời.",
            "en": "Enjoy outdoor activities as usual.",
        },
        advice_sensitive={
            "vi": "Tự do thực hiện các hoạt động ngoài trời.",
            "en": "Enjoy outdoor activities as usual.",
        },
    ),
    BandInfo(
        band=Band.MODERATE, low=51, high=100, rgb=(255, 255, 0),
        name={"vi": "Trung bình", "en": "Moderate"},
        advice={
            "vi": "Tự do thực hiện các hoạt động ngoài trời.",
            "en": "Outdoor activities are fine.",
        },
        advice_sensitive={
            "vi": "Nên theo dõi các triệu chứng như ho hoặc khó thở, nhưng vẫn có thể hoạt động "
            "bên ngoài.",
            "en": "Watch for symptoms such as coughing or shortness of breath; outdoor activity "
            "is still possible.",
        },
    ),
    BandInfo(
        band=Band.POOR, low=101, high=150, rgb=(255, 126, 0),
        name={"vi": "Kém", "en": "Poor"},
        advice={
            "vi": "Những người có triệu chứng đau mắt, ho hoặc đau họng… nên cân nhắc giảm các "
            "hoạt động ngoài trời.",
            "en": "If your eyes hurt or you cough or have a sore throat, consider spending less "
            "time outdoors.",
        },
        advice_sensitive={
            "vi": "Nên giảm các hoạt động mạnh và giảm thời gian hoạt động ngoài trời. Người mắc "
            "bệnh hen suyễn có thể cần sử dụng thuốc thường xuyên hơn.",
            "en": "Reduce strenuous activity and time outdoors. People with asthma may need "
            "their medicine more often.",
        },
    ),
    BandInfo(
        band=Band.BAD, low=151, high=200, rgb=(255, 0, 0),
        name={"vi": "Xấu", "en": "Bad"},
        advice={
            "vi": "Mọi người nên giảm các hoạt động mạnh khi ở ngoài trời, tránh tập thể dục "
            "kéo dài và nghỉ ngơi nhiều hơn trong nhà.",
            "en": "Everyone should reduce strenuous outdoor activity, avoid long exercise and "
            "rest more indoors.",
        },
        advice_sensitive={
            "vi": "Nên ở trong nhà và giảm hoạt động mạnh. Nếu cần thiết phải ra ngoài, hãy đeo "
            "khẩu trang đạt tiêu chuẩn.",
            "en": "Stay indoors and avoid strenuous activity. If you must go out, wear a "
            "certified mask.",
        },
    ),
    BandInfo(
        band=Band.VERY_BAD, low=201, high=300, rgb=(143, 63, 151),
        name={"vi": "Rất xấu", "en": "Very bad"},
        advice={
            "vi": "Mọi người hạn chế tối đa các hoạt động ngoài trời và chuyển tất cả các hoạt "
            "động vào trong nhà. Nếu cần thiết phải ra ngoài, hãy đeo khẩu trang đạt tiêu chuẩn.",
            "en": "Everyone should keep outdoor activity to a minimum and move activities "
            "indoors. If you must go out, wear a certified mask.",
        },
        advice_sensitive={
            "vi": "Nên ở trong nhà và giảm hoạt động mạnh.",
            "en": "Stay indoors and avoid strenuous activity.",
        },
    ),
    BandInfo(
        band=Band.HAZARDOUS, low=301, high=500, rgb=(126, 0, 35),
        name={"vi": "Nguy hại", "en": "Hazardous"},
        advice={
            "vi": "Mọi người nên ở trong nhà, đóng cửa ra vào và cửa sổ. Nếu cần thiết phải ra "
            "ngoài, hãy đeo khẩu trang đạt tiêu chuẩn.",
            "en": "Everyone should stay indoors with doors and windows closed. If you must go "
            "out, wear a certified mask.",
        },
        advice_sensitive={
            "vi": "Mọi người nên ở trong nhà, đóng cửa ra vào và cửa sổ. Nếu cần thiết phải ra "
            "ngoài, hãy đeo khẩu trang đạt tiêu chuẩn.",
            "en": "Stay indoors with doors and windows closed. If you must go out, wear a "
            "certified mask.",
        },
    ),
)  # fmt: skip
BAND_INFO: Mapping[Band, BandInfo] = {info.band: info for info in BANDS}

# Hanoi's Department of Education and Training, document 5095/SGDĐT-CTTTHSSV (3 December 2025):
# schools limit outdoor activities when the air is poor and consider suspending classes at 301+.
SCHOOL_ADVICE: Mapping[Band, Mapping[str, str]] = {
    Band.BAD: {
        "vi": "Trường học hạn chế các hoạt động ngoài trời của học sinh.",
        "en": "Schools limit pupils' outdoor activities.",
    },
    Band.VERY_BAD: {
        "vi": "Trường học hạn chế tối đa các hoạt động ngoài trời của học sinh.",
        "en": "Schools keep pupils' outdoor activities to a minimum.",
    },
    Band.HAZARDOUS: {
        "vi": "Trường học dừng các hoạt động ngoài trời và cân nhắc cho học sinh tạm dừng đến "
        "trường (văn bản 5095/SGDĐT-CTTTHSSV của Sở GD&ĐT Hà Nội).",
        "en": "Schools stop outdoor activities and consider suspending classes (Hanoi "
        "Department of Education and Training, document 5095/SGDĐT-CTTTHSSV).",
    },
}


def band_of(aqi: int) -> Band:
    """The band of an (integer) VN_AQI: 0-50 good ... 301+ hazardous."""
    for info in BANDS:
        if aqi <= info.high:
            return info.band
    return Band.HAZARDOUS


def _round(value: float) -> int:
    # Half up, as the decision's worked values round (Python's round() rounds half to even).
    return math.floor(value + 0.5)


def interpolate(concentration: float, breakpoints: Sequence[float]) -> float | None:
    """Formula 1 of the decision (not rounded); None for a negative concentration.

    CHOICE: a concentration above the last breakpoint gives MAX_INDEX (500); the table ends there.
    """
    if concentration < 0 or math.isnan(concentration):
        return None
    for i in range(len(breakpoints) - 1):
        low, high = breakpoints[i], breakpoints[i + 1]
        if concentration <= high:
            i_low, i_high = INDEX_BREAKPOINTS[i], INDEX_BREAKPOINTS[i + 1]
            return (i_high - i_low) / (high - low) * (concentration - low) + i_low
    return float(MAX_INDEX) if len(breakpoints) == len(INDEX_BREAKPOINTS) else None


def sub_index(pollutant: Pollutant, concentration: float) -> int | None:
    """One pollutant's index from its (1-hour, NowCast or 24-hour) concentration."""
    value = interpolate(concentration, BREAKPOINTS_1H[pollutant])
    return None if value is None else _round(value)


def nowcast(hours: Sequence[float | None]) -> float | None:
    """The NowCast of PM2.5 or PM10; `hours[0]` is the current hour, then the 11 before it.

    w* = c_min / c_max over the hours present, w = max(w*, 1/2), and the NowCast is the average
    of c_i weighted by w^(i-1) over the hours present. With w = 1/2 the decision writes the
    closed form sum((1/2)^i c_i), which this equals to 0.03 % when all 12 hours are present;
    CHOICE: with hours missing we keep the normalised average, so a gap is not read as zero.
    The decision requires at least two of the three most recent hours.
    """
    window = list(hours[:NOWCAST_HOURS])
    if sum(1 for value in window[:3] if value is not None) < 2:
        return None
    present = [(i, value) for i, value in enumerate(window) if value is not None and value >= 0]
    values = [value for _, value in present]
    if max(values) == 0:
        return 0.0
    weight = max(min(values) / max(values), NOWCAST_MIN_WEIGHT)
    numerator = sum(weight**i * value for i, value in present)
    denominator = sum(weight**i for i, _ in present)
    return numerator / denominator


@dataclass(frozen=True, kw_only=True)
class AqiResult:
    aqi: int
    band: Band
    dominant: Pollutant
    sub_indices: Mapping[Pollutant, int]
    # The concentrations the sub-indices were computed from (NowCast, 1-hour, 24-hour...).
    concentrations: Mapping[Pollutant, float]


def _combine(sub: dict[Pollutant, int], used: dict[Pollutant, float]) -> AqiResult | None:
    if not sub:
        return None
    # Ties go to the pollutant listed first in Pollutant (PM2.5 before PM10 before gases).
    order = list(Pollutant)
    dominant = max(sub, key=lambda p: (sub[p], -order.index(p)))
    aqi = sub[dominant]
    return AqiResult(
        aqi=aqi, band=band_of(aqi), dominant=dominant, sub_indices=sub, concentrations=used
    )


def hourly(history: Mapping[Pollutant, Sequence[float | None]]) -> AqiResult | None:
    """Hourly VN_AQI from each pollutant's hourly values, newest first (index 0 = this hour).

    PM uses the NowCast of up to 12 hours; gases use this hour's value only.
    """
    sub: dict[Pollutant, int] = {}
    used: dict[Pollutant, float] = {}
    for pollutant, values in history.items():
        if not values:
            continue
        if pollutant in (Pollutant.PM25, Pollutant.PM10):
            concentration = nowcast(values)
        else:
            concentration = values[0]
        if concentration is None:
            continue
        index = sub_index(pollutant, concentration)
        if index is not None:
            sub[pollutant] = index
            used[pollutant] = concentration
    return _combine(sub, used)


def _mean(values: Sequence[float | None], minimum: int) -> float | None:
    present = [value for value in values if value is not None]
    return sum(present) / len(present) if len(present) >= minimum else None


def daily(day: Mapping[Pollutant, Sequence[float | None]]) -> AqiResult | None:
    """Daily VN_AQI from each pollutant's 24 hourly values of the day (in time order)."""
    sub: dict[Pollutant, int] = {}
    used: dict[Pollutant, float] = {}
    for pollutant, values in day.items():
        present = [value for value in values if value is not None]
        if not present:
            continue
        if pollutant in (Pollutant.PM25, Pollutant.PM10):
            average = _mean(values, MIN_HOURS_24H)
            if average is None:
                continue
            sub_value, concentration = sub_index(pollutant, average), average
        elif pollutant is Pollutant.O3:
            peak_1h = max(present)
            sub_value, concentration = sub_index(pollutant, peak_1h), peak_1h
            windows = [_mean(values[end - 8 : end], MIN_HOURS_8H) for end in range(8, 25)]
            peaks_8h = [value for value in windows if value is not None]
            if peaks_8h:
                peak_8h = max(peaks_8h)
                value_8h = interpolate(peak_8h, O3_8H_BREAKPOINTS)
                # Above the 8-hour table (400 µg/m³), the decision keeps the 1-hour index.
                if value_8h is not None and peak_8h <= O3_8H_BREAKPOINTS[-1]:
                    index_8h = _round(value_8h)
                    if sub_value is None or index_8h > sub_value:
                        sub_value, concentration = index_8h, peak_8h
        else:
            peak = max(present)
            sub_value, concentration = sub_index(pollutant, peak), peak
        if sub_value is not None:
            sub[pollutant] = sub_value
            used[pollutant] = concentration
    return _combine(sub, used)
