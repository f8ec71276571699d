import pytest
from hypothesis import given
from hypothesis import strategies as st

from workload.duration import DurationError, format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("90", 90),
        ("90m", 90),
        ("90 min", 90),
        ("90 minutes", 90),
        ("1h30", 90),
        ("1h30m", 90),
        ("1h 30m", 90),
        ("1:30", 90),
        ("01:30", 90),
        ("1.5h", 90),
        ("1,5h", 90),
        ("1.5 hours", 90),
        ("2h", 120),
        ("2 hrs", 120),
        ("0:45", 45),
        (" 45m ", 45),
        ("24h", 1440),
        ("1.25h", 75),
        ("0.33h", 20),  # 19.8 rounds half-up to 20
        ("1H30", 90),
    ],
)
def test_parse_duration_accepts_what_people_type(text, minutes):
    assert parse_duration(text) == minutes


@pytest.mark.parametrize(
    "text", ["", "  ", "abc", "1h30h", "h", "1:75", "-5", "1..5h", "90s", "1h-30", "x" * 40]
)
def test_parse_duration_rejects_nonsense_with_a_message(text):
    with pytest.raises(DurationError) as info:
        parse_duration(text)
    assert "90m" in str(info.value) or "duration" in str(info.value)


@given(st.integers(min_value=1, max_value=1440))
def test_format_then_parse_round_trips(minutes):
    assert parse_duration(format_duration(minutes)) == minutes


def test_format_duration():
    assert format_duration(45) == "45m"
    assert format_duration(90) == "1h30"
    assert format_duration(120) == "2h"
    assert format_duration(605) == "10h05"
