"""Backup and restore round trip (issue 9): scripts/backup, then scripts/restore
into a fresh database and a fresh media folder, give the same rows in every
table and the same files, byte for byte. PostgreSQL only (pg_dump)."""

import hashlib
import os
import shutil
import subprocess
import uuid
from datetime import date
from pathlib import Path

import psycopg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from programs.models import Role
from sampling import services as sampling_services
from sampling.models import ImportStatus
from tests.test_worker import _database_url

ROOT = Path(__file__).resolve().parent.parent
HOST_ONLY = {"DJANGO_ALLOW_ASYNC_UNSAFE"}


@pytest.fixture
def postgres_tools():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL): the backup is pg_dump's")
    for tool in ("pg_dump", "pg_restore", "psql", "createdb"):
        if not shutil.which(tool):
            pytest.skip(f"{tool} is not installed (apt-get install postgresql-client)")


@pytest.fixture
def restore_target(postgres_tools):
    """The URL of a database that does not exist yet; dropped afterwards."""
    name = f"trust_restore_{uuid.uuid4().hex[:12]}"
    url = _database_url().rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        with psycopg.connect(_database_url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_script(name: str, *args: str, **env_vars) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in HOST_ONLY}
    env.update(env_vars)
    return subprocess.run(
        [str(ROOT / "scripts" / name), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def table_digests(url: str) -> dict[str, tuple[int, str]]:
    """Every table of the public schema: (rows, md5 of its rows in a fixed order)."""
    with psycopg.connect(url) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
        ]
        digests = {}
        for table in tables:
            count, digest = conn.execute(
                "SELECT count(*), md5(coalesce(string_agg(t::text, chr(10) ORDER BY t::text), ''))"
                f' FROM "{table}" t'
            ).fetchone()
            digests[table] = (count, digest)
    return digests


def file_digests(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_round_trip(pgd, member, settings, tmp_path, restore_target):
    media = tmp_path / "media"
    settings.MEDIA_ROOT = media
    analyst = member(pgd, Role.QC_ANALYST, full_name="Rina Analis")
    content = (
        b"timestamp,channel,reason,category\n"
        b"2026-10-01T08:15:00+07:00,inbound,Informasi produk gadai,information\n"
        b"2026-10-01T09:15:00+07:00,inbound,Tanya promo,information\n"
    )
    record = sampling_services.contact_import_start(
        program=pgd,
        month=date(2026, 10, 1),
        upload=SimpleUploadedFile("oktober.csv", content),
        user=analyst,
    )
    record = sampling_services.contact_import_process(import_id=record.pk)
    assert record.status == ImportStatus.SUCCEEDED
    (media / "evidence" / "2026").mkdir(parents=True)
    (media / "evidence" / "2026" / "rekaman.mp3").write_bytes(os.urandom(50_000))
    (media / "nama dengan spasi – é.pdf").write_bytes(b"%PDF-1.7\n" + os.urandom(1000))

    backups = tmp_path / "backups"
    made = run_script("backup", str(backups), DATABASE_URL=_database_url(), MEDIA_ROOT=str(media))
    assert made.returncode == 0, made.stdout + made.stderr
    folder = Path(made.stdout.strip().splitlines()[-1])
    assert folder.parent == backups and folder.name.startswith("mysteryshop-")
    assert {p.name for p in folder.iterdir()} == {
        "database.dump",
        "media.tar.gz",
        "MANIFEST",
        "SHA256SUMS",
    }
    assert "media_files=3" in (folder / "MANIFEST").read_text()

    restored_media = tmp_path / "restored-media"
    done = run_script(
        "restore",
        str(folder),
        "--database-url",
        restore_target,
        "--media-root",
        str(restored_media),
    )
    assert done.returncode == 0, done.stdout + done.stderr

    source, copy = table_digests(_database_url()), table_digests(restore_target)
    assert source == copy
    assert source["programs_program"][0] >= 1 and source["sampling_contactstat"][0] == 2
    assert file_digests(restored_media) == file_digests(media)
    assert len(file_digests(media)) == 3

    # The restored database is the app's: no migration is missing.
    check = subprocess.run(
        [str(ROOT / ".venv/bin/python"), "manage.py", "migrate", "--check"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": restore_target},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 0, check.stdout + check.stderr

    # A second restore onto the same, now full, targets changes nothing without --force.
    again = run_script(
        "restore", str(folder), "--database-url", restore_target, "--media-root", str(media)
    )
    assert again.returncode == 1 and "nothing restored" in again.stderr
    assert table_digests(restore_target) == copy


def test_restore_refuses_a_damaged_backup(postgres_tools, tmp_path, restore_target):
    folder = tmp_path / "mysteryshop-20260101-000000"
    folder.mkdir()
    for name in ("database.dump", "media.tar.gz", "MANIFEST"):
        (folder / name).write_bytes(b"x")
    subprocess.run(
        "sha256sum database.dump media.tar.gz MANIFEST > SHA256SUMS",
        shell=True,
        cwd=folder,
        check=True,
    )
    (folder / "media.tar.gz").write_bytes(b"y")  # changed after the backup
    done = run_script("restore", str(folder), "--database-url", restore_target)
    assert done.returncode != 0
    assert "FAILED" in done.stdout + done.stderr
    with psycopg.connect(_database_url()) as conn:
        name = restore_target.rsplit("/", 1)[1]
        assert not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()


def _fake_tar(folder: Path, status: int, times: int) -> Path:
    """A `tar` first on PATH that archives for real, then exits with `status`
    for its first `times` archive runs, as GNU tar does when a file changes
    while it reads it (status 1) or on a real failure (2)."""
    real = shutil.which("tar")
    counter = folder / "tar-runs"
    script = folder / "tar"
    script.write_text(
        "#!/usr/bin/env bash\n"
        f'"{real}" "$@" || exit $?\n'
        'case " $* " in *" -czf "*) ;; *) exit 0 ;; esac\n'
        f'n=$(( $(cat "{counter}" 2>/dev/null || echo 0) + 1 )); echo $n > "{counter}"\n'
        f'if [ "$n" -le {times} ]; then echo "tar: ./x: file changed as we read it" >&2; '
        f"exit {status}; fi\n"
    )
    script.chmod(0o755)
    return folder


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("times", [1, 5])  # changed once; changing on every try
def test_a_file_written_during_the_backup_does_not_spoil_it(pgd, postgres_tools, tmp_path, times):
    """A write during the media copy used to abort the backup with no backup
    left. It is tried again; if the media keeps changing, the archive of the
    last try is kept (the changed file belongs to a row the dump does not have)."""
    media = tmp_path / "media"
    (media / "evidence").mkdir(parents=True)
    (media / "evidence" / "a.pdf").write_bytes(b"%PDF-1.7\n" + os.urandom(2000))
    (tmp_path / "bin").mkdir()
    bin_dir = _fake_tar(tmp_path / "bin", 1, times)
    made = run_script(
        "backup",
        str(tmp_path / "backups"),
        DATABASE_URL=_database_url(),
        MEDIA_ROOT=str(media),
        PATH=f"{bin_dir}:{os.environ['PATH']}",
    )
    assert made.returncode == 0, made.stdout + made.stderr
    assert "media changed during the copy (try 1 of 3)" in made.stderr
    folder = Path(made.stdout.strip().splitlines()[-1])
    listed = subprocess.run(
        ["tar", "-tzf", str(folder / "media.tar.gz")], capture_output=True, text=True, check=True
    ).stdout
    assert "./evidence/a.pdf" in listed.splitlines()


@pytest.mark.django_db(transaction=True)
def test_a_real_tar_failure_leaves_no_backup(pgd, postgres_tools, tmp_path):
    media = tmp_path / "media"
    media.mkdir()
    (media / "f.txt").write_text("x")
    (tmp_path / "bin").mkdir()
    bin_dir = _fake_tar(tmp_path / "bin", 2, 1)
    backups = tmp_path / "backups"
    made = run_script(
        "backup",
        str(backups),
        DATABASE_URL=_database_url(),
        MEDIA_ROOT=str(media),
        PATH=f"{bin_dir}:{os.environ['PATH']}",
    )
    assert made.returncode == 2 and "no backup made" in made.stderr
    assert not any(backups.iterdir())  # not even a .partial folder
