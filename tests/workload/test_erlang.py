"""Erlang B, C and A against docs/scoring.md 2.4–2.5 (pure maths: no database)."""

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workload import erlang
from workload.erlang import (
    CalculatorInputError,
    ErlangError,
    LoadTooLarge,
    agents_for_blocking,
    asa,
    calculator,
    erlang_a,
    erlang_b,
    erlang_c,
    occupancy,
    offered_load,
    required_agents,
    required_agents_erlang_a,
    scheduled_agents,
    service_level,
)

PROB = 1e-6

# ---- The test vectors of docs/scoring.md 2.5 ----


def test_tv1():
    a = offered_load(100, 30, 3)
    assert a == pytest.approx(10.0)
    n = required_agents(a, 3, 20 / 60, 0.80, 0.85)
    assert n == 14
    assert scheduled_agents(n, 0.30) == 20
    assert erlang_c(14, a) == pytest.approx(0.174132, abs=PROB)
    assert service_level(14, a, 3, 20 / 60) == pytest.approx(0.888350, abs=PROB)
    assert asa(14, a, 3) * 60 == pytest.approx(7.8359, abs=5e-5)
    assert occupancy(14, a) == pytest.approx(0.714286, abs=PROB)


def test_tv1_through_the_calculator():
    result = calculator(
        arrivals=100,
        interval_minutes=30,
        aht_minutes=3,
        target_seconds=20,
        service_level=0.80,
        max_occupancy=0.85,
        shrinkage=0.30,
    )
    assert result["raw_positions"] == 14
    assert result["positions"] == 20
    assert result["waiting_probability"] == pytest.approx(0.174132, abs=PROB)
    assert result["service_level"] == pytest.approx(0.888350, abs=PROB)
    assert result["asa_seconds"] == pytest.approx(7.8359, abs=5e-5)
    assert result["occupancy"] == pytest.approx(0.714286, abs=PROB)
    assert "abandonment_probability" not in result


def test_tv1_cap():
    n = required_agents(10.0, 3, 20 / 60, 0.80, 0.70)
    assert n == 15
    assert scheduled_agents(n, 0.30) == 22
    result = calculator(
        arrivals=100,
        interval_minutes=30,
        aht_minutes=3,
        target_seconds=20,
        service_level=0.80,
        max_occupancy=0.70,
        shrinkage=0.30,
    )
    assert (result["raw_positions"], result["positions"]) == (15, 22)


def test_tv3():
    a = offered_load(30, 60, 5)
    assert a == pytest.approx(2.5)
    expected = {4: 0.319857, 5: 0.130371, 6: 0.047445}
    for n, c in expected.items():
        assert erlang_c(n, a) == pytest.approx(c, abs=PROB)


def test_tv4():
    assert erlang_b(16, 10) == pytest.approx(0.0223018720, abs=1e-10)
    assert erlang_b(17, 10) == pytest.approx(0.0129488752, abs=1e-10)
    assert agents_for_blocking(10, 0.02) == 17


def test_s1():
    a = offered_load(60, 60, 4)
    n = required_agents(a, 4, 5, 0.80, 0.85)
    assert n == 5
    assert service_level(n, a, 4, 5) == pytest.approx(0.841244, abs=PROB)
    assert erlang_c(n, a) == pytest.approx(0.554113, abs=PROB)


def test_s2():
    a = offered_load(40, 60, 4)
    n = required_agents(a, 4, 60, 0.90)
    assert n == 3
    assert service_level(n, a, 4, 60) == pytest.approx(0.994626, abs=PROB)
    assert required_agents(a, 4, 60, 0.90, 0.85) == 4


def test_ea():
    result = erlang_a(100 / 30, 3, 5, 14, 20 / 60)
    assert result.waiting_probability == pytest.approx(0.145260, abs=PROB)
    assert result.abandonment_probability == pytest.approx(0.013984, abs=PROB)
    assert result.service_level == pytest.approx(0.916792, abs=PROB)


def test_ea_through_the_calculator():
    result = calculator(
        arrivals=100,
        interval_minutes=30,
        aht_minutes=3,
        target_seconds=20,
        service_level=0.80,
        max_occupancy=0.85,
        shrinkage=0.30,
        patience_minutes=5,
    )
    n = result["raw_positions"]
    at_n = erlang_a(100 / 30, 3, 5, n, 20 / 60)
    below = erlang_a(100 / 30, 3, 5, n - 1, 20 / 60)
    assert result["service_level"] == pytest.approx(at_n.service_level, abs=1e-12)
    assert result["abandonment_probability"] == pytest.approx(at_n.abandonment_probability)
    assert result["service_level"] >= 0.80
    assert below.service_level < 0.80 or below.occupancy > 0.85
    assert result["positions"] == scheduled_agents(n, 0.30)


def _uniformised_served_within(n, lam, mu, theta, t, weights):
    """P(served within t) over those who wait, by uniformising the tagged-customer chain
    (an independent check of the negative-binomial formula)."""
    size = len(weights)
    top = n * mu + (size + 1) * theta
    v = list(weights)  # v[i]: mass with i customers ahead
    served = 0.0
    poisson = math.exp(-top * t)
    k = 0
    cumulative = 0.0
    while cumulative < 1 - 1e-13:
        cumulative += poisson
        # absorbed so far contributes with weight P(Poisson ≥ k) — accumulate stepwise
        k += 1
        new = [0.0] * size
        step_served = 0.0
        for i, mass in enumerate(v):
            advance = (n * mu + i * theta) / top
            stay = 1 - advance - theta / top
            new[i] += mass * stay
            if i == 0:
                step_served += mass * advance
            else:
                new[i - 1] += mass * advance
        v = new
        served += step_served * (1 - cumulative)
        poisson *= top * t / k
    return served


def test_erlang_a_service_level_matches_the_tagged_chain_uniformised():
    lam, aht, patience, n, t = 100 / 30, 3.0, 5.0, 14, 20 / 60
    mu, theta = 1 / aht, 1 / patience
    b = erlang_b(n, lam * aht)
    # Stationary weights of the states n + j, straight from the chain.
    terms, q, j = [1.0], 1.0, 0
    while q > 1e-18:
        j += 1
        q *= lam / (n * mu + j * theta)
        terms.append(q)
    total = 1 / b + sum(terms[1:])
    weights = [x / total for x in terms]
    wait_served = _uniformised_served_within(n, lam, mu, theta, t, weights)
    expected = 1 - sum(weights) + wait_served
    assert erlang_a(lam, aht, patience, n, t).service_level == pytest.approx(expected, abs=1e-9)


def test_erlang_a_abandonment_agrees_with_the_tagged_chain():
    # P(abandon) = θ·Lq/λ must equal Σ π_{N+j} · (1 − Nμ/(Nμ + (j+1)θ)).
    lam, aht, patience, n = 4.0, 3.0, 2.0, 12
    r = erlang_a(lam, aht, patience, n, 0.5)
    mu, theta = 1 / aht, 1 / patience
    b = erlang_b(n, lam * aht)
    terms, q, j = [1.0], 1.0, 0
    while q > 1e-18:
        j += 1
        q *= lam / (n * mu + j * theta)
        terms.append(q)
    total = 1 / b + sum(terms[1:])
    tagged = sum(x / total * (1 - n * mu / (n * mu + (k + 1) * theta)) for k, x in enumerate(terms))
    assert r.abandonment_probability == pytest.approx(tagged, rel=1e-9)
    assert r.occupancy == pytest.approx(lam * aht * (1 - r.abandonment_probability) / n)


def test_erlang_a_tends_to_erlang_c_without_abandonment():
    r = erlang_a(100 / 30, 3, 1e9, 14, 20 / 60)
    assert r.waiting_probability == pytest.approx(erlang_c(14, 10), abs=1e-6)
    assert r.service_level == pytest.approx(service_level(14, 10, 3, 20 / 60), abs=1e-6)
    assert r.asa == pytest.approx(asa(14, 10, 3), rel=1e-5)
    assert r.abandonment_probability < 1e-6


@pytest.mark.parametrize(
    ("arrivals", "interval", "aht", "patience", "target", "sl", "cap"),
    [
        (100, 30, 3, 5, 20 / 60, 0.80, 0.85),  # the EA vector's setting
        (100, 30, 3, 5, 20 / 60, 0.80, 1.0),
        (60, 60, 4, 10, 5, 0.80, 0.85),
        (30, 60, 5, 3, 0.5, 0.90, 1.0),
        (1200, 60, 6, 4, 1, 0.80, 0.90),
        (40, 60, 4, 30, 60, 0.90, 1.0),
    ],
)
def test_erlang_a_needs_no_more_agents_than_erlang_c(
    arrivals, interval, aht, patience, target, sl, cap
):
    a = offered_load(arrivals, interval, aht)
    by_c = required_agents(a, aht, target, sl, cap)
    by_a = required_agents_erlang_a(arrivals / interval, aht, patience, target, sl, cap)
    assert by_a <= by_c
    r = erlang_a(arrivals / interval, aht, patience, by_a, target)
    assert r.service_level >= sl
    if by_a > 1:
        below = erlang_a(arrivals / interval, aht, patience, by_a - 1, target)
        assert below.service_level < sl or below.occupancy > cap + 1e-12


def test_ea_vector_needs_fewer_agents_than_tv1():
    assert required_agents_erlang_a(100 / 30, 3, 5, 20 / 60, 0.80, 0.85) < 14


# ---- Edges and refusals ----


def test_scheduled_agents_rounds_away_float_noise():
    assert scheduled_agents(21, 0.3) == 30
    assert scheduled_agents(14, 0.0) == 14
    with pytest.raises(ErlangError):
        scheduled_agents(14, 1.0)


def test_erlang_c_needs_more_agents_than_load():
    with pytest.raises(ErlangError):
        erlang_c(10, 10.0)
    with pytest.raises(ValueError):
        erlang_c(3, 7.5)


def test_zero_load():
    assert erlang_b(0, 0.0) == 1.0
    assert erlang_b(3, 0.0) == 0.0
    assert erlang_c(1, 0.0) == 0.0
    assert required_agents(0.0, 3, 1, 0.8, 0.85) == 1


def test_loads_above_50000_erlangs_are_refused():
    with pytest.raises(LoadTooLarge):
        required_agents(50_000.5, 3, 1, 0.8)
    assert issubclass(LoadTooLarge, ValueError)
    with pytest.raises(CalculatorInputError) as caught:
        calculator(
            arrivals=1_000_001,
            interval_minutes=60,
            aht_minutes=3,
            target_seconds=20,
            service_level=0.8,
        )
    assert caught.value.field == "arrivals"


@pytest.mark.timeout(30)  # a hang guard, not a speed target (see docs/performance.md)
def test_large_loads_stay_finite_and_quick():
    n = required_agents(49_000.0, 3, 20 / 60, 0.8, 0.95)
    assert 49_000 / n <= 0.95 + 1e-12
    assert service_level(n, 49_000.0, 3, 20 / 60) >= 0.8
    assert n == math.ceil(49_000 / 0.95)  # the cap binds


def test_required_agents_steps_erlang_b_once_per_agent(monkeypatch):
    calls = []
    original = erlang._next_b

    def counting(b, k, a):
        calls.append(k)
        return original(b, k, a)

    monkeypatch.setattr(erlang, "_next_b", counting)
    n = required_agents(10.0, 3, 20 / 60, 0.80, 0.85)
    assert n == 14
    assert calls == list(range(1, 15))


GOOD = {
    "arrivals": 100,
    "interval_minutes": 30,
    "aht_minutes": 3,
    "target_seconds": 20,
    "service_level": 0.8,
    "max_occupancy": 0.85,
    "shrinkage": 0.3,
}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("arrivals", 0),
        ("arrivals", -5),
        ("arrivals", math.nan),
        ("arrivals", math.inf),
        ("arrivals", 1e308),
        ("interval_minutes", 0),
        ("interval_minutes", -30),
        ("interval_minutes", math.inf),
        ("aht_minutes", 0),
        ("aht_minutes", -1.0),
        ("aht_minutes", math.nan),
        ("target_seconds", 0),
        ("target_seconds", -20),
        ("target_seconds", math.inf),
        ("service_level", 0),
        ("service_level", 1.0),
        ("service_level", 1.5),
        ("service_level", -0.1),
        ("service_level", math.nan),
        ("max_occupancy", 0),
        ("max_occupancy", 1.01),
        ("max_occupancy", -0.5),
        ("max_occupancy", 1e-300),
        ("shrinkage", 1.0),
        ("shrinkage", -0.1),
        ("shrinkage", math.nan),
        ("patience_minutes", 0),
        ("patience_minutes", -5),
        ("patience_minutes", math.inf),
        ("arrivals", "100"),
        ("arrivals", True),
        ("arrivals", None),
    ],
)
def test_calculator_refuses(field, value):
    with pytest.raises(CalculatorInputError) as caught:
        calculator(**{**GOOD, field: value})
    assert caught.value.field == field
    assert str(caught.value)


def test_calculator_accepts_the_edges():
    result = calculator(**{**GOOD, "max_occupancy": 1.0, "shrinkage": 0.0})
    assert result["raw_positions"] == result["positions"] == 14
    assert calculator(**{**GOOD, "service_level": 0.999999})["raw_positions"] > 14


# ---- Properties ----

agents = st.integers(min_value=1, max_value=5_000)


@settings(max_examples=60, deadline=None)
@given(
    a=st.floats(min_value=0.0, max_value=200.0),
    aht=st.floats(min_value=0.1, max_value=30.0),
    target=st.floats(min_value=0.0, max_value=120.0),
)
def test_service_level_rises_with_agents(a, aht, target):
    start = math.floor(a) + 1
    levels = [service_level(n, a, aht, target) for n in range(start, start + 40)]
    assert all(0.0 <= x <= 1.0 for x in levels)
    assert all(x <= y + 1e-12 for x, y in zip(levels, levels[1:], strict=False))


@settings(max_examples=40, deadline=None)
@given(n=agents, a=st.floats(min_value=0.0, max_value=4_900.0))
def test_erlang_b_and_c_stay_probabilities(n, a):
    b = erlang_b(n, a)
    assert 0.0 <= b <= 1.0 and not math.isnan(b)
    if n > a:
        c = erlang_c(n, a)
        assert 0.0 <= c <= 1.0 and not math.isnan(c)
        assert c >= b - 1e-12  # waiting is at least as likely as blocking


@settings(max_examples=60, deadline=None)
@given(
    a=st.floats(min_value=0.0, max_value=2_000.0),
    aht=st.floats(min_value=0.01, max_value=60.0),
    target=st.floats(min_value=0.0, max_value=600.0),
    sl=st.floats(min_value=0.01, max_value=0.999),
    cap=st.floats(min_value=0.3, max_value=1.0),
)
def test_required_agents_terminates_and_is_smallest(a, aht, target, sl, cap):
    n = required_agents(a, aht, target, sl, cap)
    floor = max(math.floor(a) + 1, math.ceil(a / cap - 1e-9))
    assert n >= floor
    assert a / n <= cap + 1e-12
    assert service_level(n, a, aht, target) >= sl
    if n > floor:
        assert service_level(n - 1, a, aht, target) < sl


@settings(max_examples=30, deadline=None)
@given(
    rate=st.floats(min_value=0.01, max_value=50.0),
    aht=st.floats(min_value=0.5, max_value=10.0),
    patience=st.floats(min_value=0.1, max_value=60.0),
    target=st.floats(min_value=0.0, max_value=10.0),
    n=st.integers(min_value=1, max_value=600),
)
def test_erlang_a_stays_probabilities(rate, aht, patience, target, n):
    r = erlang_a(rate, aht, patience, n, target)
    for value in (r.waiting_probability, r.abandonment_probability, r.service_level):
        assert 0.0 <= value <= 1.0
    assert r.service_level <= 1 - r.abandonment_probability + 1e-9
    assert 0.0 <= r.occupancy <= 1.0
    assert math.isfinite(r.asa)


anything = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-10.0, max_value=10.0),
    st.floats(min_value=0.0, max_value=1.0),
    st.integers(min_value=-(10**400), max_value=10**400),
)


@pytest.mark.timeout(60)  # a hang guard, not a speed target
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    arrivals=anything,
    interval=anything,
    aht=anything,
    target=anything,
    sl=anything,
    cap=anything,
    shrinkage=anything,
    patience=st.one_of(st.none(), anything),
)
def test_calculator_only_raises_input_errors_and_is_quick(
    arrivals, interval, aht, target, sl, cap, shrinkage, patience
):
    try:
        result = calculator(
            arrivals=arrivals,
            interval_minutes=interval,
            aht_minutes=aht,
            target_seconds=target,
            service_level=sl,
            max_occupancy=cap,
            shrinkage=shrinkage,
            patience_minutes=patience,
        )
    except CalculatorInputError as exc:
        assert exc.field in {
            "arrivals",
            "interval_minutes",
            "aht_minutes",
            "target_seconds",
            "service_level",
            "max_occupancy",
            "shrinkage",
            "patience_minutes",
        }
    else:
        assert result["raw_positions"] >= 1
        assert result["positions"] >= result["raw_positions"]
        assert all(math.isfinite(v) for v in result.values())
        assert result["service_level"] >= sl


@pytest.mark.timeout(60)  # a hang guard, not a speed target
@settings(max_examples=60, deadline=None)
@given(
    arrivals=st.floats(min_value=1e-3, max_value=20_000.0),
    interval=st.floats(min_value=1.0, max_value=60.0),
    aht=st.floats(min_value=0.1, max_value=15.0),
    target=st.floats(min_value=1.0, max_value=3_600.0),
    sl=st.floats(min_value=0.05, max_value=0.99),
    cap=st.floats(min_value=0.5, max_value=1.0),
    patience=st.one_of(st.none(), st.floats(min_value=0.05, max_value=1e6)),
)
def test_calculator_plausible_inputs_never_take_long(
    arrivals, interval, aht, target, sl, cap, patience
):
    try:
        result = calculator(
            arrivals=arrivals,
            interval_minutes=interval,
            aht_minutes=aht,
            target_seconds=target,
            service_level=sl,
            max_occupancy=cap,
            patience_minutes=patience,
        )
    except CalculatorInputError:
        pass
    else:
        assert result["service_level"] >= sl
        assert result["occupancy"] <= cap + 1e-9
