"""Years of history for the benchmarks (`manage.py seed_bench`): programs,
people, monthly contact data, sample plans, finalized shops with answers and
real scores, defects, follow-up items, calibration sessions and acknowledged
monthly reports.

Reproducible: the same seed and the same day give the same rows (ids aside;
`scores_checksum` compares runs). Fast: the product's own services where one
call builds a month (preset_load, plan_generate, the contact importer, the
monthly figures), bulk_create in batches for everything counted in thousands.

Where the rows come from:
- programs: `programs.services.setup.preset_load` (both presets, then copies);
- contact data of each month: synthetic per-hour counts
  (`devdata.traffic.synthetic_contact_month`, the plan tests' month); the last full
  month instead streams a generated CSV of `contacts` rows (sampling.sample_file)
  through the real importer (`sampling.services.contact_import_process`), so
  the million-row month is parsed, validated and aggregated as an upload is;
- plans: `sampling.services.plan_generate` + `plan_approve` (re-tests asked by
  last month's follow-up items included);
- shops: answers drawn per parameter, scored by `scoring.engine.compute` with
  the shop's scorecard, inserted in bulk with their review events; defects
  and follow-up items made as `followup.services.defects.shop_follow_up` makes them
  (every not-met answer a defect routed to the agent's team leader, every
  matching coaching rule an item), in bulk;
- reports: `reporting.models.MonthlyReport` rows, acknowledged, whose snapshot
  is `reporting.snapshot.dump(reporting.selectors.reports.monthly_figures(…))`.

Bulk inserts skip django-simple-history: shops, defects and follow-up items
made here have no historical rows (planned shops have theirs, made by
plan_generate).
"""

import csv
import hashlib
import os
import random
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dtime

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import FileField
from django.utils import timezone

from devdata.demo import _demo_scenarios
from devdata.traffic import synthetic_contact_month
from followup.models import (
    ActionStatus,
    Attendee,
    CalibrationAction,
    CalibrationCase,
    CalibrationItem,
    CalibrationRating,
    CalibrationSession,
    Defect,
    DefectStatus,
    FollowUp,
    FollowUpStatus,
    ReviewedDefect,
    RootCause,
    RootCauseCategory,
    SessionKind,
    SessionStatus,
)
from followup.services.defects import follow_up_drafts
from programs.models import (
    Agent,
    Area,
    Channel,
    CoachingRule,
    Membership,
    Organization,
    Parameter,
    Program,
    Role,
    Scorecard,
    ScorecardStatus,
    Team,
    User,
)
from programs.models.library import FollowUpType
from programs.months import add_months
from programs.services.setup import preset_load
from programs.workdays import add_working_days
from reporting.models import MonthlyReport, ReportStatus
from reporting.selectors.reports import monthly_figures
from reporting.services.reports import report_due_at
from reporting.snapshot import dump
from sampling import services as sampling
from sampling.models import (
    ContactImport,
    ContactStat,
    PlannedShop,
    PlanStratum,
    SamplePlan,
    ShopStatus,
)
from sampling.sample_file import HEADER, program_sample
from scoring import engine
from scoring.models import (
    Answer,
    Recognised,
    ReviewAction,
    ReviewEvent,
    Shop,
    ShopState,
)
from scoring.services import parameter_specs
from scoring.services.form import store_scores

BENCH_ORGANIZATION = "Bench Contact Center Operator"
BENCH_PASSWORD = "bench-mysteryshop"
BENCH_DOMAIN = "bench.local"
DEFAULT_SEED = 20261121
BATCH = 5000

# (preset, code) of the bench programs, in order; more programs than listed
# repeat the presets with a running number.
PROGRAMS = [("pegadaian", "BPGD"), ("telkom", "BTLK"), ("pegadaian", "BPGD2")]

TEAMS_PER_PROGRAM = 6
AGENTS_PER_TEAM = 10
SHOPPERS = 6

FIRST_NAMES = [
    "Agus", "Ayu", "Bayu", "Citra", "Dimas", "Eka", "Fajar", "Gita", "Hendra", "Intan",
    "Joko", "Kartika", "Lukman", "Maya", "Nanda", "Okta", "Putra", "Rina", "Slamet", "Tika",
]  # fmt: skip
LAST_NAMES = [
    "Pratama", "Lestari", "Saputra", "Dewi", "Nugroho", "Putri", "Hidayat", "Maharani",
    "Wijaya", "Permata", "Susilo", "Sari", "Hakim", "Anggraini", "Kurniawan", "Rahma",
]  # fmt: skip
TEAM_NAMES = ["Melati", "Anggrek", "Kenanga", "Mawar", "Kamboja", "Cempaka", "Teratai", "Dahlia"]
NONCONFORMITIES = [
    (
        "Agent tidak menyebutkan nama dan salam pembuka sesuai standar.",
        "Sampaikan salam pembuka lengkap dengan nama agent dan nama perusahaan.",
    ),
    (
        "Informasi syarat dan dokumen yang disampaikan tidak lengkap.",
        "Jelaskan seluruh syarat dan dokumen sesuai ketentuan terbaru.",
    ),
    (
        "Agent tidak melakukan verifikasi data pelanggan.",
        "Lakukan verifikasi identitas sebelum memberikan informasi rekening.",
    ),
    (
        "Pelanggan ditahan (hold) lebih dari dua menit tanpa pemberitahuan.",
        "Minta izin sebelum hold dan kembali setiap 60 detik.",
    ),
    (
        "Agent tidak menawarkan bantuan lain sebelum menutup percakapan.",
        "Tawarkan bantuan lain dan tutup dengan salam penutup standar.",
    ),
    (
        "Solusi yang diberikan tidak sesuai prosedur yang berlaku.",
        "Ikuti prosedur terbaru di knowledge base dan konfirmasi pemahaman pelanggan.",
    ),
]


@dataclass
class SeedResult:
    counts: dict[str, int]
    seconds: dict[str, float] = field(default_factory=dict)
    checksum: str = ""
    programs: list[str] = field(default_factory=list)

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())


class _Timer:
    def __init__(self):
        self.seconds: dict[str, float] = Counter()

    @contextmanager
    def phase(self, name: str):
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] += time.perf_counter() - started


@contextmanager
def _given_times(*fields: tuple[type, str]):
    """Let bulk_create store the creation times given (auto_now / auto_now_add
    would set every row to now)."""
    saved = []
    for model, name in fields:
        f = model._meta.get_field(name)
        saved.append((f, f.auto_now, f.auto_now_add))
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def _with_history(model, objs, *, when: str, user=None) -> None:
    """One audit-trail row per bulk-created record, dated at its `when` field and
    showing its last state (bulk_create skips simple-history's signals)."""
    for obj in objs:
        obj._history_date = getattr(obj, when)
        if user is not None:
            obj._history_user = user(obj)
    model.history.bulk_history_create(objs, batch_size=BATCH, default_change_reason="seeded")


def bench_programs():
    return Program.objects.filter(organization__name=BENCH_ORGANIZATION)


# --- Flush -----------------------------------------------------------------------


def _paths_to_program() -> list[tuple[type, str]]:
    """(model, lookup to its program) for every model whose rows belong to a
    program, through the shortest chain of foreign keys; history and M2M tables
    included. Longest chains first, so a row is deleted while the rows its
    lookup goes through still exist."""
    found = []
    for model in apps.get_models(include_auto_created=True):
        if model is Program:
            continue
        queue, seen = [(model, "")], {model}
        while queue:
            current, prefix = queue.pop(0)
            if prefix.count("__") >= 4:
                continue
            hit = None
            for f in current._meta.get_fields():
                if not (f.concrete and (f.many_to_one or f.one_to_one) and f.related_model):
                    continue
                if f.related_model is Program:
                    hit = f"{prefix}{f.name}"
                    break
                if f.related_model not in seen and f.related_model not in (User, Organization):
                    seen.add(f.related_model)
                    queue.append((f.related_model, f"{prefix}{f.name}__"))
            if hit:
                found.append((model, hit))
                break
    return sorted(found, key=lambda item: -item[1].count("__"))


def flush_bench() -> int:
    """Delete the bench programs, every row in them (history included), their
    files and the bench users. Returns the number of programs deleted.

    Raw deletes (the ORM's cascade would load every row, refuse on PROTECT and
    write a history row for each); foreign keys are checked at commit."""
    ids = list(bench_programs().values_list("pk", flat=True))
    if ids:
        with transaction.atomic():
            for model, path in _paths_to_program():
                rows = model._base_manager.filter(**{f"{path}__in": ids})
                files = [f.name for f in model._meta.concrete_fields if isinstance(f, FileField)]
                for names in rows.values_list(*files) if files else ():
                    for name in names:
                        if name:
                            default_storage.delete(name)
                rows._raw_delete(rows.db)
            Program.objects.filter(pk__in=ids)._raw_delete(Program.objects.db)
    User.objects.filter(email__endswith=f"@{BENCH_DOMAIN}").delete()
    Organization.objects.filter(name=BENCH_ORGANIZATION, programs=None).delete()
    return len(ids)


# --- Counting -------------------------------------------------------------------

COUNTED = [
    Program,
    User,
    Agent,
    ContactImport,
    ContactStat,
    SamplePlan,
    PlanStratum,
    PlannedShop,
    Shop,
    Answer,
    ReviewEvent,
    Defect,
    FollowUp,
    CalibrationSession,
    Attendee,
    ReviewedDefect,
    CalibrationRating,
    MonthlyReport,
]


def bench_counts() -> dict[str, int]:
    """Rows of the bench programs per table."""
    programs = bench_programs()
    ids = list(programs.values_list("pk", flat=True))
    paths = {
        Program: "pk__in",
        User: None,
        Agent: "program__in",
        ContactImport: "program__in",
        ContactStat: "contact_import__program__in",
        SamplePlan: "program__in",
        PlanStratum: "plan__program__in",
        PlannedShop: "plan__program__in",
        Shop: "program__in",
        Answer: "shop__program__in",
        ReviewEvent: "shop__program__in",
        Defect: "program__in",
        FollowUp: "program__in",
        CalibrationSession: "program__in",
        Attendee: "session__program__in",
        ReviewedDefect: "session__program__in",
        CalibrationRating: "session__program__in",
        MonthlyReport: "program__in",
    }
    counts = {}
    for model in COUNTED:
        path = paths[model]
        if path is None:
            qs = User.objects.filter(email__endswith=f"@{BENCH_DOMAIN}")
        else:
            qs = model.objects.filter(**{path: ids})
        counts[model._meta.db_table] = qs.count()
    return counts


def scores_checksum() -> str:
    """SHA-256 of every bench shop's (program, month, number, state, score):
    equal for two runs with the same seed and day."""
    digest = hashlib.sha256()
    rows = (
        Shop.objects.filter(program__in=bench_programs())
        .order_by("program__code", "planned_shop__plan__month", "planned_shop__number")
        .values_list(
            "program__code", "planned_shop__plan__month", "planned_shop__number", "state", "score"
        )
    )
    for row in rows.iterator(chunk_size=BATCH):
        digest.update(repr(row).encode())
    return digest.hexdigest()


# --- People ------------------------------------------------------------------------


@dataclass
class Staff:
    manager: User
    analyst: User
    viewer: User
    supervisors: list[User]
    team_leaders: list[User]
    shoppers: list[User]

    @property
    def everyone(self) -> list[tuple[User, str]]:
        return [
            (self.manager, Role.MANAGER),
            (self.analyst, Role.QC_ANALYST),
            (self.viewer, Role.VIEWER),
            *((u, Role.SUPERVISOR) for u in self.supervisors),
            *((u, Role.TEAM_LEADER) for u in self.team_leaders),
            *((u, Role.SHOPPER) for u in self.shoppers),
        ]


def _staff() -> Staff:
    """The bench users (one password for all), made once and shared by the programs."""
    wanted = [
        ("manager", "Maya Manager (bench)"),
        ("analyst", "Andi Analyst (bench)"),
        ("viewer", "Vino Viewer (bench)"),
        *((f"supervisor{i}", f"Supervisor {i} (bench)") for i in (1, 2)),
        *((f"teamleader{i}", f"Team Leader {i} (bench)") for i in range(1, TEAMS_PER_PROGRAM + 1)),
        *((f"shopper{i}", f"Shopper {i} (bench)") for i in range(1, SHOPPERS + 1)),
    ]
    emails = [f"{local}@{BENCH_DOMAIN}" for local, _name in wanted]
    existing = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
    password = make_password(BENCH_PASSWORD)
    User.objects.bulk_create(
        User(email=email, full_name=name, password=password)
        for email, (_local, name) in zip(emails, wanted, strict=True)
        if email not in existing
    )
    users = {u.email.split("@")[0]: u for u in User.objects.filter(email__in=emails)}
    return Staff(
        manager=users["manager"],
        analyst=users["analyst"],
        viewer=users["viewer"],
        supervisors=[users["supervisor1"], users["supervisor2"]],
        team_leaders=[users[f"teamleader{i}"] for i in range(1, TEAMS_PER_PROGRAM + 1)],
        shoppers=[users[f"shopper{i}"] for i in range(1, SHOPPERS + 1)],
    )


def _program_specs(n: int) -> list[tuple[str, str]]:
    specs = []
    for i in range(n):
        preset, code = PROGRAMS[i % len(PROGRAMS)]
        if i >= len(PROGRAMS):
            code = f"{code}{i // len(PROGRAMS) + 2}"
        specs.append((preset, code))
    return specs


def _people(program: Program, staff: Staff, rng: random.Random) -> None:
    Membership.objects.bulk_create(
        Membership(user=user, program=program, role=role) for user, role in staff.everyone
    )
    areas = [
        Area.objects.create(program=program, code=code, name=name)
        for code, name in [("jakarta", "Jakarta"), ("bandung", "Bandung")]
    ]
    teams = Team.objects.bulk_create(
        Team(
            program=program,
            code=f"team-{i + 1}",
            name=f"Tim {TEAM_NAMES[i % len(TEAM_NAMES)]}",
            area=areas[i % len(areas)],
            team_leader=staff.team_leaders[i % len(staff.team_leaders)],
            supervisor=staff.supervisors[i % len(staff.supervisors)],
        )
        for i in range(TEAMS_PER_PROGRAM)
    )
    names = [f"{first} {last}" for last in LAST_NAMES for first in FIRST_NAMES]
    rng.shuffle(names)
    agents = Agent.objects.bulk_create(
        Agent(
            program=program,
            employee_id=f"{program.code}{1001 + i}",
            name=names[i % len(names)],
            team=teams[i % len(teams)],
            area=teams[i % len(teams)].area,
        )
        for i in range(TEAMS_PER_PROGRAM * AGENTS_PER_TEAM)
    )
    channels = list(Channel.objects.filter(program=program, parent=None).order_by("code"))
    Agent.channels.through.objects.bulk_create(
        Agent.channels.through(agent_id=a.pk, channel_id=channels[i % len(channels)].pk)
        for i, a in enumerate(agents)
    )
    _demo_scenarios(program)


# --- Contact data ------------------------------------------------------------------


def _synthetic_month(program: Program, month: date, seed: int) -> ContactImport:
    # The plan tests' synthetic month: counts for every reason, weekday and hour.
    return synthetic_contact_month(program, month, seed=seed)


def _imported_month(program: Program, month: date, rows: int, user: User) -> ContactImport:
    """`rows` generated contacts written to a CSV and imported by the real importer."""
    with tempfile.NamedTemporaryFile(
        "w+", suffix=".csv", newline="", encoding="utf-8", delete=False
    ) as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(program_sample(program, month, rows=rows))
        path = fh.name
    try:
        record = ContactImport(
            program=program,
            month=month,
            original_name=f"bench-{program.code}-{month:%Y-%m}.csv",
            uploaded_by=user,
        )
        with open(path, "rb") as src:
            record.file.save(record.original_name, File(src), save=False)
        record.save()
    finally:
        os.unlink(path)
    record = sampling.contact_import_process(import_id=record.pk)
    if record.status != "succeeded":
        raise RuntimeError(f"bench import failed: {record.message}")
    return record


# --- Shops -----------------------------------------------------------------------------


@dataclass
class ProgramContext:
    program: Program
    staff: Staff
    rng: random.Random
    today: date
    now: datetime
    agents: list[Agent]
    agent_team: dict[int, Team]
    agent_quality: dict[int, float]
    scorecards: dict[int, Scorecard]  # channel id -> published scorecard
    specs: dict[int, list[engine.ParameterSpec]]  # scorecard id -> specs
    allow_na: dict[int, bool]
    rules: list[CoachingRule]
    ack_cache: dict = field(default_factory=dict)

    def working_days_after(self, start: date, days: int) -> date:
        key = (start, days)
        if key not in self.ack_cache:
            self.ack_cache[key] = add_working_days(self.program, start, days)
        return self.ack_cache[key]


def _context(program: Program, staff: Staff, rng: random.Random, today, now) -> ProgramContext:
    agents = list(Agent.objects.filter(program=program).select_related("team").order_by("pk"))
    scorecards = {}
    for sc in Scorecard.objects.filter(program=program, status=ScorecardStatus.PUBLISHED):
        scorecards[sc.channel_id] = sc
    for channel in Channel.objects.filter(program=program).exclude(parent=None):
        if channel.pk not in scorecards and channel.parent_id in scorecards:
            scorecards[channel.pk] = scorecards[channel.parent_id]
    return ProgramContext(
        program=program,
        staff=staff,
        rng=rng,
        today=today,
        now=now,
        agents=agents,
        agent_team={a.pk: a.team for a in agents},
        # Some agents do better than others: a factor on the chance of a defect.
        agent_quality={a.pk: rng.uniform(0.4, 1.8) for a in agents},
        scorecards=scorecards,
        specs={sc.pk: parameter_specs(sc) for sc in set(scorecards.values())},
        allow_na=dict(
            Parameter.objects.filter(section__scorecard__program=program).values_list(
                "pk", "allow_not_applicable"
            )
        ),
        rules=list(CoachingRule.objects.filter(program=program, is_active=True).order_by("order")),
    )


def _answer(ctx: ProgramContext, spec: engine.ParameterSpec, quality: float) -> str:
    rng = ctx.rng
    if ctx.allow_na.get(spec.id) and rng.random() < 0.04:
        return engine.NA
    fail = (0.03 if spec.critical_type else 0.11) * quality
    if spec.scale_max:
        if rng.random() < fail:
            return "0"
        return str(rng.choice(range(max(1, spec.scale_max - 2), spec.scale_max + 1)))
    return engine.NOT_MET if rng.random() < fail else engine.MET


# The current month's first shops (by date) end in these states whatever the
# day, so every state a page shows exists at any size; True: with a failed
# critical parameter.
SHAPES = [
    (ShopState.FINALIZED, False),
    (ShopState.SUBMITTED, True),
    (ShopState.SUBMITTED, False),
    (ShopState.RETURNED, False),
    (ShopState.DRAFT, False),
    (ShopState.FINALIZED, True),
    (ShopState.DRAFT, False),
    (ShopState.SUBMITTED, False),
]


def _fate(ctx: ProgramContext, planned: PlannedShop, current: date) -> str:
    """What became of a planned shop: a ShopState, "cancelled" or "planned"."""
    roll = ctx.rng.random()
    if planned.date.replace(day=1) < current:  # a past month: all done but a few
        return "cancelled" if roll < 0.03 else ShopState.FINALIZED
    if planned.date >= ctx.today:
        return "planned"
    for state, upto in [
        (ShopState.FINALIZED, 0.62),
        (ShopState.SUBMITTED, 0.77),
        (ShopState.RETURNED, 0.82),
        (ShopState.DRAFT, 0.94),
    ]:
        if roll < upto:
            return state
    return "planned"


def _month_shops(
    ctx: ProgramContext, plan: SamplePlan, current: date, *, shapes: bool = True
) -> dict[str, int]:
    """Execute, score and review a month's planned shops; defects and follow-up items.
    `shapes`: the current month's first shops take the SHAPES the page benchmarks need,
    even when they are dated after today."""
    program, rng, zone = ctx.program, ctx.rng, ctx.program.zone
    planned = list(PlannedShop.objects.filter(plan=plan).select_related("slot").order_by("number"))
    usable = [p for p in planned if p.shopper_id and p.channel_id in ctx.scorecards]
    shaped = {}
    if shapes and plan.month == current:
        first = sorted(usable, key=lambda p: (p.date, p.number))[: len(SHAPES)]
        shaped = {p.pk: shape for p, shape in zip(first, SHAPES, strict=False)}
    shops, answers, events, fates = [], [], [], {}
    shop_answers: dict[int, dict[int, str]] = {}
    for p in planned:
        fate = _fate(ctx, p, current)
        fate, critical_fail = shaped.get(p.pk, (fate, False))
        fates[p.pk] = fate
        if fate in ("planned", "cancelled"):
            continue
        if p not in usable:
            fates[p.pk] = "planned"
            continue
        scorecard = ctx.scorecards[p.channel_id]
        agent = rng.choice(ctx.agents) if rng.random() > 0.03 else None
        quality = ctx.agent_quality[agent.pk] if agent else 1.0
        specs = ctx.specs[scorecard.pk]
        given = {s.id: _answer(ctx, s, quality) for s in specs}
        if critical_fail:
            critical = next((s for s in specs if s.critical_type), None)
            if critical is not None:
                given[critical.id] = "0" if critical.scale_max else engine.NOT_MET
        if fate == ShopState.DRAFT:  # half-way through the form
            given = dict(list(given.items())[: len(given) // 2])
        executed = datetime.combine(p.date, p.slot.start, tzinfo=zone) + timedelta(
            minutes=rng.randrange(30)
        )
        submitted = executed + timedelta(hours=rng.randint(1, 6))
        finalized = submitted + timedelta(hours=rng.randint(4, 60))
        if p.pk in shaped and finalized > ctx.now:  # early in the month: made lately
            executed = ctx.now - timedelta(hours=30, minutes=rng.randrange(30))
            submitted, finalized = executed + timedelta(hours=4), ctx.now - timedelta(hours=2)
        if fate == ShopState.FINALIZED and finalized > ctx.now:
            fate = fates[p.pk] = ShopState.SUBMITTED
        shop = Shop(
            planned_shop=p,
            program=program,
            scorecard=scorecard,
            scoring_mode=program.scoring_mode,  # kept by the shop (bulk_create skips save)
            shopper_id=p.shopper_id,
            state=fate,
            version={ShopState.DRAFT: 2, ShopState.RETURNED: 4}.get(fate, 3),
            executed_at=executed,
            channel_id=p.channel_id,
            contact_handle=f"+62 21 {rng.randint(1000000, 9999999)}",
            agent=agent,
            agent_not_identified=agent is None,
            interaction_id=f"{program.code}-{p.date:%Y%m%d}-{rng.randint(10000, 99999)}",
            duration_seconds=rng.randint(90, 900),
            recognised=rng.choices([Recognised.NO, Recognised.MAYBE, Recognised.YES], [90, 8, 2])[
                0
            ],
            submitted_at=None if fate == ShopState.DRAFT else submitted,
            finalized_at=finalized if fate == ShopState.FINALIZED else None,
            finalized_by=ctx.staff.analyst if fate == ShopState.FINALIZED else None,
            created_at=executed,
            updated_at=finalized if fate == ShopState.FINALIZED else submitted,
        )
        store_scores(shop, engine.compute(specs, given, shop.scoring_mode))
        shops.append(shop)
        shop_answers[p.pk] = given

    with _given_times((Shop, "created_at"), (Shop, "updated_at")):
        Shop.objects.bulk_create(shops, batch_size=BATCH)
    _with_history(
        Shop,
        shops,
        when="updated_at",
        user=lambda s: ctx.staff.analyst if s.state == ShopState.FINALIZED else None,
    )
    for shop in shops:
        for parameter_id, value in shop_answers[shop.planned_shop_id].items():
            failing = value == engine.NOT_MET or value == "0"
            nc, fix = rng.choice(NONCONFORMITIES) if failing else ("", "")
            answers.append(
                Answer(
                    shop=shop,
                    parameter_id=parameter_id,
                    value=value,
                    nonconformity=nc,
                    correct_solution=fix,
                )
            )
        if shop.submitted_at:
            events.append(
                ReviewEvent(
                    shop=shop,
                    action=ReviewAction.SUBMIT,
                    by_id=shop.shopper_id,
                    at=shop.submitted_at,
                )
            )
        if shop.state == ShopState.RETURNED:
            events.append(
                ReviewEvent(
                    shop=shop,
                    action=ReviewAction.RETURN,
                    by=ctx.staff.analyst,
                    comment="Lengkapi bukti rekaman dan uraian ketidaksesuaian.",
                    at=shop.submitted_at + timedelta(hours=3),
                )
            )
        if shop.state == ShopState.FINALIZED:
            events.append(
                ReviewEvent(
                    shop=shop,
                    action=ReviewAction.FINALIZE,
                    by=ctx.staff.analyst,
                    at=shop.finalized_at,
                )
            )
    Answer.objects.bulk_create(answers, batch_size=BATCH)
    with _given_times((ReviewEvent, "at")):
        ReviewEvent.objects.bulk_create(events, batch_size=BATCH)

    done = [pk for pk, fate in fates.items() if fate not in ("planned", "cancelled")]
    cancelled = [pk for pk, fate in fates.items() if fate == "cancelled"]
    if done:
        PlannedShop.objects.filter(pk__in=done).update(status=ShopStatus.DONE)
    if cancelled:
        PlannedShop.objects.filter(pk__in=cancelled).update(
            status=ShopStatus.CANCELLED, change_reason="Nomor tujuan tidak aktif."
        )
    finals = [s for s in shops if s.state == ShopState.FINALIZED]
    defects, items = _follow_up(ctx, finals, answers)
    return {"shops": len(shops), "defects": defects, "follow_ups": items}


def _follow_up(ctx: ProgramContext, finals: list[Shop], answers: list[Answer]) -> tuple[int, int]:
    """Defects and follow-up items as followup.services.defects makes them
    (follow_up_drafts: the same routing and coaching rules), then acknowledged
    and held as the months went by."""
    program, rng = ctx.program, ctx.rng
    specs = {s.id: s for specs in ctx.specs.values() for s in specs}
    by_shop: dict[int, list[Answer]] = {}
    for a in answers:
        by_shop.setdefault(a.shop_id, []).append(a)
    defects, items = [], []
    month_start = ctx.today.replace(day=1)
    for shop in finals:
        shop.program = program
        team = ctx.agent_team.get(shop.agent_id) if shop.agent_id else None
        shop_defects, shop_items = follow_up_drafts(
            shop,
            by_shop.get(shop.pk, []),
            specs=specs,
            rules=ctx.rules,
            team=team,
            due_after=ctx.working_days_after,
        )
        finalized_day = timezone.localdate(shop.finalized_at, program.zone)
        recent = finalized_day >= month_start - timedelta(days=10)
        for defect in shop_defects:
            acknowledged = not recent or rng.random() < 0.5
            ack_at = shop.finalized_at + timedelta(hours=rng.randint(6, 72))
            if ack_at > ctx.now:
                acknowledged = False
            if acknowledged:
                defect.status = DefectStatus.ACKNOWLEDGED
                defect.acknowledged_at = ack_at
                defect.acknowledged_by_id = defect.team_leader_id
                defect.comment = "Sudah dibahas dengan agent saat briefing."
            defect.created_at = shop.finalized_at
            defects.append(defect)
        for item in shop_items:
            held = item.due_on - timedelta(days=rng.randint(0, 3))
            if held < ctx.today and (not recent or rng.random() < 0.4):
                session = item.kind
                if session == FollowUpType.COACHING_OR_SGD:
                    session = rng.choice([FollowUpType.COACHING, FollowUpType.SGD])
                item.status = FollowUpStatus.DONE
                item.held_on = held
                item.session_type = session
                item.participants = "Agent, team leader"
                item.notes = "Mendengarkan ulang rekaman dan membahas standar."
                item.commitment = "Menerapkan standar pada setiap kontak."
                item.outcome = "Agent memahami dan berkomitmen memperbaiki."
                item.retest_requested = rng.random() < 0.1
            item.created_at = shop.finalized_at
            items.append(item)
    with _given_times((Defect, "created_at"), (FollowUp, "created_at")):
        Defect.objects.bulk_create(defects, batch_size=BATCH)
        FollowUp.objects.bulk_create(items, batch_size=BATCH)
    _with_history(Defect, defects, when="created_at")
    _with_history(FollowUp, items, when="created_at")
    return len(defects), len(items)


# --- Calibration ---------------------------------------------------------------------------


def _calibration(ctx: ProgramContext, month: date) -> int:
    """The month's calibration session (held on the 20th, or planned when that
    is still ahead): attendance, minutes, reviewed defects, a root cause, an
    action, one blind-scored case; plus a high-impact session when a shop of
    the month was flagged."""
    program, rng, staff = ctx.program, ctx.rng, ctx.staff
    day = month.replace(day=20)
    held = day <= ctx.today
    raters = [staff.analyst, *staff.team_leaders[:2]]
    session = CalibrationSession.objects.create(
        program=program,
        held_on=day,
        title=f"Kalibrasi bulanan {month:%Y-%m}",
        kind=SessionKind.MONTHLY,
        status=SessionStatus.HELD if held else SessionStatus.PLANNED,
        agenda="Tinjauan defect bulan berjalan; kasus untuk dinilai bersama.",
        discussion="Defect terbanyak dibahas per parameter." if held else "",
        decisions="Materi refreshment untuk tim dengan skor terendah." if held else "",
        created_by=staff.analyst,
        held_marked_at=timezone.make_aware(datetime.combine(day, dtime(16)), program.zone)
        if held
        else None,
    )
    people = [staff.analyst, staff.manager, *staff.supervisors, *staff.team_leaders]
    Attendee.objects.bulk_create(
        Attendee(
            session=session,
            user=u,
            present=(rng.random() < 0.9) if held else None,
            recorded_by=staff.analyst if held else None,
        )
        for u in people
    )
    if not held:
        return 1
    defects = list(
        Defect.objects.filter(
            program=program,
            shop__planned_shop__plan__month=month,
            status__in=[DefectStatus.OPEN, DefectStatus.ACKNOWLEDGED],
        ).order_by("pk")[:5]
    )
    cause = RootCause.objects.create(
        session=session,
        category=rng.choice(RootCauseCategory.values),
        description="Agent belum memahami perubahan prosedur terbaru.",
        created_by=staff.analyst,
    )
    ReviewedDefect.objects.bulk_create(
        ReviewedDefect(session=session, defect=d, root_cause=cause, added_by=staff.analyst)
        for d in defects
    )
    due = day + timedelta(days=14)
    done = due < ctx.today
    CalibrationAction.objects.create(
        session=session,
        root_cause=cause,
        description="Refreshment prosedur untuk seluruh tim.",
        owner=staff.supervisors[0],
        due_on=due,
        status=ActionStatus.DONE if done else ActionStatus.OPEN,
        done_on=due if done else None,
    )
    shop = (
        Shop.objects.filter(
            program=program, state=ShopState.FINALIZED, planned_shop__plan__month=month
        )
        .order_by("planned_shop__number")
        .first()
    )
    sessions = 1
    if shop is not None:
        CalibrationCase.objects.create(session=session, shop=shop, added_by=staff.analyst)
        specs = ctx.specs[shop.scorecard_id]
        base = dict(shop.answers.values_list("parameter_id", "value"))
        ratings = []
        for rater in raters:
            given = {
                pid: (
                    _answer(ctx, next(s for s in specs if s.id == pid), 1.0)
                    if rng.random() < 0.1
                    else v
                )
                for pid, v in base.items()
            }
            result = engine.compute(specs, given, shop.scoring_mode)  # the shop's own mode
            ratings.append(
                CalibrationRating(
                    session=session,
                    shop=shop,
                    rater=rater,
                    answers={str(k): v for k, v in given.items()},
                    score=result.total_rounded,
                )
            )
        CalibrationRating.objects.bulk_create(ratings)
        # Now and then a case with a large customer impact (PGD-4.8).
        if rng.random() < 0.25:
            Shop.objects.filter(pk=shop.pk).update(high_impact=True)
            impact = CalibrationSession.objects.create(
                program=program,
                held_on=day + timedelta(days=2),
                title=f"Kasus berdampak tinggi #{shop.planned_shop.number}",
                kind=SessionKind.HIGH_IMPACT,
                status=SessionStatus.HELD
                if day + timedelta(days=2) <= ctx.today
                else SessionStatus.PLANNED,
                related_shop=shop,
                agenda="Evaluasi kasus berdampak tinggi.",
                discussion="Kronologi dan dampak ke pelanggan dibahas.",
                decisions="Eskalasi ke pemilik proses.",
                created_by=staff.analyst,
                held_marked_at=ctx.now if day + timedelta(days=2) <= ctx.today else None,
            )
            Attendee.objects.create(session=impact, user=staff.analyst, present=True)
            CalibrationItem.objects.create(
                program=program,
                shop=shop,
                resolved_by_session=impact if impact.status == SessionStatus.HELD else None,
            )
            sessions += 1
    return sessions


# --- Reports ---------------------------------------------------------------------------------


def _reports(ctx: ProgramContext, months: list[date]) -> int:
    """An acknowledged F-27 per past month, its snapshot the month's figures."""
    program, staff, rng = ctx.program, ctx.staff, ctx.rng
    reports = []
    for month in months:
        due = report_due_at(program, month)
        submitted = due - timedelta(days=rng.randint(0, 4), hours=rng.randint(1, 8))
        if rng.random() < 0.08:  # now and then late
            submitted = due + timedelta(hours=rng.randint(2, 30))
        acknowledged = submitted + timedelta(days=rng.randint(1, 3))
        if acknowledged > ctx.now:
            continue
        reports.append(
            MonthlyReport(
                program=program,
                month=month,
                revision=0,
                status=ReportStatus.ACKNOWLEDGED,
                due_at=due,
                analysis="Skor rata-rata stabil; defect terbanyak pada parameter proses.",
                recommendations="Refreshment prosedur dan coaching untuk tim di bawah target.",
                snapshot=dump(monthly_figures(program, month)),
                submitted_at=submitted,
                submitted_by=staff.analyst,
                acknowledged_at=acknowledged,
                acknowledged_by=staff.manager,
                created_at=submitted - timedelta(days=2),
                updated_at=acknowledged,
            )
        )
    with _given_times((MonthlyReport, "created_at"), (MonthlyReport, "updated_at")):
        MonthlyReport.objects.bulk_create(reports, batch_size=BATCH)
    _with_history(MonthlyReport, reports, when="updated_at", user=lambda r: staff.manager)
    return len(reports)


# --- The whole --------------------------------------------------------------------------------


def seed_bench(
    *,
    years: int = 3,
    months: int | None = None,
    programs: int = 3,
    contacts: int = 1_000_000,
    seed: int = DEFAULT_SEED,
    today: date | None = None,
    flush: bool = False,
    log: Callable[[str], None] = lambda message: None,
) -> SeedResult:
    """Build `years` × 12 (or `months`) months of history, ending with the
    current month (partly done), plus next month's approved plan.

    `contacts` rows for the last full month go through the real importer
    (0: that month is synthetic like the others). Raises ValueError when bench
    programs exist and `flush` is not given.
    """
    timer = _Timer()
    if connection.vendor == "postgresql":
        # Bench rows need no crash safety: commits need not wait for the disk.
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO OFF")
    if bench_programs().exists():
        if not flush:
            raise ValueError("Bench programs exist already: pass flush=True (--flush).")
        with timer.phase("flush"):
            flush_bench()
    today = today or timezone.localdate()
    # "Now" is the start of today: nothing depends on the time of day the seed runs.
    now = timezone.make_aware(datetime.combine(today, dtime(0)))
    span = months if months is not None else years * 12
    if span < 1:
        raise ValueError("At least one month.")
    current = today.replace(day=1)
    plan_months = [add_months(current, -k) for k in range(span - 1, -1, -1)]

    with timer.phase("people"):
        staff = _staff()
        organization, _created = Organization.objects.get_or_create(name=BENCH_ORGANIZATION)
        made = []
        for i, (preset, code) in enumerate(_program_specs(programs)):
            name = f"Bench {preset.title()} {code}"
            program = preset_load(key=preset, organization=organization, code=code, name=name)
            _people(program, staff, random.Random(seed + i))
            made.append(program)
        log(f"{len(made)} programs with people and scenarios")

    for index, program in enumerate(made):
        # One random stream per program and month: a month's data is the same
        # whatever the span seeded before it (small and large seeds share the
        # current month's shapes).
        ctx = _context(program, staff, random.Random(f"{seed}:{program.code}"), today, now)
        imported = contacts if index == 0 else 0
        for k, month in enumerate([*plan_months, add_months(current, 1)]):
            data_month = sampling.previous_month(month)
            ctx.rng = random.Random(f"{seed}:{program.code}:{month:%Y-%m}")
            if imported and data_month == add_months(current, -1):
                with timer.phase("contacts (real import)"):
                    _imported_month(program, data_month, imported, staff.analyst)
                log(f"{program.code} {data_month:%Y-%m}: {imported:,} contacts imported")
            else:
                with timer.phase("contacts (synthetic)"):
                    _synthetic_month(program, data_month, seed=ctx.rng.randrange(10**9))
            with timer.phase("plans"), transaction.atomic():
                plan = sampling.plan_generate(
                    program=program,
                    month=month,
                    user=staff.analyst,
                    seed=ctx.rng.randrange(10**9),
                    at=sampling.made_before(program, month),
                )
                # Records of past months: approved as they were, days since passed.
                sampling.plan_approve(plan=plan, user=staff.manager, past_ok=True)
            if month > current:
                continue  # next month: planned only
            with timer.phase("shops"), transaction.atomic():
                made_now = _month_shops(ctx, plan, current)
            with timer.phase("calibration"), transaction.atomic():
                _calibration(ctx, month)
            if k % 6 == 5 or month == current:
                log(f"{program.code} {month:%Y-%m}: {made_now}")
        ctx.rng = random.Random(f"{seed}:{program.code}:reports")
        with timer.phase("reports"), transaction.atomic():
            n = _reports(ctx, plan_months[:-1])
        log(f"{program.code}: {n} acknowledged monthly reports")
    with timer.phase("counting"):
        counts = bench_counts()
        checksum = scores_checksum()
    return SeedResult(
        counts=counts,
        seconds=dict(timer.seconds),
        checksum=checksum,
        programs=[p.code for p in made],
    )


# --- The demo's last month ---------------------------------------------------------


DEMO_MONTHS = 3  # months of history the demo's dashboards and reports show


def _demo_context(program: Program, staff: Staff, seed: int, month: date) -> ProgramContext:
    """As of the start of today, one random stream per program and month."""
    today = timezone.localdate()
    now = timezone.make_aware(datetime.combine(today, dtime(0)))
    rng = random.Random(f"{seed}:{program.code}:demo:{month:%Y-%m}")
    return _context(program, staff, rng, today, now)


def demo_history(program: Program, staff: Staff, *, seed: int = DEFAULT_SEED) -> int:
    """The demo's last DEMO_MONTHS months, done the way the bench does it: each a
    plan (from synthetic counts of the month before when no data was imported),
    its shops executed, scored and finalized with their defects and follow-up
    items, and a calibration session. The older months' reports are submitted
    and acknowledged; last month's is left for the analyst to write.
    Idempotent: a month that has a plan already is left alone. Returns the shops made."""
    current = timezone.localdate().replace(day=1)
    made = 0
    for back in range(DEMO_MONTHS, 0, -1):
        month = add_months(current, -back)
        if SamplePlan.objects.filter(program=program, month=month).exists():
            continue
        ctx = _demo_context(program, staff, seed, month)
        data_month = sampling.previous_month(month)
        with transaction.atomic():
            if sampling.latest_import(program, data_month) is None:
                _synthetic_month(program, data_month, seed=ctx.rng.randrange(10**9))
            plan = sampling.plan_generate(
                program=program,
                month=month,
                user=staff.analyst,
                seed=ctx.rng.randrange(10**9),
                at=sampling.made_before(program, month),
            )
            sampling.plan_approve(plan=plan, user=staff.manager, past_ok=True)
            made += _month_shops(ctx, plan, current)["shops"]
            _calibration(ctx, month)
            if back > 1:
                _reports(ctx, [month])
    return made


def demo_current_month(program: Program, staff: Staff, *, seed: int = DEFAULT_SEED) -> int:
    """This month as on a working day: the shops dated before today executed (most
    finalized, some waiting for review, returned or still drafts), the rest ahead.
    Idempotent: a month with shops is left alone. Returns the shops made."""
    current = timezone.localdate().replace(day=1)
    plan = SamplePlan.objects.filter(program=program, month=current).first()
    if plan is None or Shop.objects.filter(planned_shop__plan=plan).exists():
        return 0
    ctx = _demo_context(program, staff, seed, current)
    with transaction.atomic():
        return _month_shops(ctx, plan, current, shapes=False)["shops"]
