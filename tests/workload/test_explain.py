"""Scores and staffing in plain words (workload/explain.py): pure functions, no database."""

import pytest

from workload import explain

# docs/scoring.md 1.5, persona B (the overloaded community manager), as stored on a score.
PERSONA_B = {
    "contracted_hours": 37.5, "contracted_weekdays": 5, "window_days": 28,
    "contracted_workdays": 20, "leave_workdays": 0, "logged_workdays": 20, "total_hours": 208.0,
    "after_hours_hours": 24.0, "rest_days": 8, "rest_days_worked": 4, "max_consecutive_days": 11,
    "quick_returns": 3, "on_call_days": 7, "hostile_messages": 240, "crisis_hours": 16.0,
    "weekly_hours": [49.0, 56.0, 47.0, 56.0], "tenure_days": 800, "leave_days_365": 7.0,
    "annual_entitlement": 25.0, "days_since_week_off": 200,
}  # fmt: skip
CONTRIBUTIONS_B = {
    "long_hours": 25.0, "after_hours": 8.33, "rest_day_work": 10.0, "recovery": 12.5,
    "on_call": 5.0, "emotional_load": 9.0, "leave_deficit": 10.0,
}  # fmt: skip
PERSONA_A = PERSONA_B | {
    "total_hours": 152.0, "after_hours_hours": 2.0, "rest_days_worked": 0,
    "max_consecutive_days": 5, "quick_returns": 0, "on_call_days": 0, "hostile_messages": 40,
    "crisis_hours": 0.0, "leave_days_365": 22.0, "days_since_week_off": 60,
    "weekly_hours": [38.0, 37.0, 39.0, 38.0],
}  # fmt: skip
CONTRIBUTIONS_A = dict.fromkeys(CONTRIBUTIONS_B, 0.0) | {"long_hours": 0.89, "emotional_load": 1.5}


def test_persona_b_top_three_factors_in_words():
    top = explain.top_factors(CONTRIBUTIONS_B, PERSONA_B)
    assert [f.name for f in top] == ["long_hours", "recovery", "rest_day_work"]  # ties: model order
    assert explain.strain_in_words(CONTRIBUTIONS_B, PERSONA_B) == (
        "52 h/week, 11 days in a row, 3 short rests, 4 of 8 rest days worked"
    )


def test_every_factor_has_words_from_the_aggregates():
    words = {f.name: f.words for f in explain.factors(CONTRIBUTIONS_B, PERSONA_B)}
    assert words == {
        "long_hours": "52 h/week",
        "recovery": "11 days in a row, 3 short rests",
        "rest_day_work": "4 of 8 rest days worked",
        "leave_deficit": "no week off for 200 days, 7 of 25 leave days taken in a year",
        "emotional_load": "240 hostile messages, 16 h of crisis work",
        "after_hours": "24 h after hours",
        "on_call": "7 on-call days",
    }


def test_persona_a_only_factors_above_zero_and_singular_plural():
    assert explain.strain_in_words(CONTRIBUTIONS_A, PERSONA_A) == "40 hostile messages, 38 h/week"
    one = PERSONA_A | {"hostile_messages": 1}
    assert explain.factor_words("emotional_load", one) == "1 hostile message"


def test_missing_factors_are_left_out_and_nothing_is_reassuring():
    contributions = dict.fromkeys(CONTRIBUTIONS_B, 0.0) | {"rest_day_work": None}
    assert "rest_day_work" not in [f.name for f in explain.factors(contributions, PERSONA_A)]
    assert explain.top_factors(contributions, PERSONA_A) == []
    assert explain.strain_in_words(contributions, PERSONA_A) == (
        "Nothing in the logged work adds strain."
    )


def test_unrecorded_hostile_messages_and_leave_taken_within_target():
    agg = PERSONA_A | {"hostile_messages": None, "crisis_hours": 0.0}
    assert explain.factor_words("emotional_load", agg) == "no hostile messages recorded"
    assert explain.factor_words("leave_deficit", agg) == "last week off 60 days ago"
    short_tenure = PERSONA_B | {"tenure_days": 100, "days_since_week_off": 100}
    assert explain.factor_words("leave_deficit", short_tenure) == "no week off for 100 days"


def test_long_hours_per_week_counts_leave_out_of_the_weeks():
    agg = PERSONA_B | {"leave_workdays": 4, "total_hours": 160.0}  # 16 workdays = 3.2 weeks
    assert explain.factor_words("long_hours", agg) == "50 h/week"
    assert explain.hours_per_week(agg | {"contracted_workdays": 4}) is None  # all leave


def test_aggregates_in_words():
    lines = explain.aggregates_in_words(PERSONA_B)
    assert lines[0] == "Worked 208 h in 4 weeks: 52 h a week against a 37.5 h contract."
    blocks = "Over the four 7-day stretches ending on the score's date: 49 h, 56 h, 47 h, 56 h."
    assert blocks in lines
    assert "On call on 7 of 28 days." in lines
    assert explain.aggregates_in_words({}) == []


def test_unknown_factor_is_refused():
    with pytest.raises(ValueError, match="unknown factor"):
        explain.factor_words("sleep", PERSONA_B)


@pytest.mark.parametrize(
    ("value", "text"),
    [(52.0, "52"), (6.6, "6.6"), (1.9333, "1.9"), (-0.04, "0"), (None, "—"), (0, "0")],
)
def test_number(value, text):
    assert explain.number(value) == text


def test_reasons_in_words():
    assert explain.reason_in_words("low_coverage", 0.45) == (
        "Work logged on fewer than 70 % of available workdays (logged on 45 %)."
    )
    assert explain.reason_in_words("too_few_workdays").startswith("Too few available workdays")


G2 = {
    "team": "Community", "gap_fte": 1.9333, "required_fte": 8.5333, "available_fte": 6.6,
    "hidden_overtime_fte": 0.5, "seat_floor_fte": 1.5, "shrinkage": 0.25, "demand_total": 240.0,
    "realtime_hours": 140.0, "deferrable_hours": 0.0, "other_hours": 100.0,
    "staffed_hours_per_week": 45.0,
}  # fmt: skip


def test_headcount_sentence_for_scoring_vector_g2():
    assert explain.staffing_sentence(**G2) == (
        "Community needs 1.9 more FTE: demand is 240 h a week (140 h of real-time inbox seats, "
        "100 h of other work), which takes 8.5 FTE once 25 % absence is allowed for, against "
        "6.6 FTE available; 0.5 FTE of it is absorbed today as unpaid overtime."
    )


def test_headcount_sentence_without_overtime_and_with_inbox_replies():
    sentence = explain.staffing_sentence(
        **G2 | {"hidden_overtime_fte": 0.0, "deferrable_hours": 20.0, "demand_total": 260.0}
    )
    assert "(140 h of real-time inbox seats, 20 h of inbox replies, 100 h of other work)" in (
        sentence
    )
    assert sentence.endswith("against 6.6 FTE available.")


def test_headcount_sentence_when_the_seat_floor_binds():
    sentence = explain.staffing_sentence(
        **G2 | {"gap_fte": 0.9, "required_fte": 1.9, "available_fte": 1.0, "seat_floor_fte": 1.9,
                "demand_total": 30.0, "realtime_hours": 0.0, "other_hours": 30.0,
                "hidden_overtime_fte": 0.0, "shrinkage": 0.15, "staffed_hours_per_week": 64.0}
    )  # fmt: skip
    assert sentence == (
        "Community needs 0.9 more FTE: demand is 30 h a week (30 h of other work), but keeping "
        "one person present for the 64 staffed hours a week takes 1.9 FTE once 15 % absence is "
        "allowed for, against 1.0 FTE available."
    )


def test_headcount_sentence_when_there_is_no_gap():
    sentence = explain.staffing_sentence(**G2 | {"gap_fte": -1.2, "available_fte": 9.7333})
    assert sentence.startswith("Community has enough people: demand is 240 h a week")
    assert "9.7 FTE are available (1.2 FTE of headroom)" in sentence
    assert sentence.endswith("0.5 FTE is worked today as unpaid overtime: look at how the work "
                             "is spread.")  # fmt: skip
    calm = explain.staffing_sentence(**G2 | {"gap_fte": 0.0, "hidden_overtime_fte": 0.0})
    assert calm.endswith("6.6 FTE are available.")
    assert "needs" not in calm
