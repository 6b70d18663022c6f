"""Settings come from the environment; check them in a fresh interpreter."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Set for this test run only; a fresh interpreter must not inherit them.
HOST_ONLY = {"DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "SITE_URL", "HOST", "PORT"}

PRINT = """
import json, django
from django.conf import settings
django.setup()
db = settings.DATABASES["default"]
print(json.dumps({
    "engine": db["ENGINE"], "name": db["NAME"], "host": db.get("HOST"), "port": db.get("PORT"),
    "broker": settings.CELERY_BROKER_URL, "cache": settings.CACHES["default"]["BACKEND"],
    "cache_location": settings.CACHES["default"].get("LOCATION"),
    "tz": settings.TIME_ZONE, "use_tz": settings.USE_TZ, "debug": settings.DEBUG,
    "email": settings.EMAIL_BACKEND, "site_url": settings.SITE_URL,
    "conn_max_age": db["CONN_MAX_AGE"], "health_checks": db["CONN_HEALTH_CHECKS"],
}))
"""


def _settings(**env_vars):
    env = {k: v for k, v in os.environ.items() if k not in HOST_ONLY}
    env.update(DJANGO_SETTINGS_MODULE="mysteryshop.settings", **env_vars)
    out = subprocess.run(
        [sys.executable, "-c", PRINT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_defaults_need_nothing_installed():
    s = _settings()
    assert s["engine"] == "django.db.backends.sqlite3"
    assert s["broker"] == "filesystem://"
    assert s["cache"].endswith("LocMemCache")
    assert s["email"].endswith("filebased.EmailBackend")
    assert s["tz"] == "Asia/Jakarta" and s["use_tz"] is True


def test_connections_persist_in_production_only():
    assert _settings()["conn_max_age"] == 0
    production = _settings(
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY="x" * 20 + "-a-long-random-production-secret-0123456789",
        DJANGO_ALLOWED_HOSTS="ms.example.com",
        SITE_URL="https://ms.example.com",
    )
    assert production["conn_max_age"] == 60 and production["health_checks"] is True


def test_database_url_selects_postgresql():
    s = _settings(DATABASE_URL="postgres://ms:secret@db.internal:5433/mysteryshop")
    assert s["engine"] == "django.db.backends.postgresql"
    assert (s["name"], s["host"], s["port"]) == ("mysteryshop", "db.internal", 5433)


def test_redis_url_is_broker_and_cache():
    s = _settings(REDIS_URL="redis://cache.internal:6379/2")
    assert s["broker"] == "redis://cache.internal:6379/2"
    assert s["cache"].endswith("RedisCache")
    assert s["cache_location"] == "redis://cache.internal:6379/2"


def test_production_check_deploy_is_clean():
    env = {k: v for k, v in os.environ.items() if k not in HOST_ONLY}
    env.update(
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY="x" * 20 + "-a-long-random-production-secret-0123456789",
        DJANGO_ALLOWED_HOSTS="ms.example.com",
        SITE_URL="https://ms.example.com",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_an_empty_secret_key():
    env = {k: v for k, v in os.environ.items() if k not in HOST_ONLY}
    env.update(DJANGO_ENV="production", DJANGO_SECRET_KEY="", DJANGO_ALLOWED_HOSTS="a.example")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def _production_check(**env_vars):
    env = {k: v for k, v in os.environ.items() if k not in HOST_ONLY}
    env.update(DJANGO_ENV="production", **env_vars)
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_production_refuses_to_start_without_its_public_address():
    result = _production_check(
        DJANGO_SECRET_KEY="x" * 60, DJANGO_ALLOWED_HOSTS="ms.example.com", SITE_URL=""
    )
    assert result.returncode != 0
    assert "SITE_URL" in result.stderr and "found ''" in result.stderr


def test_development_links_follow_the_host_and_port_of_make_run():
    assert _settings()["site_url"] == "http://127.0.0.1:8000"
    assert _settings(HOST="0.0.0.0", PORT="8123")["site_url"] == "http://0.0.0.0:8123"
    assert _settings(SITE_URL="https://qc.example.id")["site_url"] == "https://qc.example.id"


def test_the_image_build_step_passes_the_production_settings():
    """The Dockerfile's collectstatic runs the production settings with build-time
    values: they must pass the same checks as the real ones."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    step = dockerfile[
        dockerfile.index("DJANGO_ENV=production") : dockerfile.index("collectstatic")
    ]
    values = dict(
        line.strip().rstrip("\\").strip().split("=", 1)
        for line in step.splitlines()
        if "=" in line and not line.strip().startswith("#")
    )
    values = {key.removeprefix("&& ").strip(): value for key, value in values.items()}
    values.pop("DJANGO_ENV")
    result = _production_check(**values)
    assert result.returncode == 0, result.stderr
