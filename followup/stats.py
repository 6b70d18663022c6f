"""Agreement between calibration raters: pure functions, exact arithmetic.

- **Agreement per parameter**: the share of raters who gave the most common
  (modal) answer. 4 raters answering met, met, met, not met agree at 3/4.
- **Score spread**: minimum, maximum, mean and *sample* standard deviation
  (n − 1 in the denominator, as for a sample of possible raters) of the
  raters' scores; the deviation needs two scores and is None below that.
- **Fleiss' kappa** (Fleiss 1971) over subjects × categories: each subject
  (a parameter) is rated by the same number n of raters; n_ij is how many
  raters put subject i into category j. With N subjects:

      P_i = (Σ_j n_ij² − n) / (n (n − 1))       agreement on subject i
      P̄   = mean of P_i                         observed agreement
      p_j = Σ_i n_ij / (N n)                    share of category j
      P̄e  = Σ_j p_j²                            agreement expected by chance
      κ   = (P̄ − P̄e) / (1 − P̄e)

  Degenerate cases are reported, not guessed: with fewer than two raters or
  no subject κ is undefined (`reason="too_few_raters"` / `"no_subjects"`);
  when every rating of every subject falls into one single category, P̄ = P̄e
  = 1 and κ = 0/0 is undefined too (`reason="no_variation"`): the raters
  agree perfectly but there is nothing to tell that from chance. When raters
  agree on every subject and more than one category is used, κ is exactly 1.

The calibration pages use the categories met / not met / not applicable (a
scale parameter counts as met at full marks and as not met below that).
"""

import statistics
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

TOO_FEW_RATERS = "too_few_raters"
NO_SUBJECTS = "no_subjects"
NO_VARIATION = "no_variation"


@dataclass(frozen=True)
class Agreement:
    """How far the raters of one subject agree."""

    modal: Hashable | None  # the most common answer (first in `order` on a tie)
    count: int  # raters who gave it
    raters: int
    counts: dict  # answer -> raters, in `order`

    @property
    def share(self) -> Fraction | None:
        return Fraction(self.count, self.raters) if self.raters else None


def agreement(answers: Sequence[Hashable], order: Sequence[Hashable] = ()) -> Agreement:
    """The modal answer of one subject and the share of raters who gave it.

    Ties are broken by `order` (then by first appearance), so the result does
    not depend on the order the ratings were stored in."""
    counts = Counter(answers)
    ranked = [*[a for a in order if a in counts], *[a for a in counts if a not in order]]
    if not ranked:
        return Agreement(None, 0, 0, {})
    modal = max(ranked, key=lambda a: (counts[a], -ranked.index(a)))
    return Agreement(modal, counts[modal], len(answers), {a: counts[a] for a in ranked})


@dataclass(frozen=True)
class Spread:
    """Minimum, maximum, mean and sample standard deviation of the scores."""

    n: int
    minimum: Decimal | None
    maximum: Decimal | None
    mean: Decimal | None
    stdev: Decimal | None  # None for fewer than two scores

    @property
    def range(self) -> Decimal | None:
        return None if self.n == 0 else self.maximum - self.minimum


def spread(scores: Sequence[Decimal | None]) -> Spread:
    """The spread of the raters' scores; scores that are None (nothing
    scorable) are left out."""
    values = [Decimal(s) for s in scores if s is not None]
    if not values:
        return Spread(0, None, None, None, None)
    return Spread(
        n=len(values),
        minimum=min(values),
        maximum=max(values),
        mean=statistics.mean(values),
        stdev=statistics.stdev(values) if len(values) > 1 else None,
    )


@dataclass(frozen=True)
class FleissKappa:
    """Fleiss' kappa with the figures it is made of; `kappa` is None and
    `reason` says why when it is undefined."""

    kappa: Fraction | None
    observed: Fraction | None  # P̄
    expected: Fraction | None  # P̄e
    subjects: int
    raters: int
    reason: str = ""


def count_table(
    ratings: Sequence[Sequence[Hashable]], categories: Sequence[Hashable]
) -> list[list[int]]:
    """Subjects × categories counts from each subject's list of answers."""
    index = {c: j for j, c in enumerate(categories)}
    table = []
    for answers in ratings:
        row = [0] * len(categories)
        for answer in answers:
            row[index[answer]] += 1
        table.append(row)
    return table


def fleiss_kappa(table: Sequence[Sequence[int]]) -> FleissKappa:
    """Fleiss' kappa of a subjects × categories table of counts (see the
    module docstring). Every row must add up to the same number of raters."""
    if not table:
        return FleissKappa(None, None, None, 0, 0, NO_SUBJECTS)
    raters = sum(table[0])
    if any(sum(row) != raters for row in table):
        raise ValueError("every subject needs the same number of raters")
    subjects = len(table)
    if raters < 2:
        return FleissKappa(None, None, None, subjects, raters, TOO_FEW_RATERS)
    n = raters
    observed = sum(
        (Fraction(sum(c * c for c in row) - n, n * (n - 1)) for row in table), Fraction(0)
    ) / Fraction(subjects)
    categories = len(table[0])
    shares = [Fraction(sum(row[j] for row in table), subjects * n) for j in range(categories)]
    expected = sum((p * p for p in shares), Fraction(0))
    if expected == 1:
        return FleissKappa(None, observed, expected, subjects, raters, NO_VARIATION)
    kappa = (observed - expected) / (1 - expected)
    return FleissKappa(kappa, observed, expected, subjects, raters)


def kappa_strength(kappa: Fraction | float | None) -> str:
    """Landis & Koch's (1977) bands, as a key the page translates:
    poor < 0 ≤ slight ≤ 0.20 < fair ≤ 0.40 < moderate ≤ 0.60 < substantial ≤
    0.80 < almost perfect."""
    if kappa is None:
        return ""
    for limit, label in [
        (0, "poor"),
        (Fraction(1, 5), "slight"),
        (Fraction(2, 5), "fair"),
        (Fraction(3, 5), "moderate"),
        (Fraction(4, 5), "substantial"),
    ]:
        if kappa < limit or (label != "poor" and kappa <= limit):
            return label
    return "almost_perfect"
