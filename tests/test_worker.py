"""A real Celery worker process against the configured broker and database."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from mysteryshop.celery import app as celery_app
from mysteryshop.models import WorkerHeartbeat
from mysteryshop.tasks import record_heartbeat

ROOT = Path(__file__).resolve().parent.parent


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def real_worker():
    """Start `celery worker` on a queue of its own; stop it after the test."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DATABASE_URL": _database_url()}
    if settings.REDIS_URL:
        env["REDIS_URL"] = settings.REDIS_URL
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "mysteryshop",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "-Q",
            queue,
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    celery_app.conf.task_always_eager = False
    try:
        yield queue
    finally:
        celery_app.conf.task_always_eager = True
        proc.terminate()
        try:
            out, _ = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
        print(out[-3000:])


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_a_task_against_the_broker(real_worker):
    marker = f"ci-{uuid.uuid4().hex[:8]}"
    record_heartbeat.apply_async(kwargs={"worker": marker}, queue=real_worker)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if WorkerHeartbeat.objects.filter(worker=marker).exists():
            break
        time.sleep(0.25)
    else:
        pytest.fail(f"the worker never ran the task (broker {settings.CELERY_BROKER_URL})")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_worker_and_beat_deliver_a_reminder_email_end_to_end(pgd, member, tmp_path):
    """Beat schedules the sweep and the delivery; the worker runs them against
    the configured broker; the e-mail lands in the file backend."""
    from datetime import timedelta

    from django.utils import timezone

    from followup.models import Defect
    from tests.test_followup import _finalize

    shop, _analyst, agent = _finalize(pgd, member, fail=[5])
    Defect.objects.filter(shop=shop).update(due_on=timezone.localdate() - timedelta(days=3))
    queue = f"test-{uuid.uuid4().hex[:8]}"
    mail_dir = tmp_path / "mail"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "CELERY_QUEUE": queue,
        "EMAIL_FILE_PATH": str(mail_dir),
        "REMINDER_SWEEP_SECONDS": "2",
        "NOTIFICATION_DELIVERY_SECONDS": "2",
        "HEARTBEAT_INTERVAL_SECONDS": "3600",
    }
    env.pop("EMAIL_URL", None)
    if settings.REDIS_URL:
        env["REDIS_URL"] = settings.REDIS_URL
    base = [sys.executable, "-m", "celery", "-A", "mysteryshop"]
    procs = [
        subprocess.Popen(
            [
                *base,
                "worker",
                "--pool=solo",
                "-Q",
                queue,
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        ),
        subprocess.Popen(
            [*base, "beat", "--loglevel=INFO", "--schedule", str(tmp_path / "beat-schedule")],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        ),
    ]
    try:
        deadline = time.monotonic() + 90
        found = []
        while time.monotonic() < deadline and not found:
            time.sleep(1)
            files = list(mail_dir.glob("*.log")) if mail_dir.exists() else []
            found = [f for f in files if agent.team.team_leader.email in f.read_text()]
        assert found, f"no reminder e-mail arrived (broker {settings.CELERY_BROKER_URL})"
        assert "Defect to acknowledge" in found[0].read_text()
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                out, _ = proc.communicate(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                out, _ = proc.communicate()
            print(out[-2000:])
