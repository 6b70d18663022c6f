"""The agents import at 10,000 agents, as the worker runs it.

    python bench/people_import_bench.py [--agents 10000] [--bad 40] [--goal 30]

Generates a realistic agents file — Indonesian names, 5 areas, 50 teams
(named on their first row only, as exports come), skills, the program's
channel codes, start and end dates, Windows-style CSV with `;` and a BOM as
Excel in an Indonesian locale saves it — with `--bad` bad rows (a missing
name, an unknown team, a date written 31/01/2024, a duplicate employee id, an
unknown channel), and times `programs.services.people.agent_import_process`
on the stored upload, four times:

1. the file with its bad rows: refused whole, every bad row listed;
2. the same file corrected: 10,000 agents, 50 teams and 5 areas created;
3. the corrected file again with a tenth of the agents moved to another team:
   updates only those;
4. the file with every agent moved: 10,000 updates.

Exits 1 when an import takes --goal seconds (30) or more, or does not do what
it should. Runs against a database of its own (test_<name>, emptied at each
run and kept between runs), named in the output, and commits as in production.
"""

import argparse
import codecs
import csv
import io
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FIRST = [
    "Siti",
    "Dewi",
    "Ayu",
    "Putri",
    "Rina",
    "Sri",
    "Wulan",
    "Indah",
    "Fitri",
    "Nur",
    "Lestari",
    "Ratna",
    "Yuni",
    "Dian",
    "Maya",
    "Budi",
    "Agus",
    "Andi",
    "Rudi",
    "Joko",
    "Eko",
    "Dedi",
    "Hendra",
    "Bambang",
    "Rizky",
    "Fajar",
    "Arif",
    "Teguh",
    "Wahyu",
    "Yusuf",
]
LAST = [
    "Rahayu",
    "Santoso",
    "Wijaya",
    "Kusuma",
    "Hidayat",
    "Saputra",
    "Pratama",
    "Nugroho",
    "Setiawan",
    "Lestari",
    "Siregar",
    "Nasution",
    "Simanjuntak",
    "Harahap",
    "Hasibuan",
    "Sembiring",
    "Wibowo",
    "Susanto",
    "Purnomo",
    "Halim",
    "Gunawan",
    "Hakim",
    "Syahputra",
    "Permana",
    "Ramadhan",
    "Kurniawan",
    "Firmansyah",
    "Utami",
    "Anggraini",
    "Maharani",
]
AREAS = [
    ("jkt", "Jakarta"),
    ("bdg", "Bandung"),
    ("sby", "Surabaya"),
    ("mdn", "Medan"),
    ("mks", "Makassar"),
]
SKILLS = ["gadai", "emas", "kredit", "tabungan emas", "cicilan", "pelunasan", "lelang"]


def _django(media: str) -> str:
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


def agents_file(n: int, bad: int, channels: list[str], *, seed: int, moved: float = 0.0):
    """The CSV (bytes) of `n` agents, `bad` of them wrong; and the bad rows' numbers."""
    rng = random.Random(seed)
    mover = random.Random(seed + 1)  # apart, so the other values stay those of `seed`
    teams = [
        (f"tim-{area}-{i:02d}", f"Tim {name} {i:02d}", area, name)
        for area, name in AREAS
        for i in range(1, 11)
    ]
    named = set()
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        [
            "employee_id",
            "name",
            "team_code",
            "team_name",
            "area_code",
            "area_name",
            "skills",
            "channels",
            "active_from",
            "active_to",
        ]
    )
    bad_rows = set(rng.sample(range(3, n + 2), bad)) if bad else set()
    for i in range(n):
        row_number = i + 2
        team, team_name, area, area_name = teams[i % len(teams)]
        if moved and mover.random() < moved:
            team, team_name, area, area_name = teams[(i + 1) % len(teams)]
        first_of_team = team not in named
        named.add(team)
        row = [
            f"PGD{i + 1:06d}",
            f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            team,
            team_name if first_of_team else "",
            area if first_of_team else "",
            area_name if first_of_team else "",
            ", ".join(rng.sample(SKILLS, rng.randint(1, 3))),
            ";".join(rng.sample(channels, rng.randint(1, min(2, len(channels))))),
            f"20{rng.randint(18, 25)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "2026-12-31" if rng.random() < 0.05 else "",
        ]
        if row_number in bad_rows:
            kind = row_number % 5
            if kind == 0:
                row[1] = ""  # no name
            elif kind == 1:
                row[2], row[3] = "tim-tidak-ada", ""  # unknown team
            elif kind == 2:
                row[8] = "31/01/2024"  # not YYYY-MM-DD
            elif kind == 3:
                row[0] = "PGD000001"  # the first agent's id again
            else:
                row[7] = "telepon"  # no such channel
        writer.writerow(row)
    # Channels inside a `;` file are quoted by the writer (they hold `;`).
    return codecs.BOM_UTF8 + out.getvalue().encode("utf-8"), bad_rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agents", type=int, default=10_000)
    parser.add_argument("--bad", type=int, default=40)
    parser.add_argument("--goal", type=float, default=30.0)
    args = parser.parse_args()

    media = tempfile.mkdtemp(prefix="people-bench-")
    database = _django(media)
    from django.core.files.base import ContentFile
    from django.core.management import call_command

    from programs.importer import ImportResult
    from programs.models import Agent, AgentImport, Organization, Team, User
    from programs.services.people import agent_import_process
    from programs.services.setup import preset_load

    call_command("flush", interactive=False, verbosity=0)  # the bench's own database
    org = Organization.objects.create(name="Bench people")
    program = preset_load(key="pegadaian", organization=org, code="BENCHPPL")
    user = User.objects.create_user(email="bench-people@example.com", password=None)
    channels = list(program.channels.order_by("code").values_list("code", flat=True))

    def timed(label: str, content: bytes) -> tuple[float, ImportResult]:
        record = AgentImport(program=program, original_name="agen.csv", uploaded_by=user)
        record.file.save("agen.csv", ContentFile(content), save=False)
        record.save()
        started = time.perf_counter()
        record = agent_import_process(import_id=record.pk)
        seconds = time.perf_counter() - started
        result = ImportResult.from_json(record.result)
        print(
            f"{label:<34} {seconds:6.2f} s  {len(content) / 1e6:5.2f} MB  {record.status}: "
            f"created {result.agents_created}, updated {result.agents_updated}, "
            f"unchanged {result.agents_unchanged}, teams {result.teams_created}, "
            f"areas {result.areas_created}, errors {result.error_count}"
        )
        return seconds, result

    print(f"database: {database}; {args.agents:,} agents, goal < {args.goal:.0f} s each")
    failures = []
    with_bad, bad_rows = agents_file(args.agents, args.bad, channels, seed=1)
    seconds, result = timed("1. with bad rows (refused whole)", with_bad)
    if result.ok or not bad_rows <= {e.row for e in result.errors} or Agent.objects.exists():
        failures.append("the bad rows were not all listed, or something was saved")
    times = [seconds]

    good, _none = agents_file(args.agents, 0, channels, seed=1)
    seconds, result = timed("2. corrected (all new)", good)
    times.append(seconds)
    if not result.ok or Agent.objects.filter(program=program).count() != args.agents:
        failures.append(f"the corrected file did not create {args.agents} agents")
    if Team.objects.filter(program=program).count() != 50:
        failures.append("the corrected file did not create the 50 teams")
    history = Agent.history.filter(program_id=program.pk).count()
    if history != args.agents:
        failures.append(f"{history} history records for {args.agents} new agents")

    moved, _none = agents_file(args.agents, 0, channels, seed=1, moved=0.1)
    seconds, result = timed("3. a tenth moved (updates)", moved)
    times.append(seconds)
    if not result.ok or not 0 < result.agents_updated < args.agents // 5:
        failures.append("the moved agents were not updated alone")

    every, _none = agents_file(args.agents, 0, channels, seed=1, moved=1.0)
    seconds, result = timed("4. every agent moved (updates)", every)
    times.append(seconds)
    # Those moved in 3. are where they were asked to be already.
    if not result.ok or result.agents_updated + result.agents_unchanged != args.agents:
        failures.append("the agents moved were not all updated")

    slow = [t for t in times if t >= args.goal]
    if slow:
        failures.append(f"{len(slow)} import(s) took {args.goal:.0f} s or more")
    for failure in failures:
        print(f"FAIL: {failure}")
    print("OK" if not failures else "FAILED")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
