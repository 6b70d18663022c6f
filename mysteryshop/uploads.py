"""Checks of uploaded files by their content, shared by the importers.

An XLSX workbook is a zip archive. A "zip bomb" is a small archive that unpacks
to gigabytes and exhausts the memory of whoever opens it; its directory gives it
away before anything is unpacked (the readers refuse a member larger than its
declared size, so the declared sizes can be trusted).
"""

import zipfile

from django.utils.translation import gettext as _

# Real workbooks compress 5-20 times; a zip bomb about 1,000 times.
XLSX_MAX_RATIO = 100
# Below this size a member's ratio does not matter (tiny XML compresses well).
XLSX_RATIO_FROM_BYTES = 10 * 1024 * 1024
XLSX_MAX_MEMBERS = 1000


def xlsx_problem(file, *, max_uncompressed: int) -> str | None:
    """Why the workbook `file` (a path or a seekable binary file) must not be
    opened, judged from its zip directory alone; None when it may be.

    A file that is not a readable zip archive gives None too: the workbook
    reader then says it cannot read it.
    """
    position = file.tell() if hasattr(file, "tell") else None
    try:
        with zipfile.ZipFile(file) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        return None
    finally:
        if position is not None:
            file.seek(position)
    if len(members) > XLSX_MAX_MEMBERS:
        return _(
            "The workbook holds %(n)d parts; a real one has a few dozen. It was not opened."
        ) % {"n": len(members)}
    total = sum(m.file_size for m in members)
    if total > max_uncompressed:
        return _(
            "The workbook unpacks to %(size)d MB, more than the %(max)d MB allowed. Split it "
            "into smaller files or save it as CSV."
        ) % {"size": total // (1024 * 1024), "max": max_uncompressed // (1024 * 1024)}
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > XLSX_RATIO_FROM_BYTES and ratio > XLSX_MAX_RATIO:
            return _(
                "The workbook would unpack to %(ratio)d times its size, as a zip bomb does; "
                "it was not opened. Save it again from Excel, or as CSV."
            ) % {"ratio": int(ratio)}
    return None
