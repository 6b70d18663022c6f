import os
import shutil
from collections import Counter
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

# live_server runs in a thread while Playwright's sync API holds the event loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from mysteryshop.celery import app as celery_app
from programs.models import Role
from tests.factories import MembershipFactory, OrganizationFactory, ProgramFactory, UserFactory

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def pytest_collection_modifyitems(config, items):
    if CHROMIUM or IN_CI:
        return  # in CI a missing chromium must fail, not skip
    skip = pytest.mark.skip(reason="Debian's chromium is not installed (apt-get install chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter):
    """The last lines say what the run could not check here: how many browser tests
    ran, and every reason a test was skipped, with its count."""
    ran, skipped = 0, Counter()
    browser_skipped = 0
    for reports in terminalreporter.stats.values():
        for report in reports:
            if getattr(report, "when", None) is None:
                continue
            browser = "browser" in getattr(report, "keywords", {})
            if hasattr(report, "wasxfail"):
                continue
            if report.skipped and isinstance(report.longrepr, tuple | list):
                reason = report.longrepr[2].removeprefix("Skipped: ")
                skipped[reason] += 1
                browser_skipped += browser
            elif browser and report.when == "call":
                ran += 1
    writer = terminalreporter
    writer.section("what this run checked", sep="-")
    writer.line(f"browser tests: {ran} ran, {browser_skipped} skipped")
    for reason, count in skipped.most_common():
        writer.line(f"skipped {count}: {reason}")


def pytest_report_header(config):
    from django.conf import settings

    db = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    return [
        f"mysteryshop: database={db} broker={settings.CELERY_BROKER_URL.split('://')[0]} "
        f"chromium={CHROMIUM or 'absent'}"
    ]


@pytest.fixture(autouse=True, scope="session")
def _celery_eager():
    """Tasks run in-process in tests; the real-worker test turns this off."""
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield


# Plans are made "before their month" in tests, whatever day the suite runs on:
# a plan made during its month starts after that moment (tests of that rule pass
# `at=`, or set `sampling.services.plans.now` themselves).
PLANS_MADE_AT = datetime(2020, 1, 1, tzinfo=UTC)


@pytest.fixture(autouse=True, scope="session")
def _plans_made_before_their_month():
    from sampling.services import plans

    real = plans.now
    plans.now = lambda: PLANS_MADE_AT
    yield
    plans.now = real


@pytest.fixture(autouse=True)
def _no_axes_lockouts_between_tests(settings):
    settings.AXES_ENABLED = False


@pytest.fixture(autouse=True, scope="session")
def _media_root(tmp_path_factory):
    """Files saved outside any test (a module's shared data) go to a temporary
    folder, never to var/media."""
    from django.conf import settings as django_settings

    root = str(tmp_path_factory.mktemp("media"))
    django_settings.MEDIA_ROOT = root
    return root


@pytest.fixture(autouse=True)
def _media_per_test(_media_root, tmp_path_factory, settings):
    """Each test stores its files in a folder of its own, so a name stored by an
    earlier test never makes storage rename this one's. A module whose shared data
    points MEDIA_ROOT at its own folder (override_settings) keeps that folder."""
    if _media_root == settings.MEDIA_ROOT:
        settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("media"))


@pytest.fixture(autouse=True)
def _default_language():
    """A request activates its user's language in the worker's thread and leaves it
    active; start every test from the site's language so tests do not depend on
    the order they run in."""
    from django.conf import settings as django_settings
    from django.utils import translation

    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture
def program(db):
    return ProgramFactory(code="PGD", name="Contact Center Pegadaian")


@pytest.fixture
def other_program(db):
    return ProgramFactory(code="TLK", name="Contact Center Telkom")


@pytest.fixture
def pgd(db):
    """The Pegadaian preset as a complete program (code PGD)."""
    from programs.services.setup import preset_load

    return preset_load(key="pegadaian", organization=OrganizationFactory())


@pytest.fixture
def tlk(db):
    """The Telkom preset as a complete program (code TLK)."""
    from programs.services.setup import preset_load

    return preset_load(key="telkom", organization=OrganizationFactory())


@pytest.fixture
def member(db):
    """member(program, role) -> a user holding `role` in `program`."""

    def make(program, role=Role.VIEWER, **user_fields):
        user = UserFactory(**user_fields)
        MembershipFactory(user=user, program=program, role=role)
        return user

    return make


@pytest.fixture
def outsider(db):
    return UserFactory(email="outsider@example.com")


# --- Browser tests (pytest-playwright on Debian's chromium) -----------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM or "/usr/bin/chromium",
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def page(page):
    """Every browser test fails on a console error or an uncaught exception."""
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_default_timeout(10_000)
    # expect() waits for the page (a click that submits a form returns before
    # the next page loads); give it the same patience as the page under CI load.
    expect.set_options(timeout=10_000)
    yield page
    assert not errors, f"browser console errors: {errors}"


@pytest.fixture(autouse=True)
def _links_to_the_live_server(request, settings):
    """Links that leave a request (e-mails, the calendar feed) point at the live
    server of a browser test, as SITE_URL points at the real one in production."""
    if "live_server" in request.fixturenames:
        settings.SITE_URL = request.getfixturevalue("live_server").url


@pytest.fixture
def login(live_server):
    """login(page, user) signs `user` in through the real login form."""

    def do(page, user, password="pass-1234-word"):
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", user.email)
        page.fill("input[name=password]", password)
        page.click("#login-form button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")

    return do
