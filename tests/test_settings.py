"""Settings come from the environment; check them in a fresh interpreter."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Set for this test run only; a fresh interpreter must not inherit them.
HOST_ONLY = {"DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}

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
    "email": settings.EMAIL_BACKEND,
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
