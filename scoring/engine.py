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
- Conditions (issue #23): a parameter may apply only when a condition on the
  shop holds: its scenario, reason, interaction category or channel is one of
  the condition's ids (``context`` says the shop's ids), or another parameter
  of the scorecard was answered "met" (or "not met"). A parameter that does
  not apply counts exactly as if it were answered "not applicable", whatever
  answer is stored for it: it leaves the denominator, is never missing, never
  invalid and never a critical failure. An answer condition holds only when
  its parameter itself applies and carries that exact answer, so a chain of
  conditions collapses from its start; a cycle never applies.
- Bonus parameters (issue #23): a bonus parameter never enters the
  denominator and is never critical. Its earned weight is added on top:
  score = min(100, 100 × (Σ weight × earned over applicable non-bonus
  parameters + Σ weight × earned over applicable bonus parameters)
  ÷ Σ weight over applicable non-bonus parameters). In binary mode every
  weight is 1, so the score is the share of met non-bonus parameters plus
  (bonus parameters met ÷ applicable non-bonus parameters), × 100, capped at
  100. The same holds per section. A bonus never offsets a critical error: a
  section zeroed by its critical earns no bonus, and a shop zeroed by a
  shop-scope critical stays 0. Bonus alone is not scorable (None when no
  non-bonus parameter applies). ``ScoreResult.bonus`` holds the points the
  bonus added to each section (after the cap), ``bonus_total`` to the total.
- Stored rounding: half-up to 2 decimals (round_score); comparisons with the
  target use the rounded value.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

MET, NOT_MET, NA = "met", "not_met", "na"
WEIGHTED, BINARY = "weighted", "binary"


CONTEXT_KINDS = ("scenario", "reason", "category", "channel")
ANSWER = "answer"


@dataclass(frozen=True)
class Condition:
    """When a parameter applies: the shop's `kind` id is one of `ids`, or (kind
    "answer") parameter `parameter` applies and was answered `answer`."""

    kind: str
    ids: frozenset[int] = frozenset()
    parameter: int | None = None
    answer: str = MET


@dataclass(frozen=True)
class ParameterSpec:
    id: int
    section: str
    weight: Decimal = Decimal(1)
    scale_max: int | None = None  # None: met / not met
    critical_type: str = ""  # "", "CACE", "BACE", "CoACE"
    critical_scope: str = "shop"  # "shop" or "section"
    bonus: bool = False
    condition: Condition | None = None


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
    not_applying: list[int] = field(default_factory=list)  # conditions that do not hold
    # Points the bonus parameters added (after the cap), per section and in total.
    bonus: dict[str, Fraction] = field(default_factory=dict)
    bonus_total: Fraction = Fraction(0)

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
    if spec.bonus or not spec.critical_type or answer in (None, "", NA):
        return False
    return answer == NOT_MET or (spec.scale_max is not None and answer == "0")


def applying(
    parameters: list[ParameterSpec],
    answers: dict[int, str],
    context: dict[str, int | frozenset[int] | None] | None = None,
) -> set[int]:
    """The ids of the parameters whose condition holds for this shop and these
    answers (every parameter without a condition applies)."""
    context = context or {}
    by_id = {p.id: p for p in parameters}
    memo: dict[int, bool] = {}

    def holds(spec: ParameterSpec, seen: frozenset[int]) -> bool:
        if spec.id in memo:
            return memo[spec.id]
        condition = spec.condition
        if condition is None:
            result = True
        elif condition.kind == ANSWER:
            target = by_id.get(condition.parameter)
            result = (
                target is not None
                and target.id not in seen
                and answers.get(target.id) == condition.answer
                and holds(target, seen | {spec.id})
            )
        else:
            given = context.get(condition.kind)
            ids = given if isinstance(given, (set, frozenset)) else {given}
            result = bool(condition.ids & ids)
        memo[spec.id] = result
        return result

    return {p.id for p in parameters if holds(p, frozenset({p.id}))}


def possible(
    parameters: list[ParameterSpec],
    context: dict[str, int | frozenset[int] | None] | None = None,
) -> set[int]:
    """The ids of the parameters that may apply to this shop for some answers:
    the ones the form shows (an answer condition is then decided as the
    shopper answers). A parameter outside it never applies (see `applying`)."""
    by_id = {p.id: p for p in parameters}
    result = set()
    for spec in parameters:
        chain, seen, ok = spec, set(), True
        while ok and chain is not None:
            if chain.id in seen:
                ok = False
                break
            seen.add(chain.id)
            if chain.condition is None:
                break
            if chain.condition.kind == ANSWER:
                chain = by_id.get(chain.condition.parameter)
                ok = chain is not None
            else:
                ok = chain.id in applying([chain], {}, context)
                break
        if ok:
            result.add(spec.id)
    return result


def compute(
    parameters: list[ParameterSpec],
    answers: dict[int, str],
    mode: str = WEIGHTED,
    context: dict[str, int | frozenset[int] | None] | None = None,
) -> ScoreResult:
    """Score a shop from its scorecard's parameters and the answers given.

    `context` maps "scenario", "reason", "category" and "channel" to the shop's
    id (or set of ids, e.g. a sub-channel and its channel), for the parameters'
    conditions (see the module docstring)."""
    applies = applying(parameters, answers, context)
    not_applying = [p.id for p in parameters if p.id not in applies]
    # A parameter that does not apply is, exactly, one answered N/A.
    answers = {**answers, **dict.fromkeys(not_applying, NA)}
    result = _compute(parameters, answers, mode)
    result.not_applying = not_applying
    return result


def _compute(parameters: list[ParameterSpec], answers: dict[int, str], mode: str) -> ScoreResult:
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

    def score(specs) -> tuple[Fraction | None, Fraction]:
        applicable = [p for p in specs if p.id in fractions]
        base = [p for p in applicable if not p.bonus]
        total_weight = sum((weight(p) for p in base), Fraction(0))
        if not total_weight:
            return None, Fraction(0)
        earned_base = 100 * sum((weight(p) * fractions[p.id] for p in base), Fraction(0))
        earned_bonus = 100 * sum(
            (weight(p) * fractions[p.id] for p in applicable if p.bonus), Fraction(0)
        )
        without = earned_base / total_weight
        value = min(Fraction(100), (earned_base + earned_bonus) / total_weight)
        return value, max(Fraction(0), value - without)

    for code in dict.fromkeys(p.section for p in parameters):
        value, bonus = score([p for p in parameters if p.section == code])
        result.sections[code] = value
        if bonus:
            result.bonus[code] = bonus
    result.total, result.bonus_total = score(parameters)
    if result.total is not None and any(f.scope == "shop" for f in result.critical_failures):
        result.total = Fraction(0)
        result.bonus_total = Fraction(0)
    return result
