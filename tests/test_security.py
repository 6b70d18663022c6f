"""Security checks (issue 9) beyond those already in place.

Already tested elsewhere, not repeated here: `check --deploy` clean in production
and no empty secret key (test_settings.py), login throttling (test_auth.py),
formula escaping of each existing export read back cell by cell
(test_followup_views.py, test_shop_list.py), evidence files sniffed by content
(test_shop_workflow.py), PNG bytes named .csv refused by both importers
(test_contact_import.py, test_people_import.py).

Here: no secret in the repository; production cookies; the CSP header and
templates without inline code; uploads refused by content at the form, zip
bombs included; every spreadsheet writer goes through the formula-safe one,
headers included.
"""

import ast
import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from mysteryshop import uploads
from mysteryshop.spreadsheets import Sheet, workbook_bytes
from programs.models import Agent, Role
from programs.services.people import agents_import
from sampling.models import ContactImport

ROOT = Path(__file__).resolve().parent.parent
HOST_ONLY = {"DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "CELERY_BROKER_URL"}
DEV_SECRET_KEY = "dev-only-insecure-key-change-me-in-production"  # documented in settings.py
PROD_SECRET = "prod-" + "k" * 60


def tracked_files() -> list[Path]:
    if not shutil.which("git") or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: the tracked files are unknown")
    out = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    return [ROOT / name for name in out.decode().split("\0") if name]


def project_files(pattern: str) -> list[Path]:
    """Files of the project (tracked or not yet), outside the virtualenv and var/."""
    skip = {".venv", "var", "node_modules", "test-results"}
    found = []
    for top in ROOT.iterdir():
        if top.is_dir() and not top.name.startswith(".") and top.name not in skip:
            found += top.glob(f"**/{pattern}")
    return sorted(found)


def text_of(path: Path) -> str | None:
    """The file's text, or None for binaries and vendored bundles."""
    if "static/vendor" in path.as_posix() or not path.is_file():
        return None
    data = path.read_bytes()
    if b"\0" in data[:4096] or len(data) > 2_000_000:
        return None
    return data.decode("utf-8", errors="replace")


# --- No secret in the repository ---------------------------------------------------

# Built from pieces so that this file does not match its own patterns.
SECRET_PATTERNS = {
    "private key": re.compile("-{5}BEGIN ([A-Z]+ )*PRIVATE KEY( BLOCK)?-{5}"),
    "AWS access key id": re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"),
    "AWS secret key": re.compile(r"aws_secret_access_key\s*[=:]\s*\S{30,}", re.IGNORECASE),
    "GitHub token": re.compile(r"\b(gh[pousr]_[A-Za-z0-9]{36,}|github_pat_\w{40,})"),
    "Slack token": re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
    "Google API key": re.compile(r"\bAIza[0-9A-Za-z_\-]{35}\b"),
    "Stripe live key": re.compile(r"\b[rs]k_live_[0-9A-Za-z]{20,}"),
}
SECRET_KEY_LITERAL = re.compile(
    r"""(?:SECRET_KEY|secret_key)["']?\s*[:=,]\s*(?:default\s*=\s*)?["']([^"'\s]{8,})["']"""
)
ENV_SECRET = re.compile(
    r"^[ \t]*(DJANGO_SECRET_KEY|POSTGRES_PASSWORD)[ \t]*[=:][ \t]*(\S*)", re.MULTILINE
)
URL_PASSWORD = re.compile(r"[a-z+]+://[^/\s:@\"']+:([^@\s/\"']+)@")
# Placeholders that stand for a secret in documentation and tests.
PLACEHOLDERS = {"password", "change-me", "secret", "pass", "${POSTGRES_PASSWORD}"}
KNOWN_NON_SECRETS = {
    DEV_SECRET_KEY,
    "build-time-only-not-a-secret-just-long-enough-for-the-check",
}


def test_no_secret_is_committed():
    found = []
    for path in tracked_files():
        text = text_of(path)
        if text is None:
            continue
        name = path.relative_to(ROOT).as_posix()
        for label, pattern in SECRET_PATTERNS.items():
            found += [f"{name}: {label}" for _ in pattern.finditer(text)]
        for match in SECRET_KEY_LITERAL.finditer(text):
            if match.group(1) not in KNOWN_NON_SECRETS:
                found.append(f"{name}: SECRET_KEY literal {match.group(1)[:6]}…")
        for match in ENV_SECRET.finditer(text if not name.endswith(".py") else ""):
            value = match.group(2).strip("'\"")
            if value and value not in KNOWN_NON_SECRETS and not value.startswith("${"):
                found.append(f"{name}: {match.group(1)} has a value")
        for match in URL_PASSWORD.finditer(text):
            if match.group(1) not in PLACEHOLDERS and not match.group(1).startswith("${"):
                found.append(f"{name}: a password in a URL")
    assert not found, "secrets in tracked files:\n" + "\n".join(found)


def test_env_files_are_never_tracked_and_always_ignored():
    names = [p.relative_to(ROOT).as_posix() for p in tracked_files()]
    env_files = [n for n in names if re.search(r"(^|/)\.env(\.|$)", n)]
    assert env_files == [".env.example"]
    assert ".env" in (ROOT / ".gitignore").read_text().split()
    assert ".env" in (ROOT / ".dockerignore").read_text().split()


def test_the_secret_pattern_finds_what_it_should():
    """The scan above is only as good as its patterns."""
    key = "-" * 5 + "BEGIN OPENSSH PRIVATE KEY" + "-" * 5
    assert SECRET_PATTERNS["private key"].search(key)
    assert SECRET_PATTERNS["AWS access key id"].search("id = AKIA" + "ABCDEFGHIJKLMNOP")
    assert SECRET_KEY_LITERAL.search("SECRET_KEY = " + repr("r3al-s3cr3t-v4lue"))
    assert URL_PASSWORD.search("postgres://app:" + "hunter2" + "@db/x")
    assert not URL_PASSWORD.search("postgres://postgres@127.0.0.1:5432/test")


def _fresh(code: str, **env_vars) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in HOST_ONLY}
    env.update(DJANGO_SETTINGS_MODULE="mysteryshop.settings", **env_vars)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_production_refuses_the_development_secret_key():
    result = _fresh(
        "import django; django.setup()",
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY=DEV_SECRET_KEY,
        DJANGO_ALLOWED_HOSTS="ms.example.com",
        SITE_URL="https://ms.example.com",
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


# --- Cookies and headers in production ----------------------------------------------

PRODUCTION_PROBE = """
import json, django
from django.conf import settings as s
django.setup()
# Hashed static names need collectstatic (done at image build): plain names here.
s.STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
from django.test import Client
response = Client(enforce_csrf_checks=True).get(
    "/accounts/login/", secure=True, headers={"host": "ms.example.com"}
)
cookie = response.cookies.get("csrftoken")
print(json.dumps({
    "settings": {k: getattr(s, k) for k in (
        "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE",
        "SESSION_COOKIE_AGE", "CSRF_COOKIE_SECURE", "CSRF_COOKIE_HTTPONLY",
        "CSRF_COOKIE_SAMESITE", "LANGUAGE_COOKIE_SECURE", "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS", "SECURE_CONTENT_TYPE_NOSNIFF", "X_FRAME_OPTIONS", "DEBUG",
    )},
    "status": response.status_code,
    "csrf_cookie": {k: cookie[k] for k in ("secure", "httponly", "samesite")} if cookie else None,
    "headers": dict(response.headers),
    "plain_http": Client().get("/accounts/login/", headers={"host": "ms.example.com"}).status_code,
}))
"""


@pytest.fixture(scope="module")
def production():
    result = _fresh(
        PRODUCTION_PROBE,
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY=PROD_SECRET,
        DJANGO_ALLOWED_HOSTS="ms.example.com",
        SITE_URL="https://ms.example.com",
        DATABASE_URL="sqlite:///:memory:",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_cookies_are_secure_httponly_and_same_site(production):
    s = production["settings"]
    assert s["SESSION_COOKIE_SECURE"] and s["SESSION_COOKIE_HTTPONLY"]
    assert s["CSRF_COOKIE_SECURE"] and s["CSRF_COOKIE_HTTPONLY"]
    assert s["LANGUAGE_COOKIE_SECURE"]
    assert s["SESSION_COOKIE_SAMESITE"] in ("Lax", "Strict")
    assert s["CSRF_COOKIE_SAMESITE"] in ("Lax", "Strict")
    assert s["SESSION_COOKIE_AGE"] <= 12 * 3600
    assert s["DEBUG"] is False
    # And the cookie a browser really gets:
    assert production["status"] == 200
    cookie = production["csrf_cookie"]
    assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] in ("Lax", "Strict")


def test_production_forces_https_and_sends_the_security_headers(production):
    s = production["settings"]
    assert s["SECURE_SSL_REDIRECT"] and s["SECURE_HSTS_SECONDS"] >= 3600
    assert production["plain_http"] == 301
    headers = {k.lower(): v for k, v in production["headers"].items()}
    assert headers["strict-transport-security"].startswith("max-age=")
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "same-origin"
    assert "'unsafe-inline'" not in headers["content-security-policy"]


# --- Content Security Policy ----------------------------------------------------------

UNSAFE = ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*", "http:", "https:", "data:")


def test_csp_allows_no_inline_code_and_no_foreign_origin():
    policy = django_settings.SECURE_CSP
    for directive, sources in policy.items():
        for source in sources:
            allowed_data = directive == "img-src" and source == "data:"
            assert source not in UNSAFE or allowed_data, f"{directive} allows {source}"
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]


@pytest.mark.django_db
def test_every_page_is_served_with_the_strict_csp(client, pgd, member):
    client.force_login(member(pgd, Role.MANAGER))
    for url in ["/accounts/login/", "/", reverse("contact_import_list", args=[pgd.code])]:
        response = client.get(url)
        header = response.headers["Content-Security-Policy"]
        assert "'unsafe-inline'" not in header and "'unsafe-eval'" not in header
        assert "script-src 'self'" in header
        assert "style-src 'self'" in header and "object-src 'none'" in header


# E-mails and WeasyPrint documents are not served to browsers: inline style is theirs.
NOT_SERVED = re.compile(r"(/email/|pdf[^/]*\.html$|/_pdf_)")
INLINE = {
    "inline <script> code": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "<style> element": re.compile(r"<style\b", re.IGNORECASE),
    "style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "event handler attribute": re.compile(r"\son[a-z]+\s*=\s*[\"']", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
}
COMMENTS = re.compile(r"\{#.*?#\}|\{% comment %\}.*?\{% endcomment %\}", re.DOTALL)


def test_templates_served_to_browsers_have_no_inline_code_or_style():
    found = []
    for path in project_files("*.html"):
        name = path.relative_to(ROOT).as_posix()
        if "/templates/" not in f"/{name}" or NOT_SERVED.search(name):
            continue
        text = COMMENTS.sub("", path.read_text())
        for label, pattern in INLINE.items():
            found += [f"{name}: {label}" for _ in pattern.finditer(text)]
    assert not found, "\n".join(found)


# --- Uploads checked by content -----------------------------------------------------


def zip_bomb(size_mb: int = 40) -> bytes:
    """A real workbook whose sheet unpacks ~1,000 times larger than it is."""
    row = '<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    sheet = (
        '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        'spreadsheetml/2006/main"><sheetData>'
        + row * (size_mb * 1024 * 1024 // len(row))
        + "</sheetData></worksheet>"
    )
    book = openpyxl.Workbook()
    plain = io.BytesIO()
    book.save(plain)
    out = io.BytesIO()
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            is_sheet = item.filename == "xl/worksheets/sheet1.xml"
            data = sheet.encode() if is_sheet else src.read(item)
            dst.writestr(item.filename, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return out.getvalue()


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return zip_bomb()


def test_zip_bomb_check_reads_the_directory_only(bomb):
    assert len(bomb) < 1024 * 1024  # 40 MB of sheet in a few hundred kB
    problem = uploads.xlsx_problem(io.BytesIO(bomb), max_uncompressed=10**12)
    assert "zip bomb" in problem
    problem = uploads.xlsx_problem(io.BytesIO(bomb), max_uncompressed=1024 * 1024)
    assert "more than the 1 MB allowed" in problem
    book = io.BytesIO()
    openpyxl.Workbook().save(book)
    assert uploads.xlsx_problem(io.BytesIO(book.getvalue()), max_uncompressed=10**6) is None
    assert uploads.xlsx_problem(io.BytesIO(b"PK\x03\x04 damaged"), max_uncompressed=1) is None
    many = io.BytesIO()
    with zipfile.ZipFile(many, "w") as archive:
        for i in range(uploads.XLSX_MAX_MEMBERS + 1):
            archive.writestr(f"part{i}.xml", "")
    assert "parts" in uploads.xlsx_problem(many, max_uncompressed=10**9)


def _post_contacts(client, pgd, content: bytes, name: str):
    return client.post(
        reverse("contact_import_list", args=[pgd.code]),
        {"month": "2026-10", "file": SimpleUploadedFile(name, content)},
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64), "contacts.csv", "content is binary"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "contacts.csv", "content is binary"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64), "contacts.xlsx", "97-2003"),
        ("timestamp,channel\n".encode("utf-16"), "contacts.csv", "UTF-16"),
    ],
    ids=["png", "pdf", "xls", "utf-16"],
)
def test_a_contact_upload_is_refused_by_its_content(client, pgd, member, content, name, message):
    client.force_login(member(pgd, Role.QC_ANALYST))
    response = _post_contacts(client, pgd, content, name)
    assert response.status_code == 200  # the form again, with the message at the file field
    assert message in response.context["form"].errors["file"][0]
    assert message in response.content.decode()
    assert not ContactImport.objects.exists()


@pytest.mark.django_db
def test_a_zip_bomb_is_refused_by_both_importers(client, pgd, member, bomb, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    analyst = member(pgd, Role.QC_ANALYST)
    client.force_login(analyst)
    response = _post_contacts(client, pgd, bomb, "contacts.xlsx")
    assert "zip bomb" in response.context["form"].errors["file"][0]
    assert not ContactImport.objects.exists()
    # The contact import's own reader refuses it too (a file that came another way).
    from sampling import importer

    path = tmp_path / "bomb.xlsx"
    path.write_bytes(bomb)
    with pytest.raises(importer.FileRejected, match="zip bomb"):
        importer.parse(
            path, time_zone="Asia/Jakarta", year=2026, month=10, channels={}, categories={}
        )
    response = client.post(
        reverse("people_import", args=[pgd.code]),
        {"file": SimpleUploadedFile("agents.xlsx", bomb)},
    )
    assert response.status_code == 200
    assert "zip bomb" in response.content.decode()
    assert not Agent.objects.exists()


@pytest.mark.django_db
def test_a_workbook_lying_about_its_size_is_not_read(pgd, member):
    """The checks trust the sizes in the zip directory: the workbook reader
    refuses a part that unpacks larger than declared, so lying does not help."""
    book = openpyxl.Workbook()
    for i in range(3000):
        book.active.append([f"E{i}", "x" * 50])
    data = io.BytesIO()
    book.save(data)
    data = bytearray(data.getvalue())
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/worksheets/sheet1.xml")
    small = (1000).to_bytes(4, "little")
    data[info.header_offset + 22 : info.header_offset + 26] = small  # local header
    central = data.rfind(b"xl/worksheets/sheet1.xml") - 46  # its central directory entry
    assert data[central : central + 4] == b"PK\x01\x02"
    data[central + 24 : central + 28] = small
    result = agents_import(
        program=pgd,
        file=SimpleUploadedFile("agents.xlsx", bytes(data)),
        user=member(pgd, Role.QC_ANALYST),
    )
    assert "could not be read as an Excel workbook" in result.file_error


# --- Formula injection: every spreadsheet goes through the safe writer --------------

# Modules allowed to use openpyxl or csv.writer directly, and why that is safe.
DIRECT_WRITERS = {
    "mysteryshop/spreadsheets.py": "the formula-safe writer itself",
    "programs/importer.py": "the agents template: fixed examples and the program's codes",
    "sampling/importer.py": "the workbook read to CSV (not for people); the error list "
    "escapes the file's values as spreadsheets.safe_cell does",
    "devdata/exports.py": "generated test and benchmark exports, meant to be imported",
    "sampling/views/imports.py": "the sample contact file, meant to be imported again",
    "sampling/sample_file.py": "generated demo and benchmark data",
    "devdata/bench.py": "generated benchmark data (manage.py seed_bench)",
    "api/jsonl.py": "pushed JSON lines turned into the CSV the importer reads (not for people)",
}


def _writers_in(tree: ast.AST) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            modules.append(getattr(node, "module", None) or "")
            if any(m == "openpyxl" or m.startswith(("openpyxl.", "xlsxwriter")) for m in modules):
                found.add("openpyxl")
        if (
            isinstance(node, ast.Attribute)
            and node.attr in ("writer", "DictWriter")
            and isinstance(node.value, ast.Name)
            and node.value.id == "csv"
        ):
            found.add("csv")
    return found


def test_every_spreadsheet_export_goes_through_the_formula_safe_writer():
    offenders = []
    for path in project_files("*.py"):
        name = path.relative_to(ROOT).as_posix()
        if name.startswith(("tests/", "bench/")) or "/migrations/" in name:
            continue
        writers = _writers_in(ast.parse(path.read_text(), filename=name))
        if writers and name not in DIRECT_WRITERS:
            offenders.append(f"{name} uses {', '.join(sorted(writers))} directly")
    assert not offenders, (
        "Write spreadsheets with mysteryshop.spreadsheets (Sheet, workbook_bytes, "
        "xlsx_response), which escapes formulas:\n" + "\n".join(offenders)
    )


def test_the_safe_writer_escapes_formulas_in_cells_and_headers():
    evil = ['=HYPERLINK("http://evil","x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
    content = workbook_bytes(
        [Sheet(title="t", headers=[*evil, "Score"], rows=[[*evil, -4.5], [*evil[::-1], 7]])]
    )
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    cells = [c for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = [c.value for c in cells if isinstance(c.value, str) and c.value != "Score"]
    assert texts and all(t.startswith("'") for t in texts)
    assert sheet["G2"].value == -4.5 and sheet["G3"].value == 7  # numbers stay numbers
