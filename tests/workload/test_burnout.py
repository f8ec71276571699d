"""Burnout risk maths (docs/scoring.md Part 1), at the aggregate level: no database."""

import dataclasses
import math
from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from workload.burnout import (
    BANDS,
    FACTORS,
    WEIGHTS,
    Aggregates,
    band_for,
    cbi_score,
    exposures,
    insufficient_reason,
    present_weight,
    round_half_up,
    score,
    strain,
)

# docs/scoring.md 1.5: as_of a Sunday, window Monday..Sunday × 4, Mon–Fri contracts, tenure over
# two years, no leave in the window.
PERSONA_A = Aggregates(
    contracted_hours=37.5,
    contracted_weekdays=5,
    window_days=28,
    contracted_workdays=20,
    leave_workdays=0,
    logged_workdays=20,
    total_hours=152,
    after_hours_hours=2,
    rest_days=8,
    rest_days_worked=0,
    max_consecutive_days=5,
    quick_returns=0,
    on_call_days=0,
    hostile_messages=40,
    crisis_hours=0,
    weekly_hours=(38, 37, 39, 38),
    tenure_days=800,
    history_days=800,  # two years of recorded history (docs/scoring.md 1.2 cold start)
    leave_days_365=22,
    annual_entitlement=25,
    days_since_week_off=60,
)
PULSE_A = [25, 25, 0, 75, 25, 25, 0]

PERSONA_B = Aggregates(
    contracted_hours=37.5,
    contracted_weekdays=5,
    window_days=28,
    contracted_workdays=20,
    leave_workdays=0,
    logged_workdays=20,
    total_hours=208,
    after_hours_hours=24,
    rest_days=8,
    rest_days_worked=4,
    max_consecutive_days=11,
    quick_returns=3,
    on_call_days=7,
    hostile_messages=240,
    crisis_hours=16,
    weekly_hours=(49, 56, 47, 56),
    tenure_days=800,
    history_days=800,  # two years of recorded history (docs/scoring.md 1.2 cold start)
    leave_days_365=7,
    annual_entitlement=25,
    days_since_week_off=200,
)
PULSE_B = [75, 50, 50, 25, 75, 50, 75]

QUIET = dataclasses.replace(PERSONA_A, hostile_messages=None)  # every exposure 0 except long


def with_(agg: Aggregates, **changes) -> Aggregates:
    return dataclasses.replace(agg, **changes)


def rounded(mapping):
    return {name: round_half_up(value) for name, value in mapping.items()}


# --- 1.5 test vectors --------------------------------------------------------------------


def test_persona_a_vector():
    result = score(PERSONA_A, PULSE_A)
    assert result.status == "ok"
    assert result.reason is None
    assert result.mode == "blended"
    assert rounded(result.contributions) == {
        "long_hours": 0.89,
        "after_hours": 0.0,
        "rest_day_work": 0.0,
        "recovery": 0.0,
        "on_call": 0.0,
        "emotional_load": 1.50,
        "leave_deficit": 0.0,
    }
    assert round_half_up(result.wsi) == 2.39
    assert result.wsi == pytest.approx(2.3889, abs=1e-4)
    assert round_half_up(result.wrb, 3) == 17.857
    assert result.wrb == pytest.approx(17.8571, abs=1e-4)
    assert round_half_up(result.risk) == 10.12
    assert result.risk == pytest.approx((result.wsi + result.wrb) / 2, abs=1e-12)
    assert result.band == "low"
    assert result.wsi_band == "low"
    assert result.band_overrides == ()
    assert result.coverage == 1.0


def test_persona_a_exposures():
    exps = exposures(PERSONA_A)
    assert exps["long_hours"] == pytest.approx((38 / 37.5 - 1) / 0.375)  # H = 152 / 4 = 38
    assert exps["emotional_load"] == pytest.approx(0.1)  # 40 / 4 / 100
    assert {n: e for n, e in exps.items() if n not in ("long_hours", "emotional_load")} == {
        "after_hours": 0.0,
        "rest_day_work": 0.0,
        "recovery": 0.0,
        "on_call": 0.0,
        "leave_deficit": 0.0,
    }


def test_persona_b_vector():
    result = score(PERSONA_B, PULSE_B)
    assert result.status == "ok"
    assert result.mode == "blended"
    assert rounded(result.contributions) == {
        "long_hours": 25.00,
        "after_hours": 8.33,
        "rest_day_work": 10.00,
        "recovery": 12.50,
        "on_call": 5.00,
        "emotional_load": 9.00,
        "leave_deficit": 10.00,
    }
    assert round_half_up(result.wsi) == 79.83
    assert result.wsi == pytest.approx(79.8333, abs=1e-4)
    assert round_half_up(result.wrb) == 64.29
    assert result.wrb == pytest.approx(64.2857, abs=1e-4)
    assert round_half_up(result.risk) == 72.06
    assert result.risk == pytest.approx(72.0595, abs=1e-4)
    assert result.band == "high"
    assert result.band_overrides == ("pulse_high", "long_weeks")
    assert result.wsi_band == "very_high"


def test_persona_b_exposures():
    exps = exposures(PERSONA_B)
    assert exps == pytest.approx(
        {
            "long_hours": 1.0,  # H = 52: (52/37.5 − 1)/0.375 = 1.03 → clamped
            "after_hours": 5 / 9,  # AH = 6
            "rest_day_work": 1.0,  # 4 / (0.5 × 8)
            "recovery": 5 / 6,  # max(5/6, 3/4)
            "on_call": 0.5,  # 7/28 / 0.5
            "emotional_load": 0.6,  # max(240/4/100, 16/4/10)
            "leave_deficit": 1.0,  # max(0.627, 1.22 → 1)
        }
    )


def test_weights_sum_to_one():
    assert tuple(WEIGHTS) == FACTORS
    assert math.fsum(WEIGHTS.values()) == pytest.approx(1.0)
    assert WEIGHTS["long_hours"] == 0.25


# --- CBI pulse ---------------------------------------------------------------------------


def test_cbi_vectors():
    assert cbi_score([75, 50, 50, 25, 75, 50, 75]) == pytest.approx(64.2857, abs=1e-4)
    assert cbi_score([50] * 7) == 50.0
    assert cbi_score([50, 50, 50, None, None, None, None]) is None


def test_cbi_reverses_item_four_and_skips_unanswered():
    assert cbi_score([0, 0, 0, 100, 0, 0, 0]) == 0.0
    assert cbi_score([100, 100, 100, 0, 100, 100, 100]) == 100.0
    # Four answered (the minimum): (100 + 0 + 50 + (100 − 25)) / 4
    assert cbi_score([100, None, 0, 25, None, 50, None]) == pytest.approx(56.25)
    assert cbi_score([None] * 7) is None


@pytest.mark.parametrize(
    "answers",
    [
        [50] * 6,
        [50] * 8,
        [],
        [50, 50, 50, 50, 50, 50, 10],
        [50, 50, 50, 50, 50, 50, -25],
        [50, 50, 50, 50, 50, 50, 125],
        [50, 50, 50, 50, 50, 50, "50"],
        [50, 50, 50, 50, 50, 50, True],
        [False, 50, 50, 50, 50, 50, 50],
        "5050505",
    ],
)
def test_cbi_rejects_invalid_answers(answers):
    with pytest.raises(ValueError):
        cbi_score(answers)


def test_score_rejects_an_invalid_pulse():
    with pytest.raises(ValueError):
        score(PERSONA_A, [50] * 6)


# --- insufficient data -------------------------------------------------------------------


def test_too_few_workdays():
    nine = with_(PERSONA_A, leave_workdays=11, logged_workdays=9)  # available 9 < min(10, 10)
    result = score(nine, PULSE_B)
    assert result.status == "insufficient_data"
    assert result.reason == "too_few_workdays"
    assert (result.wsi, result.risk, result.band, result.wsi_band) == (None,) * 4
    assert result.contributions == dict.fromkeys(FACTORS)
    assert result.band_overrides == ()
    assert result.coverage == 1.0
    # The member's own pulse still scores on its own.
    assert result.wrb == pytest.approx(64.2857, abs=1e-4)
    assert result.exposures["long_hours"] is not None

    ten = with_(PERSONA_A, leave_workdays=10, logged_workdays=10)
    assert score(ten).status == "ok"


def test_too_few_workdays_threshold_is_two_weeks_for_short_contracts():
    # k = 2: min(10, 2k) = 4 available workdays needed.
    two_day = {
        "contracted_weekdays": 2,
        "contracted_workdays": 8,
        "rest_days": 20,
        "total_hours": 30,
    }
    three = with_(PERSONA_A, **two_day, leave_workdays=5, logged_workdays=3)
    assert score(three).reason == "too_few_workdays"
    four = with_(PERSONA_A, **two_day, leave_workdays=4, logged_workdays=4)
    assert score(four).status == "ok"


def test_low_coverage():
    result = score(with_(PERSONA_A, logged_workdays=13))  # 13/20 = 0.65
    assert result.status == "insufficient_data"
    assert result.reason == "low_coverage"
    assert result.coverage == 0.65
    assert result.wsi is None
    assert score(with_(PERSONA_A, logged_workdays=14)).status == "ok"  # 0.70 exactly


def test_too_few_workdays_is_checked_before_low_coverage():
    result = score(with_(PERSONA_A, leave_workdays=15, logged_workdays=0))
    assert result.reason == "too_few_workdays"
    assert result.coverage == 0.0


def test_missing_factors():
    # With any available workday only rest_day_work (0.10) can be missing, so score() cannot
    # reach this reason from real aggregates; the rule is checked on the exposures.
    exps = dict.fromkeys(FACTORS)
    exps.update(long_hours=0.5, after_hours=0.5, recovery=0.0)  # 0.25 + 0.15 + 0.15 = 0.55
    assert present_weight(exps) == pytest.approx(0.55)
    assert insufficient_reason(PERSONA_A, exps) == "missing_factors"
    exps["on_call"] = 0.0  # 0.65
    assert insufficient_reason(PERSONA_A, exps) is None
    # Order: the workday and coverage checks come first.
    assert insufficient_reason(with_(PERSONA_A, logged_workdays=1), {}) == "low_coverage"


def test_no_available_workday_never_divides_by_zero():
    empty = Aggregates(
        contracted_hours=37.5,
        contracted_weekdays=5,
        window_days=0,
        contracted_workdays=0,
        leave_workdays=0,
        logged_workdays=0,
        total_hours=0,
        after_hours_hours=0,
        rest_days=0,
        rest_days_worked=0,
        max_consecutive_days=0,
        quick_returns=0,
        on_call_days=0,
        hostile_messages=None,
        crisis_hours=0,
        weekly_hours=(0, 0, 0, 0),
        tenure_days=0,
        history_days=0,
        leave_days_365=0,
        annual_entitlement=0,
        days_since_week_off=0,
    )
    assert empty.weeks_eq == 0
    assert empty.coverage is None
    assert empty.entitlement == 0
    exps = exposures(empty)
    assert exps["long_hours"] is None
    assert exps["after_hours"] is None
    assert exps["emotional_load"] is None
    assert exps["on_call"] is None
    assert exps["rest_day_work"] is None
    result = score(empty, [50] * 7)
    assert result.reason == "too_few_workdays"
    assert result.coverage is None
    assert result.mode == "blended"
    assert result.wrb == 50.0

    on_leave = with_(
        PERSONA_B, leave_workdays=20, logged_workdays=0, rest_days=8, weekly_hours=(0,) * 4
    )
    assert score(on_leave).reason == "too_few_workdays"


# --- missing factors and renormalisation -------------------------------------------------


def test_missing_rest_day_work_renormalises():
    seven_day = with_(PERSONA_B, rest_days=0, rest_days_worked=0)
    result = score(seven_day)
    assert result.exposures["rest_day_work"] is None
    assert result.contributions["rest_day_work"] is None
    present = {
        "long_hours": 1.0,
        "after_hours": 5 / 9,
        "recovery": 5 / 6,
        "on_call": 0.5,
        "emotional_load": 0.6,
        "leave_deficit": 1.0,
    }
    expected = 100 * sum(WEIGHTS[n] * e for n, e in present.items()) / 0.9
    assert result.wsi == pytest.approx(expected, abs=1e-9)
    assert round_half_up(result.wsi) == 77.59
    assert result.contributions["long_hours"] == pytest.approx(100 * 0.25 / 0.9)
    assert sum(v for v in result.contributions.values() if v is not None) == pytest.approx(
        result.wsi
    )


def test_missing_hostile_uses_crisis_only():
    assert exposures(with_(PERSONA_B, hostile_messages=None))["emotional_load"] == (
        pytest.approx(0.4)  # 16 / 4 / 10
    )
    assert exposures(with_(PERSONA_B, hostile_messages=0))["emotional_load"] == pytest.approx(0.4)
    assert exposures(QUIET)["emotional_load"] == 0.0
    result = score(with_(PERSONA_B, hostile_messages=None))
    assert result.contributions["emotional_load"] == pytest.approx(6.0)
    assert result.wsi == pytest.approx(79.8333 - 3, abs=1e-4)


def test_leave_deficit_ignores_the_leave_share_under_180_days_of_history():
    new_starter = with_(
        PERSONA_B, tenure_days=179, history_days=179, leave_days_365=0, days_since_week_off=60
    )
    assert exposures(new_starter)["leave_deficit"] == 0.0
    settled = with_(new_starter, tenure_days=180, history_days=180)
    assert settled.entitlement == pytest.approx(25 * 180 / 365)
    assert exposures(settled)["leave_deficit"] == 1.0  # (0.75 − 0) / 0.75
    # The week-off part counts whatever the tenure.
    assert exposures(with_(new_starter, days_since_week_off=135))["leave_deficit"] == 0.5


def test_leave_deficit_with_no_entitlement_uses_the_week_off_part_only():
    no_leave = with_(PERSONA_B, annual_entitlement=0, leave_days_365=0, days_since_week_off=135)
    assert no_leave.entitlement == 0
    assert exposures(no_leave)["leave_deficit"] == 0.5


def test_entitlement_is_pro_rata_by_weekdays_and_tenure():
    assert PERSONA_A.entitlement == 25
    four_day = with_(
        PERSONA_A, contracted_weekdays=4, contracted_workdays=16, logged_workdays=16, rest_days=12
    )
    assert four_day.entitlement == pytest.approx(20)
    assert with_(four_day, tenure_days=73, history_days=73).entitlement == pytest.approx(4)
    # Pro rata by recorded history, not tenure: four years employed, 73 days on record.
    assert with_(four_day, tenure_days=1461, history_days=73).entitlement == pytest.approx(4)


# --- bands and floors --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "band"),
    [
        (0, "low"),
        (24.99, "low"),
        (24.995, "low"),  # shown as 25.00, but bands use the unrounded value
        (25, "moderate"),
        (49.99, "moderate"),
        (50, "high"),
        (50 - 1e-12, "high"),  # floating-point noise around an exact boundary
        (74.99, "high"),
        (75, "very_high"),
        (100, "very_high"),
    ],
)
def test_band_for(value, band):
    assert band_for(value) == band


def exact(**exps):
    """Aggregates for QUIET (all exposures 0) with the given exposures set to 1 (or 0.5)."""
    agg = with_(QUIET, total_hours=152)
    if "long_hours" in exps:
        agg = with_(agg, total_hours=220)  # H = 55 → 1
    if "after_hours" in exps:
        agg = with_(agg, after_hours_hours=40)  # AH = 10 → 1
    if "rest_day_work" in exps:
        agg = with_(agg, rest_days_worked=4)
    if "recovery" in exps:
        agg = with_(agg, quick_returns=4)
    if "on_call" in exps:
        agg = with_(agg, on_call_days=14)
    if "leave_deficit" in exps:
        agg = with_(agg, days_since_week_off=135 if exps["leave_deficit"] == 0.5 else 180)
    return agg


@pytest.mark.parametrize(
    ("agg", "wsi", "band"),
    [
        (exact(long_hours=1), 25.0, "moderate"),
        (exact(long_hours=1, rest_day_work=1, on_call=1, leave_deficit=0.5), 50.0, "high"),
        (
            exact(long_hours=1, after_hours=1, rest_day_work=1, recovery=1, on_call=1),
            75.0,
            "very_high",
        ),
    ],
)
def test_bands_at_exact_boundaries_through_score(agg, wsi, band):
    result = score(agg)
    assert result.wsi == pytest.approx(wsi, abs=1e-9)
    assert result.band == band
    assert result.wsi_band == band
    assert result.band_overrides == ()


def test_pulse_high_floor_alone():
    result = score(PERSONA_A, [50] * 7)  # WRB 50 exactly
    assert result.wrb == 50.0
    assert band_for(result.risk) == "moderate"  # (2.39 + 50) / 2 = 26.19
    assert result.band == "high"
    assert result.band_overrides == ("pulse_high",)
    assert result.wsi_band == "low"  # the pulse floor never reaches the leader's wsi_band


def test_pulse_just_below_fifty_raises_nothing():
    result = score(PERSONA_A, [50, 50, 50, 50, 50, 50, 25])  # WRB 46.43, risk 24.41
    assert result.band == "low"
    assert result.band_overrides == ()


def test_long_weeks_floor_alone():
    result = score(with_(PERSONA_A, weekly_hours=(55, 21, 55, 21)))
    assert result.mode == "objective_only"
    assert result.risk == result.wsi
    assert band_for(result.risk) == "low"
    assert result.band == "high"
    assert result.wsi_band == "high"
    assert result.band_overrides == ("long_weeks",)


def test_one_long_week_or_just_under_55_is_no_floor():
    assert score(with_(PERSONA_A, weekly_hours=(60, 30, 31, 31))).band == "low"
    assert score(with_(PERSONA_A, weekly_hours=(54.99, 54.99, 21, 21))).band_overrides == ()


def test_both_floors():
    result = score(with_(PERSONA_A, weekly_hours=(55, 55, 21, 21)), [75] * 7)
    assert result.band == "high"
    assert result.band_overrides == ("pulse_high", "long_weeks")


def test_floors_are_listed_even_when_the_band_is_already_high():
    # Persona B objective only: WSI 79.83 is very_high on its own; long_weeks still listed.
    objective = score(PERSONA_B)
    assert objective.mode == "objective_only"
    assert objective.band == "very_high"
    assert objective.band_overrides == ("long_weeks",)
    # Blended risk 72.06 is high on its own; pulse_high is still listed.
    blended = score(with_(PERSONA_B, weekly_hours=(52, 52, 52, 52)), PULSE_B)
    assert band_for(blended.risk) == "high"
    assert blended.band == "high"
    assert blended.band_overrides == ("pulse_high",)
    assert blended.wsi_band == "very_high"


def test_a_pulse_with_too_few_answers_does_not_count():
    result = score(PERSONA_B, [75, 75, 75, None, None, None, None])
    assert result.mode == "objective_only"
    assert result.wrb is None
    assert result.risk == result.wsi
    assert "pulse_high" not in result.band_overrides


# --- validation and rounding -------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"contracted_hours": 0},
        {"contracted_hours": -1},
        {"contracted_hours": math.nan},
        {"contracted_weekdays": 0},
        {"contracted_weekdays": 8},
        {"window_days": -1},
        {"window_days": 29},
        {"leave_workdays": 21},
        {"logged_workdays": 21},
        {"leave_workdays": 5, "logged_workdays": 16},
        {"rest_days": 9},
        {"rest_days_worked": 9},
        {"max_consecutive_days": 29},
        {"quick_returns": -1},
        {"quick_returns": 28},
        {"on_call_days": 29},
        {"hostile_messages": -1},
        {"hostile_messages": 1.5},
        {"total_hours": -0.5},
        {"total_hours": math.inf},
        {"crisis_hours": "1"},
        {"weekly_hours": (38, 37, 39)},
        {"weekly_hours": (38, 37, 39, -1)},
        {"tenure_days": -1},
        {"history_days": -1},
        {"days_since_week_off": True},
        {"annual_entitlement": -1},
        {"leave_days_365": -1},
    ],
)
def test_impossible_aggregates_are_rejected(changes):
    with pytest.raises(ValueError):
        with_(PERSONA_A, **changes)


def test_decimal_and_int_amounts_are_accepted():
    agg = with_(PERSONA_A, total_hours=Decimal("152.0"), weekly_hours=[38, 37, 39, 38])
    assert agg.total_hours == 152.0
    assert isinstance(agg.total_hours, float)
    assert agg.weekly_hours == (38.0, 37.0, 39.0, 38.0)
    assert score(agg) == score(PERSONA_A)


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [
        (2.675, 2, 2.68),
        (0.125, 2, 0.13),
        (0.124999, 2, 0.12),
        (72.0595, 2, 72.06),
        (17.857142857, 3, 17.857),
        (64.2857142857, 4, 64.2857),
        (0, 2, 0.0),
        (None, 2, None),
    ],
)
def test_round_half_up(value, digits, expected):
    assert round_half_up(value, digits) == expected


def test_round_half_up_rejects_non_finite():
    with pytest.raises(ValueError):
        round_half_up(math.nan)


# --- properties --------------------------------------------------------------------------

hours = st.floats(min_value=0, max_value=500, allow_nan=False, allow_infinity=False)
answers = st.lists(st.sampled_from([0, 25, 50, 75, 100, None]), min_size=7, max_size=7)


@st.composite
def aggregates(draw, sufficient=False):
    """Internally consistent aggregates; `sufficient` ones always score."""
    k = draw(st.integers(1, 7))
    if sufficient:
        window = 28
        contracted = 4 * k
        leave = draw(st.integers(0, contracted - min(10, 2 * k)))
    else:
        window = draw(st.integers(0, 28))
        contracted = draw(st.integers(0, min(window, k * math.ceil(window / 7))))
        leave = draw(st.integers(0, contracted))
    available = contracted - leave
    low_logged = math.ceil(0.7 * available) if sufficient else 0
    logged = draw(st.integers(low_logged, available))
    rest = draw(st.integers(0, window - contracted))
    return Aggregates(
        contracted_hours=draw(st.floats(min_value=1, max_value=60)),
        contracted_weekdays=k,
        window_days=window,
        contracted_workdays=contracted,
        leave_workdays=leave,
        logged_workdays=logged,
        total_hours=draw(hours),
        after_hours_hours=draw(hours),
        rest_days=rest,
        rest_days_worked=draw(st.integers(0, rest)),
        max_consecutive_days=draw(st.integers(0, window)),
        quick_returns=draw(st.integers(0, max(window - 1, 0))),
        on_call_days=draw(st.integers(0, window)),
        hostile_messages=draw(st.none() | st.integers(0, 5000)),
        crisis_hours=draw(hours),
        weekly_hours=tuple(draw(st.lists(hours, min_size=4, max_size=4))),
        tenure_days=draw(st.integers(0, 5000)),
        history_days=draw(st.integers(0, 5000)),
        leave_days_365=draw(st.floats(min_value=0, max_value=300)),
        annual_entitlement=draw(st.floats(min_value=0, max_value=40)),
        days_since_week_off=draw(st.integers(0, 5000)),
    )


def assert_well_formed(result):
    assert set(result.exposures) == set(FACTORS)
    assert set(result.contributions) == set(FACTORS)
    for e in result.exposures.values():
        assert e is None or 0 <= e <= 1
    if result.status == "insufficient_data":
        assert result.reason in ("too_few_workdays", "low_coverage", "missing_factors")
        assert (result.wsi, result.risk, result.band, result.wsi_band) == (None,) * 4
        assert result.band_overrides == ()
        return
    assert result.reason is None
    assert 0 <= result.wsi <= 100
    assert 0 <= result.risk <= 100
    assert result.band in BANDS
    assert result.wsi_band in BANDS
    present = [c for c in result.contributions.values() if c is not None]
    assert all(0 <= c <= 100 for c in present)
    assert math.fsum(present) == pytest.approx(result.wsi, abs=1e-9)
    assert BANDS.index(result.band) >= BANDS.index(band_for(result.risk))
    if result.band_overrides:
        assert BANDS.index(result.band) >= BANDS.index("high")


@given(aggregates(), st.none() | answers)
def test_any_valid_aggregates_score_without_raising(agg, pulse):
    assert_well_formed(score(agg, pulse))


@given(aggregates(sufficient=True), st.none() | answers)
def test_sufficient_aggregates_score_within_0_to_100(agg, pulse):
    result = score(agg, pulse)
    assert result.status == "ok"
    assert_well_formed(result)


@given(aggregates(sufficient=True), hours)
def test_wsi_never_decreases_with_more_hours(agg, extra):
    before = score(agg).wsi
    assert score(with_(agg, total_hours=agg.total_hours + extra)).wsi >= before


@given(aggregates(sufficient=True), hours)
def test_wsi_never_decreases_with_more_after_hours(agg, extra):
    before = score(agg).wsi
    assert score(with_(agg, after_hours_hours=agg.after_hours_hours + extra)).wsi >= before


@given(aggregates(sufficient=True), st.integers(0, 5000))
def test_wsi_never_decreases_with_more_hostile_messages(agg, extra):
    before = score(agg).wsi
    grown = (agg.hostile_messages or 0) + extra  # None → recorded also never decreases it
    assert score(with_(agg, hostile_messages=grown)).wsi >= before


@given(aggregates(sufficient=True))
def test_without_rest_days_wsi_is_renormalised_over_the_other_six(agg):
    agg = with_(agg, rest_days=0, rest_days_worked=0)
    result = score(agg)
    assume(result.status == "ok")
    exps = exposures(agg)
    assert exps["rest_day_work"] is None
    others = [n for n in FACTORS if n != "rest_day_work"]
    expected = 100 * sum(WEIGHTS[n] * exps[n] for n in others) / sum(WEIGHTS[n] for n in others)
    assert result.wsi == pytest.approx(expected, abs=1e-9)
    assert strain(exps)[0] == result.wsi
