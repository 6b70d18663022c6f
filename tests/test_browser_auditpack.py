"""Journey (PGD-6, TLK-6): the analyst asks for last month's ISO audit pack,
watches its progress bar while the worker builds it, and downloads the ZIP,
whose manifest matches its files."""

import hashlib
import json
import zipfile
from pathlib import Path

import pytest
import time_machine

from programs.models import Role
from reporting.models import AuditPack, PackStatus
from reporting.services import auditpack
from reporting.tasks import build_audit_pack

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots-pack")


@time_machine.travel("2026-12-20 10:00 +0700", tick=True)
def test_request_watch_the_progress_and_download(
    page, live_server, login, pgd, member, monkeypatch, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    SHOTS.mkdir(exist_ok=True)
    analyst = member(pgd, Role.QC_ANALYST, full_name="Andi Analyst")
    AuditPack.objects.create(
        program=pgd,
        month="2026-10-01",
        requested_by=analyst,
        status=PackStatus.FAILED,
        error="02-F-31-ms-forms/PGD-F-31-2026-10-02-shop-001.pdf: OSError: disk full",
    )
    # No worker yet: the build is only queued, as it is in production.
    queued = []
    monkeypatch.setattr(build_audit_pack, "delay", queued.append)

    login(page, analyst)
    page.goto(f"{live_server.url}/p/PGD/audit-pack/")
    assert page.input_value("input[name=month]") == "2026-11"  # last month
    page.fill("input[name=month]", "2027-01")
    page.get_by_role("button", name="Build the pack").click()
    page.get_by_text("This month has not started yet").wait_for()
    page.fill("input[name=month]", "2026-11")
    page.get_by_role("button", name="Build the pack").click()
    page.get_by_text("is being built").wait_for()
    pack = AuditPack.objects.get(status=PackStatus.QUEUED)
    assert queued == [pack.pk]
    row = page.locator(f"#pack-{pack.pk}")
    row.get_by_text("Waiting for the worker").wait_for()

    # The worker has written 3 of the 10 files: the polled row shows it.
    AuditPack.objects.filter(pk=pack.pk).update(status=PackStatus.RUNNING, done=3, total=10)
    row.get_by_text("3 of 10 files").wait_for()
    assert row.locator(".progress").get_attribute("aria-valuenow") == "30"
    assert "pack-progress-30" in row.locator(".progress-bar").get_attribute("class")
    page.screenshot(path=str(SHOTS / "list-building-en.png"), full_page=True)

    # The worker builds it to the end; the row turns into a download link.
    AuditPack.objects.filter(pk=pack.pk).update(status=PackStatus.QUEUED, done=0, total=0)
    auditpack.audit_pack_build(pack=pack)
    link = row.get_by_role("link", name="Download ZIP")
    link.wait_for()
    assert row.get_attribute("hx-get") is None  # polling stopped
    page.screenshot(path=str(SHOTS / "list-done-en.png"), full_page=True)
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == "PGD-audit-pack-2026-11.zip"
    path = tmp_path / "pack.zip"
    download.save_as(path)
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        for entry in manifest["files"]:
            content = archive.read(entry["path"])
            assert entry["bytes"] == len(content)
            assert entry["sha256"] == hashlib.sha256(content).hexdigest()
        assert set(archive.namelist()) == {
            *(e["path"] for e in manifest["files"]),
            "manifest.json",
            "SHA256SUMS.txt",
        }

    # The same page in Indonesian.
    analyst.language = "id"
    analyst.save()
    page.goto(f"{live_server.url}/p/PGD/audit-pack/")
    page.locator("html[lang=id]").wait_for(state="attached")
    page.screenshot(path=str(SHOTS / "list-done-id.png"), full_page=True)
    AuditPack.objects.filter(pk=pack.pk).update(status=PackStatus.RUNNING, done=7, total=10)
    page.reload()
    page.locator(f"#pack-{pack.pk} .progress").wait_for()
    page.screenshot(path=str(SHOTS / "list-building-id.png"), full_page=True)
