"""Page benchmark: server time and SQL queries of every main page at small and
at three-year data, each beside a trivial view measured in the same run; plus
the monthly report (figures, XLSX, PDF), plan generation and the contact import
against the pandas baseline.

    python bench/pages.py [--repeat 15] [--reuse] [--write bench/RESULTS.md]

It builds two PostgreSQL databases itself (dropped and re-created unless
--reuse finds them seeded already):
- bench_small: `seed_bench --months 2 --contacts 3000` (load_demo's size, with shops);
- bench_big:   `seed_bench --years 3` (three programs, three years, one
  1,000,000-row contact month).
The pages are the program menu's (programs.navigation.MENU: a page added to
the menu is measured without a change here) plus the detail pages of DETAILS.
Each database is measured in a fresh process (DJANGO_DEBUG off, no Redis:
local-memory cache) through django.test.Client, signed in as the program's
manager, or for a page the manager may not open, the first role the menu
allows. Requests go round-robin over the pages, `--repeat` rounds, so noise
from a busy machine falls on every page and on the baseline alike; the figure
is the median. The queries of every page are written to var/bench/queries/.

Exit status 1 when a page's query count differs between the two databases,
a page does not answer 200, or an operation misses its goal (OP_GOALS_MS: the
audit pack of a month, PGD-4.4's 56 shops, within 2 minutes).
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PROGRAM = "BPGD"  # the bench program measured (the one with the 1,000,000-row month)
DATABASES = {
    "bench_small": ["--months", "2", "--contacts", "3000"],
    "bench_big": ["--years", "3"],
}
# Preferred persona per role, most privileged first.
ROLE_USERS = [
    ("manager", "manager"),
    ("qc_analyst", "analyst"),
    ("supervisor", "supervisor1"),
    ("team_leader", "teamleader1"),
    ("viewer", "viewer"),
    ("shopper", "shopper1"),
]
OUT_DIR = ROOT / "var" / "bench"
# Goals of operations that run off the request path (ms at three-year data).
AUDIT_PACK_OP = "audit pack of last month (reporting.services.auditpack)"
OP_GOALS_MS = {AUDIT_PACK_OP: 120_000}


# --- Parent: databases, children, table -------------------------------------------


def pg_base() -> str:
    return os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")


def db_env(name: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL"}}
    env.update(
        DATABASE_URL=f"{pg_base()}/{name}",
        MEDIA_ROOT=str(OUT_DIR / name / "media"),
        DJANGO_DEBUG="0",
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="mysteryshop.settings",
        PYTHONPATH=str(ROOT),
    )
    return env


def seeded(name: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(f"{pg_base()}/{name}") as conn:
            row = conn.execute(
                "SELECT count(*) FROM programs_program WHERE code = %s", [PROGRAM]
            ).fetchone()
            return bool(row and row[0])
    except psycopg.Error:
        return False


def build(name: str, seed_args: list[str]) -> dict:
    """Drop, create, migrate and seed one database; returns its seeding output."""
    import psycopg

    with psycopg.connect(f"{pg_base()}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    env = db_env(name)
    manage = [sys.executable, str(ROOT / "manage.py")]
    started = time.perf_counter()
    subprocess.run([*manage, "migrate", "--no-input", "-v", "0"], env=env, check=True)
    migrated = time.perf_counter()
    out = subprocess.run(
        [*manage, "seed_bench", *seed_args], env=env, check=True, capture_output=True, text=True
    ).stdout
    return {
        "args": seed_args,
        "migrate_s": migrated - started,
        "seed_s": time.perf_counter() - migrated,
        "summary": out[out.find("Bench programs:") :].rstrip(),
    }


def measure_db(name: str, repeat: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", name, "--repeat", str(repeat)],
        env=db_env(name),
        capture_output=True,
        text=True,
    )
    if out.returncode:
        sys.stderr.write(out.stderr)
        raise SystemExit(f"measuring {name} failed")
    return json.loads(out.stdout.strip().splitlines()[-1])


def import_vs_pandas(rows: int) -> dict | None:
    if not rows:
        return None
    from bench import import_bench

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = import_bench.generate(folder, rows, "iso")
        media = str(folder / "media")
        return {
            "rows": rows,
            "pandas": import_bench.measure("pandas", path, media),
            "ours": import_bench.run_import(path, media),
        }


def fmt_ms(value) -> str:
    return "—" if value is None else f"{value:.1f}"


def table(small: dict, big: dict) -> tuple[list[str], list[str]]:
    """The page table and the pages whose query count or status is wrong."""
    lines, problems = [], []
    head = (
        f"{'page':<34}{'queries small':>14}{'queries big':>12}{'ms small':>10}{'ms big':>9}"
        f"{'× baseline':>12}  "
    )
    lines += [head, "-" * len(head)]
    base_s, base_b = small["baseline"], big["baseline"]
    lines.append(
        f"{'baseline (trivial view)':<34}{base_s['queries']:>14}{base_b['queries']:>12}"
        f"{base_s['ms']:>10.1f}{base_b['ms']:>9.1f}{1:>12.1f}"
    )
    pages_b = {p["label"]: p for p in big["pages"]}
    for p in small["pages"]:
        b = pages_b.get(p["label"])
        if b is None:
            continue
        flag = ""
        if p["status"] != 200 or b["status"] != 200:
            flag = f"status {p['status']}/{b['status']}"
            problems.append(f"{p['label']}: status {p['status']} small, {b['status']} big")
        elif p["queries"] != b["queries"]:
            flag = "≠ QUERIES GROW"
            problems.append(
                f"{p['label']}: {p['queries']} → {b['queries']} queries "
                f"(SQL in var/bench/queries/{{bench_small,bench_big}}/{p['label']}.sql)"
            )
        ratio = b["ms"] / base_b["ms"] if b["ms"] is not None else None
        lines.append(
            f"{p['label']:<34}{p['queries']!s:>14}{b['queries']!s:>12}{fmt_ms(p['ms']):>10}"
            f"{fmt_ms(b['ms']):>9}{fmt_ms(ratio):>12}  {flag}".rstrip()
        )
    return lines, problems


def ops_table(small: dict, big: dict, imported: dict | None) -> list[str]:
    head = f"{'operation':<44}{'ms small':>10}{'ms big':>10}{'× baseline':>12}"
    lines = [head, "-" * len(head)]
    base = big["baseline"]["ms"]
    for name, value in big["ops"].items():
        s = small["ops"].get(name)
        if isinstance(value, str):
            lines.append(f"{name:<44}{value}")
            continue
        lines.append(f"{name:<44}{fmt_ms(s):>10}{fmt_ms(value):>10}{value / base:>12.1f}")
    if imported is None:
        lines += ["", "contact import vs pandas: not measured here (--import-rows 0)"]
    else:
        ours, pandas = imported["ours"], imported["pandas"]
        lines += [
            "",
            f"contact import, {imported['rows']:,} rows{'seconds':>19}{'peak MB':>9}{'groups':>9}",
            f"{'  pandas read_csv + groupby (baseline)':<44}{pandas['seconds']:>9.2f}"
            f"{pandas['peak_mb']:>9.0f}{pandas['groups']:>9}",
            f"{'  mysteryshop import (parse + validate)':<44}{ours['seconds']:>9.2f}"
            f"{ours['peak_mb']:>9.0f}{ours['groups']:>9}",
            f"  ratio import / pandas: {ours['seconds'] / pandas['seconds']:.2f}",
        ]
    return lines


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{os.cpu_count()} CPU ({cpu}), load average {load}, Python {platform.python_version()}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=15, help="Timed rounds (median).")
    parser.add_argument("--reuse", action="store_true", help="Keep seeded databases.")
    parser.add_argument("--import-rows", type=int, default=1_000_000)
    parser.add_argument("--write", help="Also write the output as Markdown to this file.")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.repeat)))
        return 0

    output: list[str] = [f"mysteryshop page benchmark — {datetime.now():%Y-%m-%d %H:%M}"]
    output.append(f"machine: {machine()}")
    builds = {}
    for name, seed_args in DATABASES.items():
        if args.reuse and seeded(name):
            print(f"{name}: reused", flush=True)
            continue
        print(f"{name}: seeding ({' '.join(seed_args)}) …", flush=True)
        builds[name] = build(name, seed_args)
        print(f"{name}: seeded in {builds[name]['seed_s']:.0f} s", flush=True)
    print("measuring …", flush=True)
    small = measure_db("bench_small", args.repeat)
    big = measure_db("bench_big", args.repeat)
    print(f"contact import vs pandas ({args.import_rows:,} rows) …", flush=True)
    imported = import_vs_pandas(args.import_rows)

    for name, built in builds.items():
        output += [
            "",
            f"{name}: seed_bench {' '.join(built['args'])} — migrate {built['migrate_s']:.0f} s,"
            f" seed {built['seed_s']:.0f} s",
            *("  " + line for line in built["summary"].splitlines()),
        ]
    output += [
        "",
        f"Pages of program {PROGRAM}: median of {args.repeat} requests (ms, server side, "
        "django.test.Client), SQL queries of one request; × baseline = ms big ÷ baseline ms big.",
        "",
    ]
    lines, problems = table(small, big)
    for name, goal in OP_GOALS_MS.items():
        spent = big["ops"].get(name)
        if isinstance(spent, float) and spent > goal:
            problems.append(f"{name}: {spent / 1000:.0f} s, goal {goal / 1000:.0f} s")
    output += lines
    output += ["", *ops_table(small, big, imported)]
    notes = sorted(set(small.get("notes", []) + big.get("notes", [])))
    if notes:
        output += ["", *notes]
    output += [""]
    if problems:
        output += ["PROBLEMS:", *(f"  {p}" for p in problems)]
    else:
        output += ["Every page answers 200 with the same number of queries at both sizes."]
    text = "\n".join(output)
    print(text)
    if args.write:
        Path(args.write).write_text(
            "# Page benchmark results\n\nOutput of `python bench/pages.py` "
            "(`make bench-pages`), a real run:\n\n```text\n" + text + "\n```\n"
        )
    return 1 if problems else 0


# --- Child: one database, in its own process ----------------------------------------


def bench_users() -> dict:
    """The bench user of each persona role (ROLE_USERS)."""
    from devdata.bench import BENCH_DOMAIN
    from programs.models import User

    return {role: User.objects.get(email=f"{local}@{BENCH_DOMAIN}") for role, local in ROLE_USERS}


def pages_to_measure(program, today) -> tuple[list[tuple[str, str, str]], list[str]]:
    """[(label, url, role)] of the menu's pages and the key detail pages of
    `program`, with the role to sign in as; and notes on pages left out."""
    from django.urls import NoReverseMatch, reverse

    from followup.models import CalibrationSession, SessionKind, SessionStatus
    from programs.months import add_months
    from programs.navigation import MENU
    from sampling.models import ContactImport
    from scoring.models import Shop, ShopState

    current = today.replace(day=1)
    last = add_months(current, -1)
    notes: list[str] = []

    def persona(roles) -> str:
        return next(role for role, _local in ROLE_USERS if role in roles)

    pages = []
    for entry in MENU:
        try:
            url = reverse(entry.url_name, args=[program.code])
        except NoReverseMatch:
            notes.append(f"menu page {entry.url_name}: not part of the product yet")
            continue
        pages.append((entry.url_name, url, persona(entry.roles)))

    draft = (
        Shop.objects.filter(program=program, state=ShopState.DRAFT)
        .order_by("-planned_shop__plan__month", "planned_shop__number")
        .first()
    )
    final = (
        Shop.objects.filter(
            program=program, state=ShopState.FINALIZED, planned_shop__plan__month=last
        )
        .exclude(defects=None)
        .order_by("planned_shop__number")
        .first()
    )
    session = (
        CalibrationSession.objects.filter(
            program=program, kind=SessionKind.MONTHLY, status=SessionStatus.HELD
        )
        .order_by("-held_on")
        .first()
    )
    contacts = ContactImport.objects.filter(program=program, month=last).order_by("-pk").first()
    details = [
        ("home", "home", []),
        ("program_detail", "program_detail", [program.code]),
        ("shop_form (draft)", "shop_form", [program.code, draft.pk] if draft else None),
        ("shop_detail (final)", "shop_detail", [program.code, final.pk] if final else None),
        ("plan_detail (this month)", "plan_detail", [program.code, f"{current:%Y-%m}"]),
        (
            "calibration_detail",
            "calibration_detail",
            [program.code, session.pk] if session else None,
        ),
        ("report_detail (last month)", "report_detail", [program.code, f"{last:%Y-%m}"]),
        ("nonconformity_recap", "nonconformity_recap", [program.code, f"{last:%Y-%m}"]),
        ("contact_data (last month)", "contact_data", [program.code, f"{last:%Y-%m}"]),
        (
            "contact_import_detail",
            "contact_import_detail",
            [program.code, contacts.pk] if contacts else None,
        ),
    ]
    for label, name, url_args in details:
        if url_args is None:
            notes.append(f"{label}: nothing to show")
            continue
        try:
            pages.append((label, reverse(name, args=url_args), "manager"))
        except NoReverseMatch:
            notes.append(f"{label}: not part of the product yet")
    return pages, notes


def child(db: str, repeat: int) -> dict:
    import django

    django.setup()
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.urls import reverse
    from django.utils import timezone

    from programs.models import Program
    from programs.months import add_months
    from reporting.models import MonthlyReport
    from reporting.selectors.reports import monthly_figures
    from sampling import services as sampling
    from sampling.models import ContactImport

    program = Program.objects.get(code=PROGRAM)
    today = timezone.localdate()
    current = today.replace(day=1)
    last = add_months(current, -1)
    users = bench_users()
    pages, notes = pages_to_measure(program, today)
    notes = [f"{note} ({db})" for note in notes]
    big_import = ContactImport.objects.filter(program=program, month=last).order_by("-pk").first()

    queries_dir = OUT_DIR / "queries" / db
    queries_dir.mkdir(parents=True, exist_ok=True)
    clients = {}
    for role, user in users.items():
        clients[role] = Client()
        clients[role].force_login(user)

    results = {}
    with override_settings(ROOT_URLCONF="bench.urls"):
        everything = [("baseline", reverse("bench_baseline"), "manager"), *pages]
        for label, url, role in everything:
            client = clients[role]
            try:
                client.get(url)  # warm-up: templates, caches, connection
                with CaptureQueriesContext(connection) as ctx:
                    response = client.get(url)
                status = response.status_code
            except Exception as exc:  # a page that fails is reported, not fatal
                results[label] = {"status": f"error {type(exc).__name__}", "queries": None}
                continue
            (queries_dir / f"{label}.sql").write_text(
                "\n".join(q["sql"] for q in ctx.captured_queries) + "\n"
            )
            results[label] = {"status": status, "queries": len(ctx.captured_queries), "ms": []}
        for _round in range(repeat):
            for label, url, role in everything:
                if "ms" not in results[label]:
                    continue
                started = time.perf_counter()
                clients[role].get(url)
                results[label]["ms"].append((time.perf_counter() - started) * 1000)

    def summary(label, url, role) -> dict:
        r = results[label]
        return {
            "label": label,
            "url": url,
            "role": role,
            "status": r["status"],
            "queries": r["queries"],
            "ms": statistics.median(r["ms"]) if r.get("ms") else None,
        }

    def timed(fn, n: int) -> float:
        samples = []
        for _i in range(n):
            started = time.perf_counter()
            fn()
            samples.append((time.perf_counter() - started) * 1000)
        return statistics.median(samples)

    ops: dict[str, float | str] = {}
    figures = monthly_figures(program, last)
    ops[f"monthly figures {last:%Y-%m} (selector)"] = timed(
        lambda: monthly_figures(program, last), 5
    )
    report = MonthlyReport.objects.filter(program=program, month=last).first()
    from reporting.services import reports

    try:
        from reporting import documents
    except ImportError:
        documents = None
    for kind, n in (("xlsx", 5), ("pdf", 3)):
        fn = getattr(reports, f"report_{kind}", None) or getattr(documents, f"report_{kind}", None)
        label = f"monthly report {kind.upper()} (from the figures)"
        if fn is None:
            ops[label] = f"TODO: reporting.services.reports.report_{kind} does not exist yet"
        else:
            ops[label] = timed(lambda fn=fn: fn(figures, report), n)

    def plan_once():
        # The plan of a month with no plan, from the last full month's import
        # (moved to the month before it inside a transaction that is rolled back).
        with transaction.atomic():
            target = add_months(current, 2)
            ContactImport.objects.filter(pk=big_import.pk).update(month=add_months(current, 1))
            sampling.plan_generate(program=program, month=target, user=None, seed=7)
            transaction.set_rollback(True)

    def audit_pack_once():
        # Last month's audit pack (every F-31 and F-32 PDF of its shops), built in
        # a transaction that is rolled back, its files in a throw-away folder.
        from reporting.models import AuditPack
        from reporting.services import auditpack

        with (
            tempfile.TemporaryDirectory() as media,
            override_settings(MEDIA_ROOT=media),
            transaction.atomic(),
        ):
            pack = AuditPack.objects.create(program=program, month=last)
            pack = auditpack.audit_pack_build(pack=pack)
            transaction.set_rollback(True)
        if pack.status != "done":
            raise RuntimeError(f"audit pack failed: {pack.error}")

    ops[AUDIT_PACK_OP] = timed(audit_pack_once, 1)
    if big_import is not None:
        ops["plan generation (sampling.services.plan_generate)"] = timed(plan_once, 3)
        notes.append(
            f"plan generation in {db}: from an import of {big_import.row_count:,} contacts"
            f" ({big_import.stats.count():,} counts)"
        )
    return {
        "db": db,
        "baseline": summary("baseline", "", "manager"),
        "pages": [summary(label, url, role) for label, url, role in pages],
        "ops": ops,
        "notes": notes,
    }


if __name__ == "__main__":
    sys.exit(main())
