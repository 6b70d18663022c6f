"""Fault tests (issue 9): the broker away, the database restarted, a worker killed.

Each test brings its own pieces so that nothing shared is disturbed (other
tests run at the same time against the shared PostgreSQL and Redis):

- a private Redis (redis-server on a Unix socket) as the broker, stopped and
  started at will;
- a private PostgreSQL cluster (initdb in a temporary folder, a Unix socket)
  for the restart test, with gunicorn serving the app from it (a Unix socket);
- real Celery workers on the private Redis, killed with SIGKILL.

Everything started here is stopped and removed in `finally` blocks, whatever
happens. Marked `fault`; the worker tests are marked `worker` too.
"""

import contextlib
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import kombu.pools
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from mysteryshop.celery import app as celery_app
from programs.models import Role
from sampling import services as sampling_services
from sampling.models import ContactImport, ContactStat, ImportStatus
from sampling.tasks import sweep_waiting_imports
from tests.test_worker import _database_url

ROOT = Path(__file__).resolve().parent.parent
REDIS_SERVER = shutil.which("redis-server")
PG_BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)), None)
OCT = date(2026, 10, 1)

pytestmark = pytest.mark.fault
needs_redis = pytest.mark.skipif(
    not REDIS_SERVER, reason="redis-server is not installed (apt-get install redis-server)"
)


def wait_for(condition, timeout: float, what: str, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")


def stop_process(proc: subprocess.Popen | None, grace: float = 10) -> None:
    """Stop a process this module started, and its children (its own session)."""
    if proc is None or proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


# --- A private Redis and the Celery app pointed at it ---------------------------------


class PrivateRedis:
    """redis-server on a Unix socket of its own (no port to clash with a parallel
    test run); `stop()` is the outage."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.socket = folder / "redis.sock"
        self.url = f"redis+socket://{self.socket}"
        self.proc: subprocess.Popen | None = None

    def client(self):
        import redis

        return redis.Redis(unix_socket_path=str(self.socket), socket_connect_timeout=1)

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                REDIS_SERVER,
                *("--port", "0", "--unixsocket", str(self.socket), "--unixsocketperm", "700"),
                *("--save", "", "--appendonly", "no", "--dir", str(self.folder)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_for(self.ping, 20, f"redis-server on {self.socket}")

    def ping(self) -> bool:
        import redis

        try:
            return self.client().ping()
        except redis.exceptions.ConnectionError:
            return False

    def queued(self, queue: str = "celery") -> int:
        return self.client().llen(queue)

    def stop(self) -> None:
        stop_process(self.proc)
        self.proc = None


@pytest.fixture
def private_redis():
    if not REDIS_SERVER:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    folder = Path(tempfile.mkdtemp(prefix="trust-redis-"))  # short: a socket path
    server = PrivateRedis(folder)
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def broker(url: str):
    """Send tasks to `url` for real (not eagerly) inside the block."""
    conf = celery_app.conf
    saved = conf.broker_url, conf.task_always_eager

    def reset_pools():
        # Close the pools *and* empty kombu's registry of them: a pool closed
        # but left registered is handed out again for the same broker URL
        # ("Acquire on closed pool" in the next test that sends a task).
        kombu.pools.reset()
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    conf.broker_url, conf.task_always_eager = url, False
    reset_pools()
    try:
        yield
    finally:
        conf.broker_url, conf.task_always_eager = saved
        reset_pools()


@dataclass
class Worker:
    proc: subprocess.Popen
    log: Path

    def pool_children(self) -> list[int]:
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        return [int(pid) for pid in path.read_text().split()] if path.exists() else []

    def tail(self) -> str:
        return self.log.read_text()[-3000:] if self.log.exists() else ""


@pytest.fixture
def start_worker(tmp_path):
    """start_worker(broker_url, pool=...) runs `celery worker` against the test
    database; every worker started is killed at the end of the test."""
    workers: list[Worker] = []

    def start(broker_url: str, *, pool: str = "solo", **env_vars) -> Worker:
        env = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "CELERY_BROKER_URL": broker_url,
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "HEARTBEAT_INTERVAL_SECONDS": "3600",
            **env_vars,
        }
        env.pop("CELERY_TASK_ALWAYS_EAGER", None)
        if "EMAIL_FILE_PATH" in env_vars:
            env.pop("EMAIL_URL", None)
        log = tmp_path / f"worker-{len(workers)}.log"
        with log.open("w") as out:
            proc = subprocess.Popen(
                [
                    *(sys.executable, "-m", "celery", "-A", "mysteryshop", "worker"),
                    *(f"--pool={pool}", "--concurrency=1", "--loglevel=INFO"),
                    *("--without-heartbeat", "--without-gossip", "--without-mingle"),
                ],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        worker = Worker(proc, log)
        workers.append(worker)
        return worker

    try:
        yield start
    finally:
        for worker in workers:
            stop_process(worker.proc)
            print(f"--- {worker.log.name} ---\n{worker.tail()}")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


CSV = (
    "timestamp,channel,reason,category\n"
    "2026-10-01T08:15:00+07:00,inbound,Informasi produk gadai,information\n"
    "2026-10-02T09:15:00+07:00,inbound,Perpanjangan gadai,request\n"
)


# --- a. The broker away: uploads answer, the work waits, the sweep sends it later ------


@needs_redis
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_broker_outage_leaves_uploads_waiting_until_the_sweep_sends_them(
    client, pgd, member, media, private_redis, start_worker
):
    client.force_login(member(pgd, Role.QC_ANALYST))
    with broker(private_redis.url):  # nothing listens on its port yet: the broker is down
        started = time.monotonic()
        response = client.post(
            reverse("contact_import_list", args=[pgd.code]),
            {"month": "2026-10", "file": SimpleUploadedFile("oct.csv", CSV.encode())},
        )
        assert time.monotonic() - started < 15, "the upload hung on the dead broker"
        assert response.status_code == 302
        record = ContactImport.objects.get()
        assert record.status == ImportStatus.PENDING  # kept, waiting
        assert client.get(response["Location"]).status_code == 200
        health = client.get("/healthz")
        assert health.status_code == 503 and health.json()["checks"]["broker"]["ok"] is False

        # The sweep during the outage: nothing lost, nothing broken.
        ContactImport.objects.update(created_at=timezone.now() - timedelta(minutes=2))
        assert sweep_waiting_imports() == 1
        assert ContactImport.objects.get().status == ImportStatus.PENDING

        private_redis.start()  # the broker is back
        assert sweep_waiting_imports() == 1
        assert private_redis.queued() == 1, "the sweep queued the import again"
        start_worker(private_redis.url)
        wait_for(
            lambda: ContactImport.objects.get().status == ImportStatus.SUCCEEDED,
            90,
            "the worker to run the import queued by the sweep",
        )
    record = ContactImport.objects.get()
    assert record.row_count == 2
    assert sum(ContactStat.objects.filter(contact_import=record).values_list("count", flat=True))
    assert private_redis.queued() == 0


# --- d. Reminders wait out the broker and go once it is back ---------------------------


@needs_redis
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_reminders_pending_during_a_broker_outage_are_delivered_once_it_is_back(
    pgd, member, private_redis, start_worker, tmp_path
):
    from kombu.exceptions import OperationalError

    from notifications import services as notifications
    from notifications.models import EmailStatus, Notification
    from notifications.tasks import deliver_notifications

    users = [member(pgd, Role.SUPERVISOR, email=f"spv{i}@example.com") for i in range(3)]
    for user in users:
        notifications.notify(
            user=user,
            kind=Notification._meta.get_field("kind").choices[0][0],
            occasion="fault-test",
            program=pgd,
            message=lambda u: ("Reminder", "Body"),
        )
    with broker(private_redis.url):
        with pytest.raises(OperationalError):  # what beat meets while the broker is down
            deliver_notifications.delay()
        pending = Notification.objects.filter(email_status=EmailStatus.PENDING)
        assert pending.count() == 3, "an outage loses no reminder"

        private_redis.start()
        mail = tmp_path / "mail"
        start_worker(private_redis.url, EMAIL_FILE_PATH=str(mail))
        deliver_notifications.delay()  # beat's next tick
        wait_for(
            lambda: Notification.objects.filter(email_status=EmailStatus.SENT).count() == 3,
            90,
            "the reminders to be e-mailed",
        )
        deliver_notifications.delay()  # a later tick sends nothing twice
        time.sleep(1)
        wait_for(lambda: private_redis.queued() == 0, 30, "the second tick to be done")
    texts = [f.read_text() for f in mail.glob("*.log")]
    for user in users:
        assert sum(user.email in t for t in texts) == 1, f"one e-mail to {user.email}"


# --- c. A worker killed in the middle of an import ---------------------------------------

ROWS, GROUPS = 120_000, 60_000  # every reason distinct per group: a long write


def big_file() -> bytes:
    lines = ["timestamp,channel,reason,category"]
    lines += [f"2026-10-01 08:00,inbound,R{i % GROUPS:06d},information" for i in range(ROWS)]
    return ("\n".join(lines) + "\n").encode()


def write_in_progress(import_id: int) -> bool:
    """On PostgreSQL: another session holds an open transaction that wrote
    contact counts. On SQLite: the import has reached its write (progress 80)."""
    progress = ContactImport.objects.filter(pk=import_id).values_list("progress", flat=True)[0]
    if progress < 80:
        return False
    if connection.vendor != "postgresql":
        time.sleep(0.2)
        return True
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL "
            "AND query ILIKE %s",
            ["%sampling_contactstat%"],
        )
        return cursor.fetchone()[0] > 0


def start_big_import(pgd, member) -> ContactImport:
    upload = SimpleUploadedFile("big.csv", big_file())
    return sampling_services.contact_import_start(
        program=pgd, month=OCT, upload=upload, user=member(pgd, Role.QC_ANALYST)
    )


def assert_complete(record: ContactImport) -> None:
    record.refresh_from_db()
    stats = ContactStat.objects.filter(contact_import=record)
    assert record.status == ImportStatus.SUCCEEDED, record.message
    assert stats.count() == GROUPS and record.row_count == ROWS
    assert sum(stats.values_list("count", flat=True)) == ROWS, "each row counted once"


@needs_redis
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_pool_process_killed_mid_write_is_retried_to_completion(
    pgd, member, media, private_redis, start_worker
):
    """The production worker (prefork): its pool process dies (OOM killer,
    kill -9) while writing; the message goes back to the queue (acks_late +
    reject_on_worker_lost) and the import runs again, whole."""
    private_redis.start()
    with broker(private_redis.url):
        worker = start_worker(private_redis.url, pool="prefork")
        record = start_big_import(pgd, member)
        wait_for(lambda: write_in_progress(record.pk), 120, "the import to start writing")
        children = worker.pool_children()
        assert len(children) == 1, children
        os.kill(children[0], signal.SIGKILL)
        record.refresh_from_db()
        assert record.status == ImportStatus.RUNNING, "killed before its commit"
        assert not ContactStat.objects.filter(contact_import=record).exists()
        wait_for(
            lambda: ContactImport.objects.get(pk=record.pk).is_finished,
            120,
            "the import to be retried",
            interval=0.25,
        )
    assert "WorkerLostError" in worker.tail() or "SIGKILL" in worker.tail()
    assert_complete(record)


@needs_redis
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_write_leaves_nothing_and_the_sweep_finishes_it(
    pgd, member, media, private_redis, start_worker
):
    """The whole worker dies (its machine, kill -9): the message stays unacknowledged
    in Redis for the visibility timeout (1 h) and the import shows "running". After
    30 minutes the sweep queues it again, and it runs whole."""
    private_redis.start()
    with broker(private_redis.url):
        worker = start_worker(private_redis.url, pool="solo")
        record = start_big_import(pgd, member)
        wait_for(lambda: write_in_progress(record.pk), 120, "the import to start writing")
        os.killpg(worker.proc.pid, signal.SIGKILL)
        worker.proc.wait(timeout=10)
        time.sleep(0.5)
        record.refresh_from_db()
        assert record.status == ImportStatus.RUNNING
        assert not ContactStat.objects.filter(contact_import=record).exists(), "half-applied"

        # Within 30 minutes the sweep leaves a running import alone…
        assert sweep_waiting_imports() == 0
        assert private_redis.queued() == 0
        # …after them it queues it again, and a worker runs it.
        ContactImport.objects.filter(pk=record.pk).update(
            started_at=timezone.now() - timedelta(minutes=31)
        )
        assert sweep_waiting_imports() == 1
        start_worker(private_redis.url, pool="solo")
        wait_for(
            lambda: ContactImport.objects.get(pk=record.pk).is_finished,
            120,
            "the import queued by the sweep",
            interval=0.25,
        )
    assert_complete(record)


# --- b. PostgreSQL restarted under a running app ------------------------------------------


class PrivatePostgres:
    """A PostgreSQL cluster of our own, on a Unix socket in its folder only (no
    port to clash with a parallel test run). initdb refuses root: run as postgres."""

    port = 5432  # names the socket file; no TCP

    def __init__(self, folder: Path):
        self.folder = folder
        self.data = folder / "data"
        self.as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def _run(self, *args: str, check=True, timeout=120) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*self.as_owner, *args], capture_output=True, text=True, check=check, timeout=timeout
        )

    def init(self) -> None:
        if self.as_owner:
            shutil.chown(self.folder, user="postgres")
        self._run(
            str(PG_BIN / "initdb"),
            "-D",
            str(self.data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            "-E",
            "UTF8",
        )

    def ctl(self, action: str, *extra: str) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses='' -c fsync=off"
        self._run(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.folder / "server.log"),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            *extra,
            action,
        )

    def url(self, name: str = "mysteryshop") -> str:
        return f"postgres://postgres@/{name}?host={self.folder}&port={self.port}"

    def destroy(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run(
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(self.data),
                "-m",
                "immediate",
                "-w",
                "stop",
                check=False,
            )
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def private_postgres(request):
    """A private cluster holding a copy of the migrated test database's schema."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL): the restart is PostgreSQL's")
    if PG_BIN is None or not shutil.which("pg_dump"):
        pytest.skip("PostgreSQL server binaries are not installed (/usr/lib/postgresql)")
    request.getfixturevalue("db")  # the test database exists: its schema is copied
    folder = Path(tempfile.mkdtemp(prefix="trust-pg-"))  # short: a socket path lives in it
    cluster = PrivatePostgres(folder)
    try:
        cluster.init()
        cluster.ctl("start")
        subprocess.run(
            ["createdb", "-h", str(folder), "-p", "5432", "-U", "postgres", "mysteryshop"],
            check=True,
            timeout=60,
        )
        dump = subprocess.run(
            ["pg_dump", "--no-owner", "--no-privileges", "-d", _database_url()],
            capture_output=True,
            check=True,
            timeout=120,
        ).stdout
        subprocess.run(
            ["psql", "-q", "-v", "ON_ERROR_STOP=1", "-d", cluster.url()],
            input=dump,
            capture_output=True,
            check=True,
            timeout=120,
        )
        yield cluster
    finally:
        cluster.destroy()


SESSION_FOR_A_USER = """
import django
django.setup()
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from programs.models import User
user = User.objects.create_user(
    email="fault@example.com", password="x-Fault-2026", full_name="Ina"
)
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.save()
print(session.session_key)
"""


class UnixHTTPConnection(http.client.HTTPConnection):
    """HTTP to a server listening on a Unix socket (gunicorn --bind unix:PATH)."""

    def __init__(self, path: Path):
        super().__init__("localhost", timeout=30)
        self.path = str(path)

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path)


def fetch(server: Path, path: str, session: str = "") -> tuple[int, str, float]:
    """(status, body, seconds) of GET `path` from the app listening on `server`."""
    headers = {"Host": "localhost", **({"Cookie": f"sessionid={session}"} if session else {})}
    started = time.monotonic()
    conn = UnixHTTPConnection(server)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, response.read().decode(), time.monotonic() - started
    finally:
        conn.close()


@pytest.mark.parametrize("conn_max_age", [0, 60], ids=["new-connection", "persistent"])
def test_the_app_answers_again_after_a_postgresql_restart(
    private_postgres, tmp_path, conn_max_age
):
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CELERY_BROKER_URL")},
        "DATABASE_URL": private_postgres.url(),
        "DB_CONN_MAX_AGE": str(conn_max_age),
        "DJANGO_DEBUG": "false",
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    session = subprocess.run(
        [sys.executable, "-c", SESSION_FOR_A_USER],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "mysteryshop.settings"},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout.split()[-1]
    sock = private_postgres.folder / "app.sock"  # a short path, removed with the cluster
    log = tmp_path / "gunicorn.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [
                *(sys.executable, "-m", "gunicorn", "mysteryshop.wsgi:application"),
                *("--bind", f"unix:{sock}", "--workers", "1", "--timeout", "60"),
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for(lambda: _answers(sock), 60, "gunicorn to answer", interval=0.2)
        status, body, _ = fetch(sock, "/", session)
        assert status == 200 and "Ina" in body

        private_postgres.ctl("restart", "-m", "fast")  # every connection is cut
        status, body, seconds = fetch(sock, "/", session)
        assert status == 200, f"the first request after the restart failed: {status}"
        assert seconds < 10

        private_postgres.ctl("stop", "-m", "fast")  # down: pages fail cleanly, fast
        status, body, seconds = fetch(sock, "/", session)
        assert status == 500 and "Server error" in body and seconds < 10
        status, body, _ = fetch(sock, "/healthz")
        assert status == 503 and '"database": {"ok": false' in body

        private_postgres.ctl("start")  # back: pages answer again
        for _ in range(3):
            status, body, _ = fetch(sock, "/", session)
            assert status == 200 and "Ina" in body
        assert server.poll() is None, "gunicorn's worker survived it all"
    finally:
        stop_process(server)
        print(log.read_text()[-3000:])


def _answers(server: Path) -> bool:
    try:
        return fetch(server, "/healthz")[0] in (200, 503)
    except OSError:
        return False
