"""Erlang B, C and A queueing formulas (docs/scoring.md 2.4). Pure Python, standard library only.

Units: any time unit works as long as the arguments agree; the calculator works in minutes.

- Erlang B by the stable recursion ``B(0) = 1; B(k) = A·B(k−1) / (k + A·B(k−1))``: never
  factorials or powers, so nothing overflows at thousands of agents.
- Erlang C ``C = N·B / (N − A·(1 − B))`` for N > A; ``SL = 1 − C·exp(−(N − A)·T/AHT)``;
  ``ASA = C·AHT / (N − A)``; occupancy ``A / N``.
- Erlang A (M/M/N+M, exponential patience): see :func:`erlang_a`.
"""

from __future__ import annotations

import decimal
import math
import numbers
from dataclasses import dataclass

from django.utils.translation import gettext as _

# Offered loads above this many Erlangs are refused (a 400 from the API).
MAX_LOAD = 50_000.0
# No search goes past this many agents: it bounds the work of every call.
MAX_AGENTS = 250_000
# The Erlang A chain is truncated once a term falls below this share of the running total.
TRUNCATION = 1e-15
# ...and refused if the queue part would need more states than this.
MAX_QUEUE_STATES = 50_000
# Patience shorter than this share of the AHT is treated as this share (numerically equal).
_MAX_THETA = 1e12
_LOG_TRUNCATION = math.log(TRUNCATION)


class ErlangError(ValueError):
    """Arguments outside what a formula is defined for."""


class LoadTooLarge(ErlangError):
    """The offered load (or the agents or queue states it needs) is too large to compute."""


class CalculatorInputError(ValueError):
    """An input of :func:`calculator` is refused; ``field`` names it."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


# ---- Erlang B and C ----


def offered_load(
    arrivals_per_interval: float, interval_minutes: float, aht_minutes: float
) -> float:
    """A = λ × AHT in Erlangs, λ = arrivals per minute."""
    if interval_minutes <= 0:
        raise ErlangError("interval_minutes must be positive")
    return arrivals_per_interval / interval_minutes * aht_minutes


def _check_load(a: float) -> None:
    if not math.isfinite(a) or a < 0:
        raise ErlangError("the offered load must be a finite number ≥ 0")
    if a > MAX_LOAD:
        raise LoadTooLarge(f"offered loads above {MAX_LOAD:,.0f} Erlangs are refused")


def _check_agents(n: int) -> None:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 0:
        raise ErlangError("the number of agents must be an integer ≥ 0")


def _next_b(b: float, k: int, a: float) -> float:
    """B(k) from B(k − 1)."""
    ab = a * b
    return ab / (k + ab)


def erlang_b(n: int, a: float) -> float:
    """Blocking probability of an M/M/n/n loss system with offered load ``a``."""
    _check_agents(n)
    if not math.isfinite(a) or a < 0:
        raise ErlangError("the offered load must be a finite number ≥ 0")
    b = 1.0
    for k in range(1, n + 1):
        b = _next_b(b, k, a)
    return b


def _c_from_b(n: int, a: float, b: float) -> float:
    c = n * b / (n - a * (1.0 - b))
    return min(max(c, 0.0), 1.0)


def erlang_c(n: int, a: float) -> float:
    """Probability that an arrival waits (M/M/n), defined only for n > a."""
    _check_agents(n)
    if not math.isfinite(a) or a < 0:
        raise ErlangError("the offered load must be a finite number ≥ 0")
    if not n > a:
        raise ErlangError("Erlang C is defined only for more agents than the offered load")
    return _c_from_b(n, a, erlang_b(n, a))


def _sl_from_c(n: int, a: float, c: float, aht: float, target_time: float) -> float:
    sl = 1.0 - c * math.exp(-(n - a) * (target_time / aht))
    return min(max(sl, 0.0), 1.0)


def _check_times(aht: float, target_time: float | None = None) -> None:
    if not (math.isfinite(aht) and aht > 0):
        raise ErlangError("the handling time must be a positive finite number")
    if target_time is not None and not (target_time >= 0 and not math.isnan(target_time)):
        raise ErlangError("the target time must be ≥ 0")


def service_level(n: int, a: float, aht: float, target_time: float) -> float:
    """Share of arrivals answered within ``target_time``: 1 − C·exp(−(N − A)·T/AHT)."""
    _check_times(aht, target_time)
    return _sl_from_c(n, a, erlang_c(n, a), aht, target_time)


def asa(n: int, a: float, aht: float) -> float:
    """Average speed of answer (mean wait over all arrivals): C·AHT/(N − A)."""
    _check_times(aht)
    return erlang_c(n, a) * aht / (n - a)


def occupancy(n: int, a: float) -> float:
    """A / N."""
    _check_agents(n)
    if n == 0:
        raise ErlangError("occupancy needs at least one agent")
    return a / n


def _lower_bound(a: float, max_occupancy: float) -> int:
    if not (0 < max_occupancy <= 1):
        raise ErlangError("max_occupancy must be in (0, 1]")
    by_cap = a / max_occupancy - 1e-9
    if not math.isfinite(by_cap) or by_cap > MAX_AGENTS:
        raise LoadTooLarge(f"more than {MAX_AGENTS:,} agents would be needed")
    return max(math.floor(a) + 1, math.ceil(by_cap))


def required_agents(
    a: float,
    aht: float,
    target_time: float,
    service_level_target: float,
    max_occupancy: float = 1.0,
) -> int:
    """Smallest N ≥ max(⌊A⌋ + 1, ⌈A/cap − 1e-9⌉) with SL(N) ≥ target and A/N ≤ cap + 1e-12.

    Erlang B is stepped once per agent (B(N) from B(N − 1)), so the whole search is O(N).
    Raises :class:`LoadTooLarge` above 50,000 Erlangs or past ``MAX_AGENTS`` agents.
    """
    _check_load(a)
    _check_times(aht, target_time)
    if not (0 < service_level_target < 1):
        raise ErlangError("the service level target must be in (0, 1)")
    n = _lower_bound(a, max_occupancy)
    b = 1.0
    for k in range(1, n + 1):
        b = _next_b(b, k, a)
    while True:
        if a / n <= max_occupancy + 1e-12:
            sl = _sl_from_c(n, a, _c_from_b(n, a, b), aht, target_time)
            if sl >= service_level_target:
                return n
        n += 1
        if n > MAX_AGENTS:
            raise LoadTooLarge(f"more than {MAX_AGENTS:,} agents would be needed")
        b = _next_b(b, n, a)


def scheduled_agents(n: int, shrinkage: float) -> int:
    """Head-count to schedule so that ``n`` are present: ⌈N / (1 − s) − 1e-9⌉."""
    if not (0 <= shrinkage < 1):
        raise ErlangError("shrinkage must be in [0, 1)")
    return math.ceil(n / (1.0 - shrinkage) - 1e-9)


def agents_for_blocking(a: float, max_blocking: float) -> int:
    """Smallest N with Erlang B(N, A) ≤ ``max_blocking`` (a loss system, no queue)."""
    _check_load(a)
    if not (0 < max_blocking <= 1):
        raise ErlangError("max_blocking must be in (0, 1]")
    n, b = 0, 1.0
    while b > max_blocking:
        n += 1
        if n > MAX_AGENTS:
            raise LoadTooLarge(f"more than {MAX_AGENTS:,} agents would be needed")
        b = _next_b(b, n, a)
    return n


# ---- Erlang A ----


@dataclass(frozen=True)
class ErlangAResult:
    agents: int
    offered_load: float  # A = λ × AHT
    waiting_probability: float  # P(an arrival finds all agents busy)
    abandonment_probability: float  # θ·Lq/λ
    service_level: float  # P(served and waiting ≤ T), over all arrivals
    occupancy: float  # carried load / N = A·(1 − P(abandon)) / N
    asa: float  # mean wait of the served (those answered at once count 0), AHT's unit
    mean_queue_length: float  # Lq


def _queue_states_estimate(a: float, theta: float, n: int) -> float:
    """A lower estimate of how many queue states the truncation walks: term j is at most
    exp(−j·ln(N/A) − θ·j²/(2N)) of term 0 (as ln(1 + x) ≤ x), and it must fall 1e-15 below."""
    need = -_LOG_TRUNCATION
    slope = math.log(n / a)
    curve = theta / (2 * n)
    if curve == 0:
        return need / slope if slope > 0 else math.inf
    root = math.sqrt(slope * slope + 4 * curve * need)
    return 2 * need / (slope + root) if slope > 0 else (root - slope) / (2 * curve)


def _erlang_a_normalised(a: float, theta: float, n: int, t: float, b: float) -> ErlangAResult:
    """Erlang A in units of the AHT (μ = 1, λ = A): ``theta`` = AHT/patience, ``t`` = T/AHT,
    ``b`` = Erlang B(n, A)."""
    if a == 0 or b < 1e-300:
        # No load, or state n carries no mass that matters (n ≫ A): nobody waits.
        return ErlangAResult(n, a, 0.0, 0.0, 1.0, a / n, 0.0, 0.0)
    if _queue_states_estimate(a, theta, n) > MAX_QUEUE_STATES:
        raise LoadTooLarge("the queue is too long to compute; patience is too long")
    # Stationary weights relative to state n: states 0..n weigh 1/B(n) together (the
    # Erlang loss system); the queue state n + j weighs Π_{i=1..j} A / (n + i·θ). Terms are
    # rescaled before they could overflow (only their ratios matter).
    total = 1.0 / b
    terms = [1.0]
    scales = [0]  # terms[j] is in units of 1e250 ** scales[j]
    scale = 0
    q = 1.0
    j = 0
    while True:
        j += 1
        if j > MAX_QUEUE_STATES:
            raise LoadTooLarge("the queue is too long to compute; patience is too long")
        q *= a / (n + j * theta)
        total += q
        if q < TRUNCATION * total:
            break
        terms.append(q)
        scales.append(scale)
        if q > 1e250:
            scale += 1
            q *= 1e-250
            total *= 1e-250
    weights = [  # π_{n+j}, j = 0, 1, ...; terms 2+ scales back are below 1e-250: zero
        x / total if s == scale else (x * 1e-250 / total if s == scale - 1 else 0.0)
        for x, s in zip(terms, scales, strict=True)
    ]
    p_wait = sum(weights)
    lq = 0.0  # mean queue length
    served_wait = 0.0  # Σ π_{n+j} · P(served | j) · E[wait | served, j]
    harmonic = 0.0
    for k, w in enumerate(weights):
        rate = n + (k + 1) * theta
        harmonic += 1.0 / rate
        lq += k * w
        served_wait += w * (n / rate) * harmonic
    p_abandon = theta * lq / a

    # Tagged customer arriving to find n + j in system (j waiting ahead of them). They
    # advance at rate n + i·θ while i are ahead and abandon at rate θ, so with K = j + 1
    # steps: P(served) = Π_{i=0..j} (n + iθ)/(n + (i+1)θ) = n / (n + Kθ), and given that,
    # the wait is a sum of Exp(n + mθ), m = 1..K, whose CDF at t is P(Y ≥ K) for
    # Y ~ NegativeBinomial(α = n/θ + 1, success probability x = e^{−θt}); its pmf starts
    # at p(0) = exp(−(n + θ)t) and steps by p(k+1)/p(k) = (1 − x)(α + k)/(k + 1) (in logs
    # while it would underflow). The mean wait of the served from position K is
    # H_K = Σ_{m=1..K} 1/(n + mθ).
    served_in_time = 0.0
    if t > 0:
        theta_t = theta * t
        # (1 − x)/θ without cancellation (→ t as θ → 0).
        c = t * (1 - theta_t / 2) if theta_t < 1e-10 else -math.expm1(-theta_t) / theta
        log_c = math.log(c)
        log_pmf = -(n + theta) * t
        pmf = None  # linear once it no longer underflows
        cdf = 0.0
        for k, w in enumerate(weights):  # K = k + 1
            if pmf is None and log_pmf > -700.0:
                pmf = math.exp(log_pmf)
            if pmf is not None:
                cdf += pmf
            tail = 1.0 - cdf
            if tail <= 0.0:
                break
            rate = n + (k + 1) * theta
            served_in_time += w * (n / rate) * tail
            if pmf is None:
                log_pmf += log_c + math.log(rate) - math.log(k + 1)
            else:
                pmf *= c * rate / (k + 1)
    p_served = 1.0 - p_abandon
    sl = (1.0 - p_wait) + served_in_time
    return ErlangAResult(
        agents=n,
        offered_load=a,
        waiting_probability=min(max(p_wait, 0.0), 1.0),
        abandonment_probability=min(max(p_abandon, 0.0), 1.0),
        service_level=min(max(sl, 0.0), 1.0),
        occupancy=min(a * p_served / n, 1.0),
        asa=served_wait / p_served if p_served > 0 else math.inf,
        mean_queue_length=lq,
    )


def _normalise_a(arrival_rate: float, aht: float, patience: float, target_time: float):
    if not (math.isfinite(arrival_rate) and arrival_rate >= 0):
        raise ErlangError("arrival_rate must be a finite number ≥ 0")
    for name, value in (("aht", aht), ("patience", patience)):
        if not (math.isfinite(value) and value > 0):
            raise ErlangError(f"{name} must be a positive finite number")
    if math.isnan(target_time) or target_time < 0:
        raise ErlangError("the target time must be ≥ 0")
    a = arrival_rate * aht
    _check_load(a)
    theta = min(aht / patience, _MAX_THETA)
    t = min(target_time / aht, 1e300)
    return a, theta, t


def erlang_a(
    arrival_rate: float, aht: float, patience: float, n: int, target_time: float
) -> ErlangAResult:
    """Erlang A (M/M/N+M): Poisson arrivals at ``arrival_rate``, exponential handling with
    mean ``aht``, exponential patience with mean ``patience`` (θ = 1/patience), N agents.
    All times in one unit (e.g. minutes; ``arrival_rate`` per that unit).

    The exact birth–death chain (birth λ, death min(n, N)·μ + max(n − N, 0)·θ), truncated
    where a term falls below 1e-15 of the running total (rescaled: nothing overflows).

    - ``waiting_probability`` = P(an arrival finds all N agents busy) (PASTA);
    - ``abandonment_probability`` = θ·Lq/λ;
    - ``service_level`` = P(an arrival is answered and waited ≤ T), over *all* arrivals:
      those answered at once count as successes, abandoners (before or after T) as
      failures. From the tagged-customer chain: an arrival finding N + j in system has
      K = j + 1 steps to make, each at rate N·μ + i·θ while i are ahead of them, racing
      their own patience (rate θ); P(answered within T | j) = P(Σ Exp(Nμ + mθ), m = 1..K,
      ≤ T) × Nμ / (Nμ + Kθ), computed exactly through a negative binomial tail;
    - ``occupancy`` = carried load / N; ``asa`` = mean wait of the answered.

    This reproduces docs/scoring.md's EA vector (P(wait) 0.145260, P(abandon) 0.013984,
    SL 0.916792).
    """
    _check_agents(n)
    if n < 1:
        raise ErlangError("Erlang A needs at least one agent")
    if n > MAX_AGENTS:
        raise LoadTooLarge(f"more than {MAX_AGENTS:,} agents")
    a, theta, t = _normalise_a(arrival_rate, aht, patience, target_time)
    result = _erlang_a_normalised(a, theta, n, t, erlang_b(n, a))
    return _rescale_asa(result, aht)


def _rescale_asa(result: ErlangAResult, aht: float) -> ErlangAResult:
    return ErlangAResult(
        agents=result.agents,
        offered_load=result.offered_load,
        waiting_probability=result.waiting_probability,
        abandonment_probability=result.abandonment_probability,
        service_level=result.service_level,
        occupancy=result.occupancy,
        asa=result.asa * aht,
        mean_queue_length=result.mean_queue_length,
    )


def required_agents_erlang_a(
    arrival_rate: float,
    aht: float,
    patience: float,
    target_time: float,
    service_level_target: float,
    max_occupancy: float = 1.0,
) -> int:
    """Smallest N whose Erlang A service level reaches the target with occupancy (carried
    load / N) ≤ cap + 1e-12.

    Starts from the Erlang C answer (usually already enough), gallops down from it (or up
    when it is not enough: very impatient customers can need more agents than Erlang C),
    then bisects; no N below target·A can qualify (SL ≤ served share ≤ N/A). An N whose
    queue is too long to compute (over ``MAX_QUEUE_STATES`` states) qualifies by Erlang C
    if N > A (that happens only as patience → ∞, where Erlang A is Erlang C) and does not
    otherwise. Assumes, as everywhere, that qualifying is monotone in N.
    """
    if not (0 < service_level_target < 1):
        raise ErlangError("the service level target must be in (0, 1)")
    if not (0 < max_occupancy <= 1):
        raise ErlangError("max_occupancy must be in (0, 1]")
    a, theta, t = _normalise_a(arrival_rate, aht, patience, target_time)
    hi = required_agents(a, 1.0, t, service_level_target, max_occupancy)

    table = [1.0]

    def b_of(n: int) -> float:
        while len(table) <= n:
            table.append(_next_b(table[-1], len(table), a))
        return table[n]

    def qualifies(n: int) -> bool:
        try:
            r = _erlang_a_normalised(a, theta, n, t, b_of(n))
        except LoadTooLarge:
            if n <= a:
                return False
            # Too many states only happens as θ → 0, where Erlang A becomes Erlang C.
            b = b_of(n)
            sl = _sl_from_c(n, a, _c_from_b(n, a, b), 1.0, t)
            return sl >= service_level_target and a / n <= max_occupancy + 1e-12
        return r.service_level >= service_level_target and r.occupancy <= max_occupancy + 1e-12

    # Gallop from the Erlang C answer (down if it qualifies, else up), then bisect: few
    # evaluations, and none far from the answer (long queues cost the most to walk).
    never = max(0, math.ceil(service_level_target * a) - 1)  # below target·A: never qualifies
    step = 1
    if qualifies(hi):
        lo = never
        while hi - step > never:
            if not qualifies(hi - step):
                lo = hi - step
                break
            hi -= step
            step *= 2
    else:
        lo = hi
        while True:
            if lo >= MAX_AGENTS:
                raise LoadTooLarge(f"more than {MAX_AGENTS:,} agents would be needed")
            candidate = min(lo + step, MAX_AGENTS)
            if qualifies(candidate):
                hi = candidate
                break
            lo = candidate
            step *= 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if qualifies(mid):
            hi = mid
        else:
            lo = mid
    return hi


# ---- The what-if calculator ----


def _number(field: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real | decimal.Decimal):
        raise CalculatorInputError(field, _("Must be a number."))
    try:
        number = float(value)
    except (OverflowError, ValueError, decimal.InvalidOperation) as exc:
        raise CalculatorInputError(field, _("Must be a finite number.")) from exc
    if not math.isfinite(number):
        raise CalculatorInputError(field, _("Must be a finite number."))
    return number


def calculator(
    *,
    arrivals: float,
    interval_minutes: float,
    aht_minutes: float,
    target_seconds: float,
    service_level: float,
    max_occupancy: float = 1.0,
    shrinkage: float = 0.0,
    patience_minutes: float | None = None,
) -> dict:
    """Positions needed for ``arrivals`` per ``interval_minutes`` handled in ``aht_minutes``,
    answering ``service_level`` of them within ``target_seconds``, occupancy at most
    ``max_occupancy``, scheduled through ``shrinkage``. Erlang C; Erlang A (abandonment)
    when ``patience_minutes`` is given, with ``abandonment_probability`` added.

    Returns ``raw_positions`` (agents present), ``positions`` (scheduled),
    ``service_level``, ``occupancy``, ``waiting_probability`` and ``asa_seconds`` at
    ``raw_positions``. Every refusal is a :class:`CalculatorInputError` naming the field.
    """
    values = {
        "arrivals": arrivals,
        "interval_minutes": interval_minutes,
        "aht_minutes": aht_minutes,
        "target_seconds": target_seconds,
        "service_level": service_level,
        "max_occupancy": max_occupancy,
        "shrinkage": shrinkage,
    }
    if patience_minutes is not None:
        values["patience_minutes"] = patience_minutes
    v = {field: _number(field, value) for field, value in values.items()}
    for field in ("arrivals", "interval_minutes", "aht_minutes", "target_seconds"):
        if v[field] <= 0:
            raise CalculatorInputError(field, _("Must be greater than 0."))
    if "patience_minutes" in v and v["patience_minutes"] <= 0:
        raise CalculatorInputError("patience_minutes", _("Must be greater than 0."))
    if not (0 < v["service_level"] < 1):
        raise CalculatorInputError(
            "service_level", _("Must be between 0 and 1, both excluded (1 is unreachable).")
        )
    if not (0 < v["max_occupancy"] <= 1):
        raise CalculatorInputError("max_occupancy", _("Must be greater than 0 and at most 1."))
    if not (0 <= v["shrinkage"] < 1):
        raise CalculatorInputError("shrinkage", _("Must be at least 0 and less than 1."))

    rate = v["arrivals"] / v["interval_minutes"]  # per minute
    aht = v["aht_minutes"]
    load = rate * aht
    if not math.isfinite(rate) or not math.isfinite(load) or load > MAX_LOAD:
        raise CalculatorInputError(
            "arrivals",
            _("The offered load is above %(load)s Erlangs: too large.")
            % {"load": f"{MAX_LOAD:,.0f}"},
        )
    target = v["target_seconds"] / 60.0
    target_rel = min(target / aht, 1e300)  # in AHTs
    cap, sl_target = v["max_occupancy"], v["service_level"]
    if max(math.floor(load) + 1, load / cap) > MAX_AGENTS:
        raise CalculatorInputError(
            "max_occupancy",
            _("More than %(agents)s positions would be needed.") % {"agents": f"{MAX_AGENTS:,}"},
        )
    try:
        if "patience_minutes" in v:
            n = required_agents_erlang_a(rate, aht, v["patience_minutes"], target, sl_target, cap)
            r = erlang_a(rate, aht, v["patience_minutes"], n, target)
            result = {
                "service_level": r.service_level,
                "occupancy": r.occupancy,
                "waiting_probability": r.waiting_probability,
                "asa_seconds": r.asa * 60.0,
                "abandonment_probability": r.abandonment_probability,
            }
        else:
            # In AHT units (AHT = 1): same answer, no overflow from extreme time scales.
            n = required_agents(load, 1.0, target_rel, sl_target, cap)
            c = erlang_c(n, load)
            result = {
                "service_level": _sl_from_c(n, load, c, 1.0, target_rel),
                "occupancy": load / n,
                "waiting_probability": c,
                "asa_seconds": c / (n - load) * aht * 60.0,
            }
    except LoadTooLarge as exc:
        if "patience_minutes" in v:
            raise CalculatorInputError(
                "patience_minutes",
                _(
                    "Too large to compute with abandonment (%(error)s); leave patience out to "
                    "use Erlang C."
                )
                % {"error": exc},
            ) from exc
        raise CalculatorInputError(
            "arrivals", _("Too large to compute: %(error)s.") % {"error": exc}
        ) from exc
    except ErlangError as exc:  # pragma: no cover - validated above
        raise CalculatorInputError("arrivals", str(exc)) from exc
    if not all(math.isfinite(x) for x in result.values()):
        raise CalculatorInputError("aht_minutes", _("Too large to compute."))
    return {
        "raw_positions": n,
        "positions": scheduled_agents(n, v["shrinkage"]),
        **result,
    }
