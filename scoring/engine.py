"""The score engine (PGD-2.1, PGD-2.3, TLK-5.3.3): pure functions, exact arithmetic.

Answers per parameter: "met", "not_met", "na" (not applicable), or for a scale
parameter an integer 0 … scale_max.

- Each applicable parameter earns a fraction: met 1, not met 0, a scale value
  value ÷ scale_max. "Not applicable" leaves the denominator.
- Weighted mode: score = 100 × Σ(weight × earned) ÷ Σ weight over applicable
  parameters. Binary mode: every parameter weighs 1, so the score is the
  share of 1s × 100.
- A section's (KPI's) score is the same formula over its own parameters.
- A failed critical parameter (CACE / BACE / CoACE) zeroes its section when
  its scope is "section" (the section's parameters earn nothing, which also
  lowers the total), and zeroes the whole shop's total when its scope is
  "shop" (section scores stay as computed, so the KPI analysis still shows
  where the points were lost).
- Unanswered parameters are left out (a draft's provisional score); a shop is
  complete when every parameter is answered.
- A score with no applicable parameter is None (not scorable).
- Stored rounding: half-up to 2 decimals (round_score); comparisons with the
  target use the rounded value.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

MET, NOT_MET, NA = "met", "not_met", "na"
WEIGHTED, BINARY = "weighted", "binary"


@dataclass(frozen=True)
class ParameterSpec:
    id: int
    section: str
    weight: Decimal = Decimal(1)
    scale_max: int | None = None  # None: met / not met
    critical_type: str = ""  # "", "CACE", "BACE", "CoACE"
    critical_scope: str = "shop"  # "shop" or "section"


@dataclass(frozen=True)
class CriticalFailure:
    parameter: int
    critical_type: str
    scope: str


@dataclass
class ScoreResult:
    total: Fraction | None
    sections: dict[str, Fraction | None]
    critical_failures: list[CriticalFailure] = field(default_factory=list)
    missing: list[int] = field(default_factory=list)  # parameters not answered yet
    invalid: list[int] = field(default_factory=list)  # answers that make no sense

    @property
    def complete(self) -> bool:
        return not self.missing and not self.invalid

    @property
    def total_rounded(self) -> Decimal | None:
        return round_score(self.total)

    def sections_rounded(self) -> dict[str, Decimal | None]:
        return {code: round_score(value) for code, value in self.sections.items()}


def round_score(value: Fraction | None) -> Decimal | None:
    """Half-up to 2 decimals, from the exact fraction."""
    if value is None:
        return None
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def earned(spec: ParameterSpec, answer: str | None) -> Fraction | None:
    """The fraction a parameter earns; None when not applicable or unanswered.

    Raises ValueError for an answer that does not fit the parameter.
    """
    if answer in (None, ""):
        return None
    if answer == NA:
        return None
    if answer == MET:
        return Fraction(1)
    if answer == NOT_MET:
        return Fraction(0)
    if spec.scale_max:
        value = int(answer)
        if str(value) != answer:  # "00", " 3", "+1", "٣": not what the form sends
            raise ValueError(f"{answer!r} is not a scale value")
        if not 0 <= value <= spec.scale_max:
            raise ValueError(f"{value} is outside 0…{spec.scale_max}")
        return Fraction(value, spec.scale_max)
    raise ValueError(f"unknown answer {answer!r}")


def failed(spec: ParameterSpec, answer: str | None) -> bool:
    """A critical parameter fails when it is not met (or scores 0 on a scale)."""
    if not spec.critical_type or answer in (None, "", NA):
        return False
    return answer == NOT_MET or (spec.scale_max is not None and answer == "0")


def compute(
    parameters: list[ParameterSpec], answers: dict[int, str], mode: str = WEIGHTED
) -> ScoreResult:
    """Score a shop from its scorecard's parameters and the answers given."""
    weight = (lambda p: Fraction(1)) if mode == BINARY else (lambda p: Fraction(p.weight))
    result = ScoreResult(total=None, sections={})
    fractions: dict[int, Fraction] = {}
    for spec in parameters:
        answer = answers.get(spec.id)
        try:
            value = earned(spec, answer)
        except ValueError:
            result.invalid.append(spec.id)
            continue
        if answer in (None, ""):
            result.missing.append(spec.id)
        if value is not None and weight(spec) > 0:
            fractions[spec.id] = value
        if failed(spec, answer):
            result.critical_failures.append(
                CriticalFailure(spec.id, spec.critical_type, spec.critical_scope)
            )
    zeroed_sections = {
        next(p.section for p in parameters if p.id == f.parameter)
        for f in result.critical_failures
        if f.scope == "section"
    }
    for spec in parameters:
        if spec.id in fractions and spec.section in zeroed_sections:
            fractions[spec.id] = Fraction(0)

    def score(specs) -> Fraction | None:
        applicable = [p for p in specs if p.id in fractions]
        total_weight = sum((weight(p) for p in applicable), Fraction(0))
        if not total_weight:
            return None
        return 100 * sum(weight(p) * fractions[p.id] for p in applicable) / total_weight

    for code in dict.fromkeys(p.section for p in parameters):
        result.sections[code] = score([p for p in parameters if p.section == code])
    result.total = score(parameters)
    if result.total is not None and any(f.scope == "shop" for f in result.critical_failures):
        result.total = Fraction(0)
    return result
