"""Load test: the app under gunicorn, production settings, PostgreSQL and
Redis, driven by wrk from a second process on loopback with signed-in sessions
rotating over the shop form, the dashboard and the shop list.

    python bench/load.py [--sessions 12] [--connections 16] [--duration 30]
                         [--workers 3] [--write bench/LOAD.md]

Needs the bench_big database seeded (bench/pages.py builds it, or
`manage.py seed_bench --years 3` against it), Redis (db 5 by default,
LOAD_REDIS_URL) and wrk (apt-get install wrk). It:
1. collects the static files (production's manifest storage needs them);
2. opens `--sessions` sessions in the database (Django's SessionStore, as a
   login does) for the bench users of the three bench programs, and lists the
   pages each may open: the dashboard, the shop list and shop forms (a
   shopper's own, or any for the analyst, manager and supervisor);
3. checks every (session, page) pair answers 200;
4. starts gunicorn (DJANGO_ENV=production, `--workers` sync workers, access
   log to var/bench/), runs wrk with bench/load.lua for the mixed rotation and
   then for each page alone, and stops gunicorn;
5. prints throughput, latency percentiles and errors; exit status 1 when any
   answer was not 2xx or a socket error happened.
"""

import argparse
import http.client
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OUT = ROOT / "var" / "bench"
PAGES = ("shop_form", "dashboard", "shop_list")
USERS = [  # session i goes to USERS[i % len(USERS)]
    "manager",
    "shopper1",
    "analyst",
    "shopper2",
    "supervisor1",
    "shopper3",
    "viewer",
    "teamleader1",
    "shopper4",
    "supervisor2",
    "shopper5",
    "shopper6",
]


def env_for(db: str) -> dict:
    pg = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="mysteryshop.settings",
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        SITE_URL="http://127.0.0.1",
        DATABASE_URL=f"{pg}/{db}",
        REDIS_URL=os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/5"),
        STATIC_ROOT=str(OUT / "static"),
        MEDIA_ROOT=str(OUT / db / "media"),
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    return env


# --- Sessions and targets (run in a child with the production settings) -------------


def make_targets(n: int, path: str) -> None:
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.urls import reverse

    from devdata.bench import BENCH_DOMAIN, bench_programs
    from programs.models import Role, User
    from scoring.models import Shop, ShopState

    programs = list(bench_programs().order_by("pk"))
    if not programs:
        raise SystemExit("No bench programs: seed the database first (bench/pages.py).")
    open_states = [ShopState.DRAFT, ShopState.RETURNED, ShopState.SUBMITTED]
    lines = []
    for i in range(n):
        user = User.objects.get(email=f"{USERS[i % len(USERS)]}@{BENCH_DOMAIN}")
        program = programs[i % len(programs)]
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        roles = set(program.memberships.filter(user=user).values_list("role", flat=True))
        shops = Shop.objects.filter(program=program, state__in=open_states).order_by("pk")
        if roles & {Role.MANAGER, Role.QC_ANALYST, Role.SUPERVISOR}:
            forms = list(shops[i : i + 3])
        elif Role.SHOPPER in roles:
            forms = list(shops.filter(shopper=user)[:3])
        else:
            forms = []  # team leaders and viewers do not read shop forms
        urls = [
            *(reverse("shop_form", args=[program.code, s.pk]) for s in forms),
            reverse("dashboard", args=[program.code]),
            reverse("shop_list", args=[program.code]),
        ]
        lines += [f"{session.session_key} {url} {page_of(url)}" for url in urls]
    Path(path).write_text("\n".join(lines) + "\n")


def page_of(url: str) -> str:
    if url.endswith("/form/"):
        return "shop_form"
    if url.endswith("/dashboard/"):
        return "dashboard"
    return "shop_list"


# --- Driver -------------------------------------------------------------------------


def get(port: int, url: str, sid: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", url, headers={"Cookie": f"sessionid={sid}", "X-Forwarded-Proto": "https"})
    status = conn.getresponse().status
    conn.close()
    return status


def wait_up(port: int, proc: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("gunicorn exited; see var/bench/gunicorn-error.log")
        try:
            get(port, "/accounts/login/", "-")
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not answer in time")


def wrk(port: int, targets: Path, args) -> dict:
    cmd = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{args.duration}s",
        "--timeout",
        "10s",
        "-s",
        str(ROOT / "bench" / "load.lua"),
        f"http://127.0.0.1:{port}",
        "--",
        str(targets),
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    shown = [*cmd[:-4], "bench/load.lua", "http://127.0.0.1:PORT", "--", targets.name]
    result["command"] = " ".join(shown)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default="bench_big")
    parser.add_argument("--sessions", type=int, default=12)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--duration", type=int, default=30, help="Seconds of the mixed run.")
    parser.add_argument(
        "--page-duration", type=int, default=15, help="Seconds of each single-page run."
    )
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers.")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--write", help="Write the results as Markdown to this file.")
    parser.add_argument("--make-targets", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make_targets:
        make_targets(int(args.make_targets[0]), args.make_targets[1])
        return 0

    OUT.mkdir(parents=True, exist_ok=True)
    env = env_for(args.db)
    python = sys.executable
    subprocess.run(
        [python, "manage.py", "collectstatic", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    all_targets = OUT / "load-targets.txt"
    subprocess.run(
        [python, __file__, "--make-targets", str(args.sessions), str(all_targets)],
        cwd=ROOT,
        env=env,
        check=True,
    )
    rows = [line.split() for line in all_targets.read_text().splitlines() if line.strip()]
    per_page = {}
    for page in PAGES:
        path = OUT / f"load-targets-{page}.txt"
        path.write_text("".join(f"{sid} {url}\n" for sid, url, p in rows if p == page))
        per_page[page] = path

    gunicorn = Path(python).with_name("gunicorn")
    access_log, error_log = OUT / "gunicorn-access.log", OUT / "gunicorn-error.log"
    for log in (access_log, error_log):
        log.unlink(missing_ok=True)
    proc = subprocess.Popen(
        [
            str(gunicorn),
            "mysteryshop.wsgi:application",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            str(args.workers),
            "--worker-tmp-dir",
            "/dev/shm",
            "--access-logfile",
            str(access_log),
            "--error-logfile",
            str(error_log),
        ],
        cwd=ROOT,
        env=env,
    )
    results = {}
    try:
        wait_up(args.port, proc)
        bad = [(url, s) for sid, url, _p in rows if (s := get(args.port, url, sid)) != 200]
        if bad:
            raise SystemExit(f"pages not answering 200 before the load: {bad[:5]}")
        print(f"{len(rows)} targets answer 200; mixed run of {args.duration} s …", flush=True)
        results[f"mixed, {args.connections} connections"] = wrk(args.port, all_targets, args)
        # As many connections as workers: the latency of a request without the queue.
        saturating = args.connections
        args.connections = args.workers
        print(f"mixed, {args.connections} connections, {args.duration} s …", flush=True)
        results[f"mixed, {args.connections} connections"] = wrk(args.port, all_targets, args)
        args.connections = saturating
        mixed = args.duration
        args.duration = args.page_duration
        for page, path in per_page.items():
            print(f"{page} alone, {args.duration} s …", flush=True)
            results[f"{page} alone, {args.connections} connections"] = wrk(args.port, path, args)
        args.duration = mixed
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)

    # The server's own count, as a cross-check of wrk's.
    lines = access_log.read_text().splitlines()
    statuses = Counter(line.split('"')[2].split()[0] for line in lines)
    counted = ", ".join(f"{n} × {status}" for status, n in sorted(statuses.items()))
    text = report(args, rows, results) + f"\n\ngunicorn's access log (checks and load): {counted}."
    print(text)
    if args.write:
        Path(args.write).write_text(text + "\n")
    failed = any(
        r["non2xx"] or r["connect_errors"] or r["read_errors"] or r["timeouts"]
        for r in results.values()
    )
    return 1 if failed else 0


def report(args, rows, results) -> str:
    from bench.pages import machine

    sessions = len({sid for sid, _url, _p in rows})
    pages = {p: sum(1 for _s, _u, q in rows if q == p) for p in PAGES}
    lines = [
        "# Load test results",
        "",
        f"Run of `python bench/load.py` on {datetime.now():%Y-%m-%d %H:%M}; machine: {machine()}"
        " (a load average above the CPU count means other work shared the machine, and "
        "wrk itself runs on it too).",
        "",
        f"- App: gunicorn, {args.workers} sync workers, DJANGO_ENV=production "
        "(DEBUG off, manifest static files, secure cookies; requests carry "
        "X-Forwarded-Proto: https as behind the TLS proxy), PostgreSQL database "
        f"`{args.db}` (seed_bench --years 3), Redis cache and broker (db 5), "
        "DB_CONN_MAX_AGE at its default (0).",
        f"- Load: wrk from a second process on loopback, {args.threads} threads, "
        f"{args.connections} connections, script bench/load.lua; {sessions} signed-in "
        f"sessions of {len(set(USERS[: args.sessions]))} bench users over the three "
        f"bench programs, rotating over {len(rows)} (session, page) pairs: "
        + ", ".join(f"{n} {p}" for p, n in pages.items())
        + ".",
        "- Errors: every answer that is not 2xx counts (redirects included), plus "
        "socket errors and timeouts (10 s).",
        "",
        "| run | seconds | requests | req/s | p50 ms | p95 ms | p99 ms | max ms | non-2xx "
        "| socket errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in results.items():
        errors = r["connect_errors"] + r["read_errors"] + r["write_errors"] + r["timeouts"]
        lines.append(
            f"| {name} | {r['seconds']:.0f} | {r['requests']} | {r['rps']:.1f} "
            f"| {r['p50_ms']:.0f} | {r['p95_ms']:.0f} | {r['p99_ms']:.0f} | {r['max_ms']:.0f} "
            f"| {r['non2xx']} | {errors} |"
        )
    lines += [
        "",
        "Latency is wrk's, from sending the request to the last byte, queueing for a "
        "free worker included: sync workers take one request at a time, so with "
        f"{args.connections} connections and {args.workers} workers most of it is the wait; "
        f"the run with {args.workers} connections shows a request's own time.",
        "",
        "Commands:",
        "",
        "```text",
        *(r["command"] for r in results.values()),
        "```",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
