"""The statistics of the monthly figures (PGD-5.1.2, PGD-4.7, TLK-5.4.1): pure
functions, documented so that an auditor or a statistician can check them.

- **Means are exact.** Scores are decimals with two places; their mean is kept
  as a fraction and rounded half-up to two places once, for display. Whether
  the target is met is decided on the exact mean: a month whose mean is
  exactly 94.995 is shown as 95.00, does not meet a target of 95, and the page
  shows the exact value beside the rounded one so the two never seem to
  disagree.
- **The interval of the mean** is a 95 % BCa bootstrap interval (Efron 1987;
  `scipy.stats.bootstrap`, 9,999 resamples, a fixed seed, so the same scores
  always give the same interval). Mystery-shop scores pile up at 100 with a
  spike at 0 (a critical error), far from the normal shape a t-interval
  assumes; the bootstrap follows the data and never leaves the range of the
  scores. The rows of a breakdown (per KPI, team, agent …) and of the trend
  use 1,999 resamples each: a page has dozens of them. It needs at least
  `MIN_INTERVAL_N` shops; when every score is the same there is nothing to
  resample (`reason="no_variation"`), and the share
  at target (below) carries the uncertainty.
- **The share of shops at or above target** comes with a 95 % Wilson score
  interval (Wilson 1927; `scipy.stats.binomtest(...).proportion_ci`), which
  stays inside [0, 1] and is sensible at 0 and n out of n.
- **Month over month**: Welch's t-test at 5 % (two-sided,
  `scipy.stats.ttest_ind(equal_var=False)`); the difference of the exact
  means, rounded once.
- **Design-weighted mean**: each stratum's exact mean weighted by its share of
  the planned shops (strata with no scored shop left out and the weights of
  the others scaled up to one). It differs from the plain mean only when the
  shops achieved per stratum are not in the plan's proportions.
"""

import functools
import math
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

BOOTSTRAP_RESAMPLES = 9_999  # the month's (or year's) mean
GROUP_RESAMPLES = 1_999  # each row of a breakdown or of the trend: many of them per page
BOOTSTRAP_SEED = 27  # F-27: any fixed number; the same scores give the same interval
CONFIDENCE = 0.95
MIN_INTERVAL_N = 10  # below this a resampled interval says more than the data

TOO_FEW = "too_few"
NO_VARIATION = "no_variation"

INTERVAL_METHOD = "bca"  # what reports made since version 2 use
T_INTERVAL = "t"  # the t-interval of reports frozen before (snapshot version 1)


def exact(value) -> Fraction:
    """A score (Decimal, str, int or float as stored) as an exact fraction."""
    if isinstance(value, Fraction | int):
        return Fraction(value)
    return Fraction(Decimal(str(value)))


def half_up(value: Fraction | None, places: int = 2) -> Decimal | None:
    """`value` rounded half away from zero to `places` decimals, exactly."""
    if value is None:
        return None
    scaled = abs(value) * 10**places
    digits = math.floor(scaled + Fraction(1, 2))
    return Decimal(-digits if value < 0 else digits).scaleb(-places)


def exact_mean(values: Iterable) -> Fraction | None:
    fractions = [exact(v) for v in values]
    return sum(fractions, Fraction(0)) / len(fractions) if fractions else None


@dataclass(frozen=True)
class Mean:
    """A mean score, exact and rounded, with its 95 % interval (None, with
    `reason` saying why, when there is none)."""

    n: int
    mean: Decimal | None  # rounded half-up to 2 places
    low: Decimal | None
    high: Decimal | None
    sd: float | None  # sample standard deviation
    exact: Fraction | None = None
    reason: str = ""  # why there is no interval: TOO_FEW or NO_VARIATION

    @property
    def exact_text(self) -> str:
        """The exact mean when rounding hides it (up to 6 places, "…" when it
        goes on), else ""."""
        if self.exact is None or self.exact == exact(self.mean):
            return ""
        text = str(half_up(self.exact, 6)).rstrip("0")
        return text if exact(Decimal(text)) == self.exact else f"{text}…"

    def meets(self, target: Decimal) -> bool | None:
        """The target test, on the exact mean."""
        if self.exact is None:
            return None if self.mean is None else self.mean >= target
        return self.exact >= exact(target)


def _sd(values: list[Fraction], mean: Fraction) -> float:
    return math.sqrt(float(sum((v - mean) ** 2 for v in values) / (len(values) - 1)))


def bootstrap_interval(
    values: list[float], resamples: int = BOOTSTRAP_RESAMPLES
) -> tuple[float, float] | None:
    """The 95 % BCa bootstrap interval of the mean of `values` (None when it
    cannot be computed: every value the same). The order of the values does not
    matter, and the same values give the same interval: it is worked out once
    per process."""
    return _bootstrap(tuple(sorted(values)), resamples)


@functools.lru_cache(maxsize=4096)
def _bootstrap(values: tuple[float, ...], resamples: int) -> tuple[float, float] | None:
    import numpy as np
    from scipy import stats

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a degenerate sample gives NaN, handled below
        result = stats.bootstrap(
            (np.asarray(values, dtype=float),),
            np.mean,
            n_resamples=resamples,
            confidence_level=CONFIDENCE,
            method="BCa",
            rng=np.random.default_rng(BOOTSTRAP_SEED),
            vectorized=True,
        )
    low, high = result.confidence_interval
    if math.isnan(low) or math.isnan(high):
        return None
    return float(low), float(high)


def mean_ci(values: Iterable, resamples: int = BOOTSTRAP_RESAMPLES) -> Mean:
    """The exact mean of the scores and its BCa bootstrap interval."""
    fractions = [exact(v) for v in values]
    n = len(fractions)
    if not n:
        return Mean(0, None, None, None, None, reason=TOO_FEW)
    mean = sum(fractions, Fraction(0)) / n
    sd = _sd(fractions, mean) if n > 1 else None
    rounded = half_up(mean)
    if n < MIN_INTERVAL_N:
        return Mean(n, rounded, None, None, sd, mean, TOO_FEW)
    if len(set(fractions)) == 1:
        return Mean(n, rounded, None, None, sd, mean, NO_VARIATION)
    interval = bootstrap_interval([float(v) for v in fractions], resamples)
    if interval is None:
        return Mean(n, rounded, None, None, sd, mean, NO_VARIATION)
    low, high = interval
    return Mean(n, rounded, half_up(exact(low)), half_up(exact(high)), sd, mean)


@dataclass(frozen=True)
class Share:
    """How many of `n` shops scored at or above the target, with the 95 % Wilson
    interval of the share (fractions of one)."""

    k: int
    n: int
    low: float | None
    high: float | None

    @property
    def share(self) -> float | None:
        return self.k / self.n if self.n else None


def wilson(k: int, n: int) -> Share:
    if not n:
        return Share(0, 0, None, None)
    from scipy import stats

    ci = stats.binomtest(k, n).proportion_ci(confidence_level=CONFIDENCE, method="wilson")
    return Share(k, n, float(ci.low), float(ci.high))


def share_at_target(values: Iterable, target: Decimal) -> Share:
    scores = [exact(v) for v in values]
    return wilson(sum(1 for s in scores if s >= exact(target)), len(scores))


@dataclass(frozen=True)
class Change:
    """Month over month: the difference of means and whether it is significant."""

    previous: Decimal | None
    difference: Decimal | None
    significant: bool


def welch(current: Iterable, previous: Iterable) -> Change:
    """Welch's t-test at 5 % of this month's scores against last month's."""
    cur, prev = [exact(v) for v in current], [exact(v) for v in previous]
    m1, m2 = exact_mean(cur), exact_mean(prev)
    difference = half_up(m1 - m2) if m1 is not None and m2 is not None else None
    if len(cur) < 2 or len(prev) < 2:
        return Change(half_up(m2), difference, False)
    if len(set(cur)) == 1 and len(set(prev)) == 1:  # no spread: any difference is real
        return Change(half_up(m2), difference, m1 != m2)
    from scipy import stats

    test = stats.ttest_ind([float(v) for v in cur], [float(v) for v in prev], equal_var=False)
    return Change(half_up(m2), difference, bool(test.pvalue < 1 - CONFIDENCE))


def weighted_mean(scores: Mapping[object, list], planned: Mapping[object, int]) -> Fraction | None:
    """The design-weighted mean: stratum means weighted by their planned shares
    (strata with no score left out, the other weights scaled to one)."""
    covered = {h: values for h, values in scores.items() if values and planned.get(h)}
    total = sum(planned[h] for h in covered)
    if not total:
        return None
    return sum(
        (Fraction(planned[h], total) * exact_mean(values) for h, values in covered.items()),
        Fraction(0),
    )
