"""Burnout risk (docs/scoring.md, Part 1): workload strain (WSI), the CBI pulse (WRB) and the blend.

Pure Python, standard library only, no Django: the nightly job builds one `Aggregates` per
member with set-based queries and calls `score()`. Everything is computed with unrounded
values; `round_half_up()` is for storing and showing only.

Decisions the spec leaves open (see the docstrings for details):

- The insufficient-data checks run in this order and the first that fails is the reason:
  ``too_few_workdays``, then ``low_coverage``, then ``missing_factors``.
- With no available workday (``weeks_eq = 0``) the per-week rates are undefined, so
  ``long_hours``, ``after_hours`` and ``emotional_load`` are *missing*; with
  ``window_days = 0`` so is ``on_call``. Such inputs are always ``too_few_workdays``; the
  functions never divide by zero.
- An insufficient-data `Score` still carries the exposures (work facts), the coverage and
  the pulse score (the member's own answers count on their own, docs/scoring.md 1.3), but no
  WSI, risk, bands, contributions or overrides.
- Bands treat a value within 1e-9 of a boundary as on it, so floating-point noise (a WSI
  that is exactly 50 in exact arithmetic but 49.999999999999993 in floats) cannot flip a
  band. This is far below the 2-decimal display precision.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeGuard

FACTORS = (
    "long_hours",
    "after_hours",
    "rest_day_work",
    "recovery",
    "on_call",
    "emotional_load",
    "leave_deficit",
)

# Weights in hundredths, so sums of weights are exact integers (100 when all are present).
_WEIGHT_POINTS = {
    "long_hours": 25,
    "after_hours": 15,
    "rest_day_work": 10,
    "recovery": 15,
    "on_call": 10,
    "emotional_load": 15,
    "leave_deficit": 10,
}
WEIGHTS = {name: points / 100 for name, points in _WEIGHT_POINTS.items()}

BANDS = ("low", "moderate", "high", "very_high")
BAND_LOWER_BOUNDS = {"moderate": 25.0, "high": 50.0, "very_high": 75.0}
_BOUNDARY_EPS = 1e-9

MIN_COVERAGE = 0.70
MIN_PRESENT_WEIGHT = 0.6
LONG_WEEK_HOURS = 55.0
LONG_WEEKS_FOR_FLOOR = 2
PULSE_HIGH_WRB = 50.0

STATUS_OK = "ok"
STATUS_INSUFFICIENT = "insufficient_data"
REASON_TOO_FEW_WORKDAYS = "too_few_workdays"
REASON_LOW_COVERAGE = "low_coverage"
REASON_MISSING_FACTORS = "missing_factors"
MODE_BLENDED = "blended"
MODE_OBJECTIVE_ONLY = "objective_only"
OVERRIDE_PULSE_HIGH = "pulse_high"
OVERRIDE_LONG_WEEKS = "long_weeks"

WINDOW_DAYS = 28
CBI_ITEMS = 7
CBI_REVERSED_ITEM = 4  # 1-based: "enough energy for family and friends" is reverse-scored
CBI_MIN_ANSWERED = 4
CBI_ANSWERS = frozenset({0, 25, 50, 75, 100})

_INT_FIELDS = (
    "contracted_weekdays",
    "window_days",
    "contracted_workdays",
    "leave_workdays",
    "logged_workdays",
    "rest_days",
    "rest_days_worked",
    "max_consecutive_days",
    "quick_returns",
    "on_call_days",
    "tenure_days",
    "history_days",
    "days_since_week_off",
)
_FLOAT_FIELDS = (
    "contracted_hours",
    "total_hours",
    "after_hours_hours",
    "crisis_hours",
    "leave_days_365",
    "annual_entitlement",
)


def _is_real(value: object) -> TypeGuard[int | float | Decimal]:
    # Decimal is accepted because database drivers return it for numeric aggregates.
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _as_float(name: str, value: object) -> float:
    if not _is_real(value):
        raise ValueError(f"{name} must be a number, not {value!r}")
    out = float(value)
    if not math.isfinite(out):
        raise ValueError(f"{name} must be finite, not {value!r}")
    if out < 0:
        raise ValueError(f"{name} must be ≥ 0, not {value!r}")
    return out


def _as_count(name: str, value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{name} must be an integer, not {value!r}")
    if value < 0:
        raise ValueError(f"{name} must be ≥ 0, not {value!r}")
    return value


def _clamp01(value: float) -> float:
    return min(1.0, max(0.0, value))


@dataclass(frozen=True)
class Aggregates:
    """The docs/scoring.md 1.1 aggregates of one member for one ``as_of``.

    Numbers are validated on construction (ValueError): every count and amount ≥ 0 and
    finite, ``contracted_hours`` > 0, 1 ≤ ``contracted_weekdays`` ≤ 7, four weekly blocks,
    and the subset relations that hold by definition (leave workdays ⊆ contracted workdays,
    logged workdays ⊆ available workdays, rest days worked ⊆ rest days, contracted workdays
    and rest days ⊆ window days ≤ 28, on-call days and the longest run ⊆ window days).
    Float fields accept int and Decimal and are stored as float.
    """

    contracted_hours: float  # C, per week
    contracted_weekdays: int  # k
    window_days: int  # 28 clipped to employment
    contracted_workdays: int
    leave_workdays: int
    logged_workdays: int
    total_hours: float
    after_hours_hours: float
    rest_days: int
    rest_days_worked: int
    max_consecutive_days: int
    quick_returns: int
    on_call_days: int
    hostile_messages: int | None  # None = missing (no entry in the window recorded it)
    crisis_hours: float
    weekly_hours: tuple[float, float, float, float]
    tenure_days: int
    # Days of recorded history (docs/scoring.md 1.1): from the member's first task log or
    # leave record (never before started_on) to as_of. Leave metrics look only at these.
    history_days: int
    leave_days_365: float
    annual_entitlement: float  # for a full-time five-day week (default 25 on the member)
    days_since_week_off: int

    def __post_init__(self) -> None:
        for name in _FLOAT_FIELDS:
            object.__setattr__(self, name, _as_float(name, getattr(self, name)))
        for name in _INT_FIELDS:
            _as_count(name, getattr(self, name))
        if self.hostile_messages is not None:
            _as_count("hostile_messages", self.hostile_messages)
        weekly = tuple(self.weekly_hours)
        if len(weekly) != 4:
            raise ValueError(f"weekly_hours must have 4 blocks, not {len(weekly)}")
        weekly = tuple(_as_float(f"weekly_hours[{i}]", v) for i, v in enumerate(weekly))
        object.__setattr__(self, "weekly_hours", weekly)

        if self.contracted_hours <= 0:
            raise ValueError("contracted_hours must be > 0")
        if not 1 <= self.contracted_weekdays <= 7:
            raise ValueError("contracted_weekdays must be between 1 and 7")
        if self.window_days > WINDOW_DAYS:
            raise ValueError(f"window_days cannot exceed {WINDOW_DAYS}")
        if self.contracted_workdays + self.rest_days > self.window_days:
            raise ValueError("contracted_workdays + rest_days cannot exceed window_days")
        if self.leave_workdays > self.contracted_workdays:
            raise ValueError("leave_workdays cannot exceed contracted_workdays")
        if self.logged_workdays > self.available_workdays:
            raise ValueError("logged_workdays cannot exceed available_workdays")
        if self.rest_days_worked > self.rest_days:
            raise ValueError("rest_days_worked cannot exceed rest_days")
        if self.on_call_days > self.window_days:
            raise ValueError("on_call_days cannot exceed window_days")
        if self.max_consecutive_days > self.window_days:
            raise ValueError("max_consecutive_days cannot exceed window_days")
        if self.quick_returns > max(self.window_days - 1, 0):
            raise ValueError("quick_returns cannot exceed window_days - 1")

    @property
    def available_workdays(self) -> int:
        return self.contracted_workdays - self.leave_workdays

    @property
    def weeks_eq(self) -> float:
        return self.available_workdays / self.contracted_weekdays

    @property
    def entitlement(self) -> float:
        """Annual entitlement × k / 5 × min(1, history_days / 365): what is due over the
        recorded history, not over a tenure socialops has not seen."""
        pro_rata = min(1.0, self.history_days / 365)
        return self.annual_entitlement * self.contracted_weekdays / 5 * pro_rata

    @property
    def coverage(self) -> float | None:
        """logged_workdays / available_workdays; None when there is no available workday."""
        if self.available_workdays == 0:
            return None
        return self.logged_workdays / self.available_workdays

    @property
    def long_weeks(self) -> int:
        """How many of the four weekly blocks have ≥ 55 logged hours."""
        return sum(1 for hours in self.weekly_hours if hours >= LONG_WEEK_HOURS)


@dataclass(frozen=True)
class Score:
    status: str  # "ok" | "insufficient_data"
    reason: str | None  # "too_few_workdays" | "low_coverage" | "missing_factors" | None
    wsi: float | None  # unrounded
    wrb: float | None  # unrounded (None without a counting pulse)
    risk: float | None  # unrounded
    band: str | None  # low / moderate / high / very_high (with floors)
    wsi_band: str | None  # band of WSI alone with only the long_weeks floor
    mode: str  # "blended" | "objective_only"
    exposures: dict[str, float | None]  # None for a missing factor
    contributions: dict[str, float | None]  # 100 × w_i × e_i / Σ w_present; None if missing
    band_overrides: tuple[str, ...]  # every floor whose condition holds
    coverage: float | None


def cbi_score(answers: Sequence[int | None]) -> float | None:
    """WRB: the mean of the answered CBI work-related items after reversing item 4.

    ``answers`` is the seven items in order, each 0, 25, 50, 75, 100 or None (unanswered).
    Returns None when fewer than four are answered; raises ValueError for a wrong length
    or an answer outside the scale.
    """
    if isinstance(answers, str | bytes) or not isinstance(answers, Sequence):
        raise ValueError("answers must be a sequence of 7 items")
    if len(answers) != CBI_ITEMS:
        raise ValueError(f"answers must have {CBI_ITEMS} items, not {len(answers)}")
    scored = []
    for number, answer in enumerate(answers, start=1):
        if answer is None:
            continue
        if not _is_real(answer) or answer not in CBI_ANSWERS:
            raise ValueError(f"item {number}: {answer!r} is not one of 0, 25, 50, 75, 100")
        value = int(answer)
        scored.append(100 - value if number == CBI_REVERSED_ITEM else value)
    if len(scored) < CBI_MIN_ANSWERED:
        return None
    return sum(scored) / len(scored)


def band_for(value: float) -> str:
    """low < 25 ≤ moderate < 50 ≤ high < 75 ≤ very_high, on the unrounded value."""
    if value + _BOUNDARY_EPS >= BAND_LOWER_BOUNDS["very_high"]:
        return "very_high"
    if value + _BOUNDARY_EPS >= BAND_LOWER_BOUNDS["high"]:
        return "high"
    if value + _BOUNDARY_EPS >= BAND_LOWER_BOUNDS["moderate"]:
        return "moderate"
    return "low"


def _at_least(band: str, floor: str) -> str:
    return band if BANDS.index(band) >= BANDS.index(floor) else floor


def exposures(agg: Aggregates) -> dict[str, float | None]:
    """Each factor's exposure in 0..1 (docs/scoring.md 1.2), None when it is missing.

    ``rest_day_work`` is missing when there are no rest days. The per-week rates
    (``long_hours``, ``after_hours``, ``emotional_load``) are missing when there is no
    available workday, and ``on_call`` when ``window_days`` is 0; both only happen for
    inputs that are ``too_few_workdays`` anyway. ``emotional_load`` uses crisis hours alone
    when hostile messages were not recorded. The leave-share part of ``leave_deficit``
    counts only with ≥ 180 days of recorded history and a positive entitlement.
    """
    c = agg.contracted_hours
    weeks_eq = agg.weeks_eq
    out: dict[str, float | None] = dict.fromkeys(FACTORS)

    if weeks_eq > 0:
        h = agg.total_hours / weeks_eq
        ah = agg.after_hours_hours / weeks_eq
        out["long_hours"] = _clamp01(max((h / c - 1) / 0.375, (h - 40) / 15))
        out["after_hours"] = _clamp01((ah - 1) / 9)
        parts = [agg.crisis_hours / weeks_eq / 10]
        if agg.hostile_messages is not None:
            parts.append(agg.hostile_messages / weeks_eq / 100)
        out["emotional_load"] = _clamp01(max(parts))

    if agg.rest_days > 0:
        out["rest_day_work"] = _clamp01(agg.rest_days_worked / (0.5 * agg.rest_days))

    out["recovery"] = _clamp01(max((agg.max_consecutive_days - 6) / 6, agg.quick_returns / 4))

    if agg.window_days > 0:
        out["on_call"] = _clamp01((agg.on_call_days / agg.window_days) / 0.5)

    parts = [(agg.days_since_week_off - 90) / 90]
    entitlement = agg.entitlement
    if agg.history_days >= 180 and entitlement > 0:
        parts.append((0.75 - agg.leave_days_365 / entitlement) / 0.75)
    out["leave_deficit"] = _clamp01(max(parts))
    return out


def _present_points(exps: Mapping[str, float | None]) -> int:
    return sum(_WEIGHT_POINTS[name] for name in FACTORS if exps.get(name) is not None)


def present_weight(exps: Mapping[str, float | None]) -> float:
    """Σ w_i over the factors that are not missing."""
    return _present_points(exps) / 100


def strain(exps: Mapping[str, float | None]) -> tuple[float | None, dict[str, float | None]]:
    """(WSI, contributions) from exposures: WSI = 100 × Σ w_i e_i / Σ w_i over the present
    factors; contribution_i = 100 × w_i × e_i / Σ w_i (None for a missing factor). WSI is
    None when every factor is missing."""
    present = {name: e for name in FACTORS if (e := exps.get(name)) is not None}
    total = _present_points(exps)
    contributions: dict[str, float | None] = dict.fromkeys(FACTORS)
    if total == 0:
        return None, contributions
    for name, e in present.items():
        contributions[name] = 100 * _WEIGHT_POINTS[name] * e / total
    wsi = 100 * math.fsum(_WEIGHT_POINTS[name] * e for name, e in present.items()) / total
    return wsi, contributions


def insufficient_reason(agg: Aggregates, exps: Mapping[str, float | None]) -> str | None:
    """Why ``agg`` cannot be scored, or None. Checked in this order, first failure wins:
    ``too_few_workdays`` (available_workdays < min(10, 2k)), ``low_coverage``
    (coverage < 0.70), ``missing_factors`` (weights present sum to < 0.6)."""
    if agg.available_workdays < min(10, 2 * agg.contracted_weekdays):
        return REASON_TOO_FEW_WORKDAYS
    coverage = agg.coverage
    if coverage is None or coverage < MIN_COVERAGE:
        return REASON_LOW_COVERAGE
    if _present_points(exps) < round(MIN_PRESENT_WEIGHT * 100):
        return REASON_MISSING_FACTORS
    return None


def score(agg: Aggregates, pulse_answers: Sequence[int | None] | None = None) -> Score:
    """The burnout score of one member for one ``as_of`` (docs/scoring.md 1.4).

    ``pulse_answers`` are the seven answers of the pulse that counts for ``as_of`` (the
    caller picks it), or None. With a WRB, ``risk = 0.5 × WSI + 0.5 × WRB`` (blended),
    otherwise ``risk = WSI`` (objective_only). The band comes from the unrounded risk,
    raised to at least ``high`` by each floor whose condition holds (``pulse_high``:
    WRB ≥ 50; ``long_weeks``: ≥ 55 h in two or more weekly blocks); ``band_overrides``
    lists those floors whether or not they raised the band. ``wsi_band`` is the band of the
    WSI with only the ``long_weeks`` floor.

    With insufficient data, ``wsi``, ``risk``, ``band``, ``wsi_band`` are None,
    ``contributions`` are all None and ``band_overrides`` is empty; ``exposures``,
    ``coverage``, ``wrb`` and ``mode`` are still filled in.
    """
    wrb = cbi_score(pulse_answers) if pulse_answers is not None else None
    mode = MODE_BLENDED if wrb is not None else MODE_OBJECTIVE_ONLY
    exps = exposures(agg)
    reason = insufficient_reason(agg, exps)
    if reason is not None:
        return Score(
            status=STATUS_INSUFFICIENT,
            reason=reason,
            wsi=None,
            wrb=wrb,
            risk=None,
            band=None,
            wsi_band=None,
            mode=mode,
            exposures=exps,
            contributions=dict.fromkeys(FACTORS),
            band_overrides=(),
            coverage=agg.coverage,
        )

    wsi, contributions = strain(exps)
    assert wsi is not None  # at least 60 % of the weight is present
    risk = 0.5 * wsi + 0.5 * wrb if wrb is not None else wsi

    overrides = []
    if wrb is not None and wrb >= PULSE_HIGH_WRB:
        overrides.append(OVERRIDE_PULSE_HIGH)
    long_weeks = agg.long_weeks >= LONG_WEEKS_FOR_FLOOR
    if long_weeks:
        overrides.append(OVERRIDE_LONG_WEEKS)

    band = band_for(risk)
    wsi_band = band_for(wsi)
    if overrides:
        band = _at_least(band, "high")
    if long_weeks:
        wsi_band = _at_least(wsi_band, "high")

    return Score(
        status=STATUS_OK,
        reason=None,
        wsi=wsi,
        wrb=wrb,
        risk=risk,
        band=band,
        wsi_band=wsi_band,
        mode=mode,
        exposures=exps,
        contributions=contributions,
        band_overrides=tuple(overrides),
        coverage=agg.coverage,
    )


def round_half_up(value: float | None, digits: int = 2) -> float | None:
    """``value`` rounded half-up (away from zero on a tie) to ``digits`` decimals, for
    storing and showing. Uses the shortest decimal form of the float, so 2.675 → 2.68."""
    if value is None:
        return None
    if not _is_real(value) or not math.isfinite(value):
        raise ValueError(f"cannot round {value!r}")
    quantum = Decimal(1).scaleb(-digits)
    return float(Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP))


__all__ = [
    "BANDS",
    "FACTORS",
    "WEIGHTS",
    "Aggregates",
    "Score",
    "band_for",
    "cbi_score",
    "exposures",
    "insufficient_reason",
    "present_weight",
    "round_half_up",
    "score",
    "strain",
]
