"""The whole contact import vs a pandas baseline, same machine, same run.

    python bench/import_bench.py [--rows 1000000] [--xlsx-rows 100000]

Generates a realistic month (devdata.exports: the day curve, Indonesian
labels, a status column, reasons spelled three ways), then times, each in a
fresh process so that peak memory is its own:

- the import as the user waits for it: services.contact_import_process on the
  stored upload: parse, validate every row (all or nothing), aggregate to
  reason × category × channel × weekday × hour × area, store the counts
  (PostgreSQL COPY when DATABASE_URL points at PostgreSQL, else the ORM);
  the program's mappings of the export's labels are made first, through the
  mapping service, on a small file of the same export;
- pandas: read_csv + to_datetime + tz convert + the same groupby (no
  validation, nothing stored).

Goals: the import takes at most 0.5 × the baseline and peaks under 300 MB.
Also timed (no goal): a day-first, semicolon, Windows-1252 file of the same
month, and a workbook of --xlsx-rows rows. Exits 1 when a goal is missed.
The import runs against a database of its own (test_<name>, emptied at each
run and kept between runs), named in the output, and commits as in production.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MONTH = date(2026, 10, 1)
RATIO_GOAL = 0.5
PEAK_GOAL_MB = 300


def _django(media: str):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysteryshop.settings")
    os.environ["MEDIA_ROOT"] = media
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    settings.MEDIA_ROOT = media
    settings.CELERY_TASK_ALWAYS_EAGER = False
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=True)
    return f"{connection.vendor} {name}"


def run_setup(path: str, media: str) -> dict:
    """The program, its mappings (made once by an analyst, on a small file of the
    same export) and the stored upload, waiting for a worker."""
    database = _django(media)
    from django.core.files import File
    from django.core.management import call_command
    from django.db import transaction

    from devdata import exports as export_data
    from programs.models import Organization, User
    from programs.services.setup import preset_load
    from sampling import services
    from sampling.models import ContactImport
    from sampling.services import mappings

    call_command("flush", interactive=False, verbosity=0)  # the bench's own database
    org = Organization.objects.create(name="Bench import")
    program = preset_load(key="pegadaian", organization=org, code="BENCHIMP")
    user = User.objects.create_user(email="bench-import@example.com", password=None)

    def stored(source: Path) -> ContactImport:
        record = ContactImport(
            program=program, month=MONTH, original_name=source.name, uploaded_by=user
        )
        with source.open("rb") as fh:
            record.file.save(source.name, File(fh), save=False)
        record.save()
        return record

    small = Path(media).parent / "small.csv"
    items = export_data.contacts(export_data.profile_of(program), MONTH, 2000)
    export_data.write(small, items, "iso")
    first = services.contact_import_process(import_id=stored(small).pk)
    choices = [
        mappings.MappingChoice(u.kind, u.value, u.qualifier, u.suggested or "ignore")
        for u in mappings.unknown_values(first)
    ]
    with transaction.atomic():
        mappings.import_mappings_apply(record=first, choices=choices, user=user)
    warm = stored(small).pk  # a worker is long-lived: the timed import is not its first
    return {"database": database, "import_id": f"{warm},{stored(Path(path)).pk}"}


def run_ours(import_ids: str, media: str) -> dict:
    """The import as a worker runs it: in a worker process of its own that has
    run one small import before (translations loaded, connection open),
    committed, so the store's cost is all there."""
    import resource

    _django(media)
    from sampling import services
    from sampling.models import ImportStatus

    warm, import_id = import_ids.split(",")
    services.contact_import_process(import_id=int(warm))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    record = services.contact_import_process(import_id=int(import_id))
    seconds = time.perf_counter() - start
    assert record.status == ImportStatus.SUCCEEDED, (record.message, record.error_groups)
    return {
        "before_mb": before,
        "seconds": seconds,
        "rows": record.row_count,
        "groups": record.stats.count(),
        "format": record.timestamp_format,
    }


def run_import(path: Path, media: str) -> dict:
    setup = measure("setup", path, media)
    result = measure("ours", setup["import_id"], media)
    return {**result, "database": setup["database"]}


def run_pandas(path: str, media: str) -> dict:
    import pandas as pd

    start = time.perf_counter()
    df = pd.read_csv(path, dtype=str)
    df.columns = ["timestamp", "channel", "reason", "category", "status", "area"]
    local = pd.to_datetime(df["timestamp"], utc=True, format="ISO8601").dt.tz_convert(
        "Asia/Jakarta"
    )
    df["weekday"] = local.dt.weekday + 1
    df["hour"] = local.dt.hour
    groups = df.groupby(["reason", "category", "channel", "weekday", "hour", "area"]).size()
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "rows": len(df), "groups": len(groups)}


def child(which: str, path: str, media: str) -> None:
    import resource

    result = {"setup": run_setup, "ours": run_ours, "pandas": run_pandas}[which](path, media)
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def measure(which: str, path, media: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", which, str(path), media],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    if out.returncode:
        sys.stderr.write(out.stderr[-4000:])
        raise SystemExit(f"the {which} run failed")
    return json.loads(out.stdout.strip().splitlines()[-1])


def generate(folder: Path, rows: int, style: str) -> Path:
    """`rows` contacts of the benchmark month as `style` exports them."""
    from devdata import exports as export_data

    profile = export_data.Profile(
        time_zone="Asia/Jakarta",
        reasons=_pegadaian_reasons(),
        channels=[
            ("inbound", "Inbound"),
            ("outbound", "Outbound"),
            ("digital-chat", "Chat"),
            ("digital-email", "E-mail"),
        ],
        extra_channel=False,
    )
    suffix = ".xlsx" if style.startswith("xlsx") else ".csv"
    path = folder / f"contacts-{style}-{rows}{suffix}"
    export_data.write(path, export_data.contacts(profile, MONTH, rows), style)
    return path


def _pegadaian_reasons() -> list[tuple[str, str]]:
    from programs.presets import PRESETS

    return [(name, category) for name, category, *_rest in PRESETS["pegadaian"]["reasons"]]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=100_000)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        media = str(folder / "media")
        started = time.perf_counter()
        path = generate(folder, args.rows, "iso")
        size = path.stat().st_size / 1e6
        print(
            f"generated {args.rows:,} rows ({size:.0f} MB) in "
            f"{time.perf_counter() - started:.1f} s"
        )
        baseline = measure("pandas", path, media)
        ours = run_import(path, media)
        excel = run_import(generate(folder, args.rows, "excel"), media)
        xlsx = run_import(generate(folder, args.xlsx_rows, "xlsx"), media)
    print(f"database: {ours['database']}")
    print(f"worker process before the import: {ours['before_mb']:.0f} MB")
    print(f"{'':44}{'seconds':>9}{'peak MB':>9}{'groups':>9}")
    for label, r in [
        ("pandas read_csv + to_datetime + groupby", baseline),
        ("mysteryshop import, ISO CSV (whole)", ours),
        ("mysteryshop import, dd/mm/yyyy ; cp1252", excel),
        (f"mysteryshop import, XLSX {args.xlsx_rows:,} rows", xlsx),
    ]:
        print(f"{label:44}{r['seconds']:9.2f}{r['peak_mb']:9.0f}{r['groups']:9}")
    ratio = ours["seconds"] / baseline["seconds"]
    print(f"ratio import / pandas: {ratio:.2f} (goal ≤ {RATIO_GOAL})")
    problems = []
    if ratio > RATIO_GOAL:
        problems.append(f"the import takes {ratio:.2f} × pandas, more than {RATIO_GOAL}")
    for label, r in [("ISO CSV", ours), ("day-first CSV", excel), ("XLSX", xlsx)]:
        if r["peak_mb"] >= PEAK_GOAL_MB:
            problems.append(f"{label} import peaked at {r['peak_mb']:.0f} MB (goal < 300)")
    for problem in problems:
        print(f"MISSED: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
