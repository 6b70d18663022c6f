"""The month's figures frozen as JSON, and read back.

A submitted report stores `dump(figures)`; its page, XLSX and PDF render
`load(program, snapshot)` — the same `MonthlyFigures` the live selector returns —
so what was sent never changes when shops are edited later.
"""

from datetime import date
from decimal import Decimal
from fractions import Fraction

from followup.selectors.defects import RecapRow
from programs.models import Program
from reporting.selectors.reports import (
    Change,
    Group,
    Mean,
    MonthlyFigures,
    ParetoRow,
    Share,
    StratumCoverage,
)
from reporting.stats import INTERVAL_METHOD, T_INTERVAL, TOO_FEW

# 1: t-intervals, means rounded from floats; 2: exact means, BCa bootstrap,
# share at target (Wilson), re-tests apart, design-weighted mean, areas.
VERSION = 2
INTERVAL_METHODS = {1: T_INTERVAL, 2: INTERVAL_METHOD}  # what each version's intervals are


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _undec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _mean(m: Mean) -> dict:
    return {
        "n": m.n,
        "mean": _dec(m.mean),
        "low": _dec(m.low),
        "high": _dec(m.high),
        "sd": m.sd,
        "exact": None if m.exact is None else str(m.exact),  # "p/q"
        "reason": m.reason,
    }


def _unmean(d: dict) -> Mean:
    exact = d.get("exact")  # version 1 kept the rounded mean only
    reason = d.get("reason", TOO_FEW if d["low"] is None else "")
    return Mean(
        d["n"],
        _undec(d["mean"]),
        _undec(d["low"]),
        _undec(d["high"]),
        d["sd"],
        None if exact is None else Fraction(exact),
        reason,
    )


def _groups(groups: list[Group]) -> list[dict]:
    return [{"label": g.label, "score": _mean(g.score)} for g in groups]


def _ungroups(rows: list[dict]) -> list[Group]:
    return [Group(r["label"], _unmean(r["score"])) for r in rows]


GROUPS = ("sections", "channels", "categories", "bands", "teams", "agents", "areas")


def dump(figures: MonthlyFigures) -> dict:
    """JSON-ready data of `figures` (its program is not part of it)."""
    return {
        "version": VERSION,
        "month": figures.month.isoformat(),
        "target": _dec(figures.target),
        "overall": _mean(figures.overall),
        "target_met": figures.target_met,
        "change": {
            "previous": _dec(figures.change.previous),
            "difference": _dec(figures.change.difference),
            "significant": figures.change.significant,
        },
        **{name: _groups(getattr(figures, name)) for name in GROUPS},
        "critical_rates": figures.critical_rates,
        "at_target": {
            "k": figures.at_target.k,
            "n": figures.at_target.n,
            "low": figures.at_target.low,
            "high": figures.at_target.high,
        },
        "weighted": _dec(figures.weighted),
        "retests": _mean(figures.retests),
        "coverage": [
            {
                "reason": s.reason,
                "band": s.band,
                "planned": s.planned,
                "done": s.done,
                "uncovered": s.uncovered,
                "area": s.area,
            }
            for s in figures.coverage
        ],
        "pareto": [
            {
                "parameter": p.parameter,
                "section": p.section,
                "defects": p.defects,
                "share": p.share,
                "cumulative": p.cumulative,
            }
            for p in figures.pareto
        ],
        "follow_up": figures.follow_up,
        "calibrations_held": figures.calibrations_held,
        "off_slot": figures.off_slot,
        "trend": [[m.isoformat(), _mean(mean)] for m, mean in figures.trend],
        "nonconformities": [
            {
                "date": r.date.isoformat(),
                "shop_number": r.shop_number,
                "agent": r.agent,
                "team": r.team,
                "section": r.section,
                "parameter": r.parameter,
                "critical": r.critical,
                "nonconformity": r.nonconformity,
                "correct_solution": r.correct_solution,
                "status": r.status,
            }
            for r in figures.nonconformities
        ],
    }


def load(program: Program, data: dict) -> MonthlyFigures:
    """The `MonthlyFigures` frozen in `data` by `dump`."""
    change = data["change"]
    version = data.get("version", 1)
    at_target = data.get("at_target") or {"k": 0, "n": 0, "low": None, "high": None}
    return MonthlyFigures(
        program=program,
        month=date.fromisoformat(data["month"]),
        target=_undec(data["target"]),
        overall=_unmean(data["overall"]),
        target_met=data["target_met"],
        change=Change(
            _undec(change["previous"]), _undec(change["difference"]), change["significant"]
        ),
        **{name: _ungroups(data.get(name, [])) for name in GROUPS},
        critical_rates=data["critical_rates"],
        at_target=Share(at_target["k"], at_target["n"], at_target["low"], at_target["high"]),
        weighted=_undec(data.get("weighted")),
        retests=_unmean(data["retests"]) if "retests" in data else Mean(0, None, None, None, None),
        interval_method=INTERVAL_METHODS.get(version, INTERVAL_METHODS[VERSION]),
        coverage=[
            StratumCoverage(
                s["reason"],
                s["band"],
                s["planned"],
                s["done"],
                # Snapshots frozen before the flag was kept used the old rule.
                s.get("uncovered", s["planned"] > 0 and not s["done"]),
                s.get("area", ""),  # snapshots frozen before areas have none
            )
            for s in data["coverage"]
        ],
        pareto=[
            ParetoRow(p["parameter"], p["section"], p["defects"], p["share"], p["cumulative"])
            for p in data["pareto"]
        ],
        follow_up=data["follow_up"],
        calibrations_held=data["calibrations_held"],
        off_slot=data.get("off_slot", 0),  # absent from reports frozen before it was counted
        trend=[(date.fromisoformat(m), _unmean(mean)) for m, mean in data["trend"]],
        nonconformities=[
            RecapRow(**{**r, "date": date.fromisoformat(r["date"])})
            for r in data["nonconformities"]
        ],
    )
