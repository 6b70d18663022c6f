"""The month's figures frozen as JSON, and read back.

A submitted report stores `dump(figures)`; its page, XLSX and PDF render
`load(program, snapshot)` — the same `MonthlyFigures` the live selector returns —
so what was sent never changes when shops are edited later.
"""

from datetime import date
from decimal import Decimal

from followup.selectors.defects import RecapRow
from programs.models import Program
from reporting.selectors.reports import (
    Change,
    Group,
    Mean,
    MonthlyFigures,
    ParetoRow,
    StratumCoverage,
)

VERSION = 1


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _undec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _mean(m: Mean) -> dict:
    return {"n": m.n, "mean": _dec(m.mean), "low": _dec(m.low), "high": _dec(m.high), "sd": m.sd}


def _unmean(d: dict) -> Mean:
    return Mean(d["n"], _undec(d["mean"]), _undec(d["low"]), _undec(d["high"]), d["sd"])


def _groups(groups: list[Group]) -> list[dict]:
    return [{"label": g.label, "score": _mean(g.score)} for g in groups]


def _ungroups(rows: list[dict]) -> list[Group]:
    return [Group(r["label"], _unmean(r["score"])) for r in rows]


GROUPS = ("sections", "channels", "categories", "bands", "teams", "agents")


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
    return MonthlyFigures(
        program=program,
        month=date.fromisoformat(data["month"]),
        target=_undec(data["target"]),
        overall=_unmean(data["overall"]),
        target_met=data["target_met"],
        change=Change(
            _undec(change["previous"]), _undec(change["difference"]), change["significant"]
        ),
        **{name: _ungroups(data[name]) for name in GROUPS},
        critical_rates=data["critical_rates"],
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
        trend=[(date.fromisoformat(m), _unmean(mean)) for m, mean in data["trend"]],
        nonconformities=[
            RecapRow(**{**r, "date": date.fromisoformat(r["date"])})
            for r in data["nonconformities"]
        ],
    )
