"""Top-N reasons and stratified proportional allocation (PGD-4.3, TLK-5.1.2).

Pure functions on plain data, exact arithmetic (Fraction), deterministic
tie-breaking, so anyone can check a plan by hand:

1. top_reasons: count contacts per reason; the top N by count, ties broken
   by name, are the sampling frame.
2. allocate: strata are reason × time band (area × reason × time band when
   the frame is per area, TLK-5.1.2). Each stratum's exact quota is
   n × its contacts ÷ the frame's contacts. Integer sizes by largest
   remainder (Hamilton): every stratum gets the floor of its quota, and the
   seats left go to the largest remainders (ties: larger population, then the
   stratum's order key).
3. Coverage rules are applied before the result is final: a band that must
   have at least k shops and has fewer gets them on its largest stratum, then
   each top reason (of each area) with no shop gets one on its largest
   stratum; each seat is taken from the stratum that was last to win a
   remainder seat (so every other stratum stays within floor/ceil of its
   quota), never uncovering a band or a reason.
"""

from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from math import floor

from django.utils.translation import gettext as _
from django.utils.translation import ngettext


class AllocationError(ValueError):
    """The sample cannot be allocated as asked (the message says why)."""


def top_reasons(
    counts: dict[str, int], n: int, category_of: dict[str, str] | None = None
) -> list[tuple[str, int]]:
    """The n reasons with most contacts, ties broken by name; zero counts are left out.

    With `category_of` (reason -> category), the best reason of each category
    that has contacts is in the top first (TLK-5.1.2), then the others by count
    up to n; when there are more categories than n, every best is kept.
    """
    ranked = sorted(((r, c) for r, c in counts.items() if c > 0), key=lambda rc: (-rc[1], rc[0]))
    if not category_of:
        return ranked[:n]
    best: dict[str, tuple[str, int]] = {}
    for reason, count in ranked:  # the first of each category is its best
        best.setdefault(category_of[reason], (reason, count))
    chosen = set(best.values())
    rest = [rc for rc in ranked if rc not in chosen][: max(0, n - len(chosen))]
    return sorted([*chosen, *rest], key=lambda rc: (-rc[1], rc[0]))


@dataclass(frozen=True)
class Stratum:
    reason: str
    band: str
    population: int
    order: tuple = ()  # the deterministic tie-break key, e.g. (reason name, band order)
    area: str = ""  # per-area frames (TLK-5.1.2): the stratum's area; "" for none


@dataclass(frozen=True)
class Allocated:
    stratum: Stratum
    share: Fraction
    quota: Fraction
    allocated: int
    lifted: bool


def _remainder_ranking(quotas: list[Fraction], tie_keys: list[tuple]) -> list[int]:
    """Indices in the order they win remainder seats: largest remainder first."""
    return sorted(range(len(quotas)), key=lambda i: (-(quotas[i] - floor(quotas[i])), tie_keys[i]))


def hamilton(quotas: list[Fraction], n: int, tie_keys: list[tuple]) -> list[int]:
    """Largest-remainder apportionment of n seats on exact quotas summing to n."""
    seats = [floor(q) for q in quotas]
    for i in _remainder_ranking(quotas, tie_keys)[: n - sum(seats)]:
        seats[i] += 1
    return seats


def allocate(
    strata: list[Stratum], n: int, *, min_per_band: int = 0, min_per_reason: int = 0
) -> list[Allocated]:
    """Allocate n shops over the strata; see the module docstring.

    Raises ReasonsUncovered (with the allocation without the reason rule) when
    the reasons cannot each get `min_per_reason` with n shops.
    """
    strata = [s for s in strata if s.population > 0]
    if n <= 0:
        raise AllocationError(_("The sample size must be at least 1."))
    if not strata:
        raise AllocationError(_("There is no contact in the sampling frame."))
    total = sum(s.population for s in strata)
    shares = [Fraction(s.population, total) for s in strata]
    quotas = [n * share for share in shares]
    tie_keys = [(-s.population, s.order or (s.reason, s.band)) for s in strata]
    seats = hamilton(quotas, n, tie_keys)
    lifted = [False] * len(strata)
    rules = []
    if min_per_band:
        bands = sorted({s.band for s in strata})
        if len(bands) * min_per_band > n:
            raise AllocationError(
                ngettext(
                    "%(n)s shops cannot give each of the %(bands)s time bands %(min)s shop.",
                    "%(n)s shops cannot give each of the %(bands)s time bands %(min)s shops.",
                    min_per_band,
                )
                % {"n": n, "bands": len(bands), "min": min_per_band}
            )
        rules.append(_Rule("band", lambda s: s.band, min_per_band))
    if min_per_reason:
        rules.append(_Rule("reason", lambda s: (s.area, s.reason), min_per_reason))
    # Seats won on a remainder, last-won first: the donors of coverage seats.
    winners = _remainder_ranking(quotas, tie_keys)[: n - sum(floor(q) for q in quotas)]
    donors = list(reversed(winners))
    for r, rule in enumerate(rules):
        active = rules[: r + 1]  # a later rule never uncovers what an earlier one gave
        for group in sorted({rule.key(s) for s in strata}):
            members = [i for i in range(len(strata)) if rule.key(strata[i]) == group]
            while sum(seats[i] for i in members) < rule.minimum:
                receiver = min(members, key=lambda i: (-quotas[i], tie_keys[i]))
                try:
                    donor = _take_donor(donors, seats, strata, active, rule, group, quotas)
                except AllocationError:
                    if rule.name == "band":
                        raise
                    base = allocate(strata, n, min_per_band=min_per_band)
                    raise ReasonsUncovered(base) from None
                seats[donor] -= 1
                seats[receiver] += 1
                lifted[receiver] = True
    return [
        Allocated(s, shares[i], quotas[i], seats[i], lifted[i] and seats[i] > floor(quotas[i]))
        for i, s in enumerate(strata)
    ]


class ReasonsUncovered(AllocationError):
    """n is too small to give every top reason a shop; `allocated` is the
    allocation with the band rule only."""

    def __init__(self, allocated: list[Allocated]):
        super().__init__("The sample is too small to give every top reason a shop.")
        self.allocated = allocated


@dataclass(frozen=True)
class _Rule:
    name: str
    key: object  # stratum -> its group (a band, an (area, reason))
    minimum: int


def _take_donor(donors, seats, strata, rules, rule, group, quotas) -> int:
    """The next stratum that can give a seat without uncovering a group of any rule."""
    totals = [Counter() for _r in rules]
    for j, s in enumerate(strata):
        for t, r in zip(totals, rules, strict=True):
            t[r.key(s)] += seats[j]

    def can_give(i):
        s = strata[i]
        return (
            seats[i] > 0
            and rule.key(s) != group
            and all(t[r.key(s)] > r.minimum for t, r in zip(totals, rules, strict=True))
        )

    for i in list(donors):
        if can_give(i):
            donors.remove(i)
            return i
    # No remainder seat left to give: take from the largest allocation that can spare one.
    candidates = [i for i in range(len(strata)) if can_give(i)]
    if not candidates:
        raise AllocationError(_("The coverage rule cannot be met with this sample size."))
    return max(candidates, key=lambda i: (seats[i] - quotas[i], seats[i]))
