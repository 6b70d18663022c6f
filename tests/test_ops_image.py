"""The production image, without a docker engine: the Dockerfile's RUN steps that
can break the build are read from the Dockerfile and run here, and the image's
lock holds the runtime dependencies only."""

import os
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Set for this test run only; the build step must not inherit them.
HOST_ONLY = {"DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "SITE_URL", "HOST", "PORT"}


def instructions(text: str) -> list[tuple[str, str]]:
    """The Dockerfile as (INSTRUCTION, arguments), continuation lines joined."""
    result, current = [], ""
    for line in text.splitlines():
        if not current and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.lstrip().startswith("#"):
            continue  # a comment inside a continued instruction
        current += line.rstrip()
        if current.endswith("\\"):
            current = current[:-1] + " "
            continue
        keyword, _, arguments = current.strip().partition(" ")
        result.append((keyword.upper(), arguments.strip()))
        current = ""
    return result


def dockerfile() -> list[tuple[str, str]]:
    return instructions((ROOT / "Dockerfile").read_text())


def image_env() -> dict[str, str]:
    """The ENV values of the image (ENV a=b c=d form)."""
    values = {}
    for keyword, arguments in dockerfile():
        if keyword == "ENV":
            values.update(token.split("=", 1) for token in shlex.split(arguments))
    return values


def run_step(needle: str) -> tuple[dict[str, str], list[str]]:
    """The `&&`-part of a RUN line containing `needle`: its env assignments and command."""
    for keyword, arguments in dockerfile():
        if keyword != "RUN":
            continue
        for part in arguments.split("&&"):
            if needle in part:
                tokens = shlex.split(part)
                env = {}
                while tokens and re.match(r"^[A-Z_][A-Z0-9_]*=", tokens[0]):
                    key, value = tokens.pop(0).split("=", 1)
                    env[key] = value
                return env, tokens
    raise AssertionError(f"no RUN step with {needle!r} in the Dockerfile")


def names(lock: Path) -> set[str]:
    """Normalised project names pinned in a lock file (PEP 503)."""
    found = set()
    for line in lock.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith(("#", "-")):
            found.add(re.sub(r"[-_.]+", "-", re.split(r"[=<>!~\[ ;]", line)[0]).lower())
    return found


def normalise(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", re.split(r"[=<>!~\[ ;]", requirement)[0]).lower()


def test_the_dockerfile_parses_into_the_steps_the_image_needs():
    keywords = [keyword for keyword, _ in dockerfile()]
    assert keywords[0] == "FROM" and "CMD" in keywords and "USER" in keywords
    assert dict(dockerfile())["USER"] == "app", "the app runs as the unprivileged user"


def test_collectstatic_runs_with_the_build_steps_environment(tmp_path):
    """The image's collectstatic, with the exact values of its RUN line and the
    production settings: a placeholder those settings refuse fails the build."""
    step_env, command = run_step("collectstatic")
    assert step_env.get("DJANGO_ENV") == "production"
    assert len(step_env.get("DJANGO_SECRET_KEY", "")) >= 50, "production needs 50+ characters"
    assert command[:2] == ["python", "manage.py"] and "collectstatic" in command
    env = {k: v for k, v in os.environ.items() if k not in HOST_ONLY}
    env.pop("DJANGO_SECRET_KEY", None)
    env.update(image_env())
    env.update(step_env)
    env["STATIC_ROOT"] = str(tmp_path / "staticfiles")  # the image's /app/staticfiles
    env["MEDIA_ROOT"] = str(tmp_path / "media")
    result = subprocess.run(
        [sys.executable, *command[1:]], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # Manifest storage: hashed names exist, so production pages can find them.
    assert (tmp_path / "staticfiles" / "staticfiles.json").exists()


def test_the_image_installs_the_runtime_lock_only():
    copies = [arguments for keyword, arguments in dockerfile() if keyword == "COPY"]
    installs = [
        arguments
        for keyword, arguments in dockerfile()
        if keyword == "RUN" and "pip install" in arguments
    ]
    assert installs == ["pip install -r requirements.lock"]
    assert copies[0] == "requirements.lock ."
    assert not any("requirements-dev" in a for _, a in dockerfile())


def test_the_runtime_lock_holds_no_dev_package():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    runtime = names(ROOT / "requirements.lock")
    dev_only = names(ROOT / "requirements-dev.lock")
    dev_group = {normalise(r) for r in project["dependency-groups"]["dev"]}
    assert dev_group, "the dev group is read"
    assert not dev_group & runtime, f"dev packages in the image: {sorted(dev_group & runtime)}"
    assert dev_group <= dev_only, f"missing from requirements-dev.lock: {dev_group - dev_only}"
    assert not dev_only & runtime, "a package is pinned in both locks"
    needed = {normalise(r) for r in project["project"]["dependencies"]}
    assert needed <= runtime, f"missing from requirements.lock: {needed - runtime}"
    for heavy in ("pytest", "playwright", "pandas", "ruff"):
        assert heavy not in runtime


def test_the_dev_lock_includes_the_runtime_lock():
    lines = (ROOT / "requirements-dev.lock").read_text().splitlines()
    assert "-r requirements.lock" in lines


def test_make_install_uses_the_dev_lock_and_depends_on_both():
    makefile = (ROOT / "Makefile").read_text()
    stamp = re.search(r"^\$\(STAMP\):(.*)$", makefile, re.MULTILINE).group(1)
    assert "requirements.lock" in stamp and "requirements-dev.lock" in stamp
    assert "-r requirements-dev.lock" in makefile
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_django_tables2_is_gone():
    assert "django-tables2" not in names(ROOT / "requirements.lock")
    assert "django_tables2" not in (ROOT / "mysteryshop" / "settings.py").read_text()
