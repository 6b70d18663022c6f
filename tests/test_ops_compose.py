"""docker-compose.yml and the image's command, without docker: `docker compose
config` cannot run here, so the file is read (PyYAML when installed, its text
otherwise) and the commands it relies on are checked with the real tools."""

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from mysteryshop import health
from tests.test_ops_image import dockerfile, image_env

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = (ROOT / "docker-compose.yml").read_text()


def service_block(name: str) -> str:
    """The text of one service of docker-compose.yml (up to the next one)."""
    match = re.search(rf"(?ms)^  {name}:\n(.*?)(?=^  [a-z]+:\n|^\S)", COMPOSE)
    assert match, f"no service {name}"
    return match.group(1)


@pytest.fixture(scope="module")
def compose():
    """docker-compose.yml read by PyYAML: this venv's, else any python3 on the
    machine that has it (Debian's does); without one, the text checks below."""
    load = "import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin.read())))"
    candidates = [sys.executable, "/usr/bin/python3", shutil.which("python3")]
    for python in dict.fromkeys(c for c in candidates if c and Path(c).exists()):
        result = subprocess.run(
            [python, "-c", load], input=COMPOSE, capture_output=True, text=True, timeout=60
        )
        if result.returncode == 0:
            return json.loads(result.stdout)
    pytest.skip("PyYAML is not installed anywhere here: text checks only")


def test_compose_structure(compose):
    services = compose["services"]
    for name in ("web", "worker", "beat", "postgres", "redis", "migrate"):
        logging = services[name]["logging"]
        assert logging["driver"] == "json-file"
        assert {"max-size", "max-file"} <= set(logging["options"])
    for name in ("web", "worker", "beat", "postgres", "redis"):
        assert services[name]["healthcheck"]["test"], name
    assert "--max-tasks-per-child" in " ".join(services["worker"]["command"])
    assert services["beat"]["healthcheck"]["test"][-2:] == ["healthcheck", "beat"]
    assert "--max-tasks-per-child" not in str(services["beat"]["command"])
    for name in ("web", "worker", "beat"):  # the x-app anchor reached every app service
        environment = services[name]["environment"]
        assert environment["DJANGO_ENV"] == "production" and "TRUSTED_PROXIES" in environment
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )
    assert services["web"]["healthcheck"]["start_period"]
    assert "healthcheck" not in services["migrate"]


def test_every_container_rotates_its_logs():
    assert re.search(r"x-logging: &logging\n  driver: json-file\n  options:\n", COMPOSE)
    assert re.search(r'max-size: "\d+m"', COMPOSE) and re.search(r'max-file: "\d+"', COMPOSE)
    for name in ("postgres", "redis"):
        assert "logging: *logging" in service_block(name)
    assert "logging: *logging" in COMPOSE.split("services:")[0]  # x-app: web, worker, beat


def test_worker_and_beat_have_health_checks():
    worker, beat = service_block("worker"), service_block("beat")
    assert "healthcheck:" in worker and "inspect ping --destination celery@$$HOSTNAME" in worker
    assert "--max-tasks-per-child" in worker
    assert "healthcheck:" in beat and '"manage.py", "healthcheck", "beat"' in beat


def test_web_is_healthy_only_on_200():
    web = service_block("web")
    assert "0 if code == 200 else 1" in web
    assert "code in (200, 503)" not in web


def _run_python_healthcheck(script: str, port: int) -> int:
    script = script.replace("127.0.0.1:8000", f"127.0.0.1:{port}")
    env = {**os.environ, "DJANGO_ALLOWED_HOSTS": "ms.example.com"}
    return subprocess.run([sys.executable, "-c", script], env=env, timeout=30).returncode


def test_the_web_health_script_reads_the_status():
    """The compose web check, run against a tiny server answering 200 then 503."""
    import http.server
    import threading

    web = service_block("web")
    script_lines = web.split("- |\n")[1].split("      interval:")[0].splitlines()
    script = "\n".join(line[10:] for line in script_lines)
    statuses = [200, 503]

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            assert self.headers["Host"] == "ms.example.com"
            self.send_response(statuses.pop(0))
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        assert _run_python_healthcheck(script, port) == 0
        assert _run_python_healthcheck(script, port) == 1
    finally:
        server.shutdown()


def test_gunicorn_runs_gthread_workers_with_a_valid_configuration():
    cmd = json.loads(dict(dockerfile())["CMD"])
    assert cmd[:2] == ["sh", "-c"]
    steps = [step.strip() for step in cmd[2].split("&&")]
    assert steps[0].startswith("export PROMETHEUS_MULTIPROC_DIR=")  # /metrics adds processes up
    line = steps[-1].removeprefix("exec ")
    assert "--worker-class gthread" in line and "--threads" in line
    env = image_env()
    assert env["GUNICORN_WORKERS"] and env["GUNICORN_THREADS"]
    line = re.sub(r"\$\{(\w+):-([^}]*)\}", lambda m: env.get(m.group(1), m.group(2)), line)
    args = shlex.split(line)
    gunicorn = Path(sys.executable).with_name("gunicorn")
    result = subprocess.run(
        [str(gunicorn), "--check-config", *args[1:]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.django_db
def test_the_beat_health_check_follows_the_heartbeat(settings):
    with pytest.raises(CommandError, match="no heartbeat yet"):
        call_command("healthcheck", "beat")
    health.heartbeat_record(worker="w1")
    call_command("healthcheck", "beat")
    stale = timezone.now() - timedelta(seconds=settings.HEARTBEAT_STALE_SECONDS + 5)
    health.heartbeat_record(worker="w1", now=stale)
    with pytest.raises(CommandError, match="beat unhealthy"):
        call_command("healthcheck", "beat")
