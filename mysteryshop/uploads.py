"""Checks of uploaded files by their content, shared by the importers (agents
and contact data): what a file is by its first bytes, which encoding its text
is in, and whether a workbook may be opened at all.

An XLSX workbook is a zip archive. A "zip bomb" is a small archive that unpacks
to gigabytes and exhausts the memory of whoever opens it; its directory gives it
away before anything is unpacked (the readers refuse a member larger than its
declared size, so the declared sizes can be trusted).
"""

import codecs
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.translation import gettext, gettext_noop, ngettext

SAMPLE_BYTES = 1 << 16  # what `sniff` is given: the file's first bytes
XLSX_SIGNATURE = b"PK\x03\x04"  # an XLSX workbook is a zip archive
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0"  # Excel 97-2003 .xls
# First bytes of files that are surely not a table (the name does not count).
NOT_TABLES = (
    b"\x89PNG",
    b"\xff\xd8\xff",  # JPEG
    b"GIF8",
    b"%PDF",
    b"\x1f\x8b",  # gzip
    b"Rar!",
    b"7z\xbc\xaf",
)
# Real workbooks compress 5-20 times; a zip bomb about 1,000 times.
XLSX_MAX_RATIO = 100
# Below this size a member's ratio does not matter (tiny XML compresses well).
XLSX_RATIO_FROM_BYTES = 10 * 1024 * 1024
XLSX_MAX_MEMBERS = 1000


def xlsx_problem(file, *, max_uncompressed: int) -> str | None:
    """xlsx_rejection's message, worded now; None when the workbook may be opened."""
    rejection = xlsx_rejection(file, max_uncompressed=max_uncompressed)
    return rejection.message if rejection else None


def xlsx_rejection(file, *, max_uncompressed: int) -> "FileRejected | None":
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
        return FileRejected(
            gettext_noop(
                "The workbook holds %(n)d parts; a real one has a few dozen. It was not opened."
            ),
            {"n": len(members)},
        )
    total = sum(m.file_size for m in members)
    if total > max_uncompressed:
        return FileRejected(
            gettext_noop(
                "The workbook unpacks to %(size)d MB, more than the %(max)d MB allowed. Split "
                "it into smaller files or save it as CSV."
            ),
            {"size": total // (1024 * 1024), "max": max_uncompressed // (1024 * 1024)},
        )
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > XLSX_RATIO_FROM_BYTES and ratio > XLSX_MAX_RATIO:
            return FileRejected(
                gettext_noop(
                    "The workbook would unpack to %(ratio)d times its size, as a zip bomb "
                    "does; it was not opened. Save it again from Excel, or as CSV."
                ),
                {"ratio": int(ratio)},
            )
    return None


@dataclass(frozen=True)
class RowError:
    """One problem in one row of an imported file; `column` is blank when it
    concerns the whole row."""

    row: int
    column: str
    message: str


class FileRejected(Exception):
    """The file as a whole cannot be read; `message` says why, in the language
    active when it is read, `details` may add lines (the columns expected, …).

    `text` is the message untranslated (marked with gettext_noop) and `params`
    its values, so that what is stored (`problem`) is worded when it is shown,
    in the reader's language. A message worded already is taken as it is."""

    def __init__(self, text: str, params: dict | None = None, details: Iterable[str] = ()):
        super().__init__(text)
        self.text = text
        self.params = params or {}
        self.details = list(details)

    @property
    def message(self) -> str:
        return worded({"text": self.text, "params": self.params})

    def __str__(self) -> str:
        return self.message

    @property
    def problem(self) -> dict:
        """The message as stored: its untranslated text and its values."""
        return {"text": self.text, "params": self.params}


def worded(problem: dict) -> str:
    """A stored message ({"text", "params"}; "plural" with "n" for one that
    depends on a number; "grouped", the params shown with thousands separators)
    in the active language."""
    params = dict(problem.get("params") or {})
    for name in problem.get("grouped", ()):
        params[name] = number_format(params[name], force_grouping=True)
    if "plural" in problem:
        text = ngettext(problem["text"], problem["plural"], problem["n"])
    else:
        text = gettext(problem["text"])
    return text % params if params else text


def sniff(head: bytes) -> str:
    """ "xlsx" or "text", judged from the file's first bytes (its name does not
    count); raises FileRejected for an empty file, an old .xls workbook, UTF-16
    text and binary content."""
    if not head:
        raise FileRejected(gettext_noop("The file is empty (0 bytes)."))
    if head.startswith(XLSX_SIGNATURE):
        return "xlsx"
    if head.startswith(OLE_SIGNATURE):
        raise FileRejected(
            gettext_noop(
                "This is an old Excel 97-2003 workbook (.xls): save it as an Excel workbook "
                "(.xlsx) or as CSV UTF-8 and upload it again."
            )
        )
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileRejected(
            gettext_noop(
                "This is UTF-16 text (Excel's “Unicode text”): save it as CSV UTF-8 and "
                "upload it again."
            )
        )
    if head.startswith(NOT_TABLES) or b"\x00" in head:
        raise FileRejected(
            gettext_noop(
                "This is not a CSV or XLSX file: its content is binary (an image, a PDF, an "
                "archive…), whatever its name says."
            )
        )
    return "text"


def text_encoding(chunks: Callable[[], Iterable[bytes]]) -> str | None:
    """ "utf-8-sig", "utf-8" or "cp1252" (what Excel saves in an Indonesian or
    English locale): the first that decodes every chunk of the text, read as
    often as needed from `chunks()`; None when neither does."""
    for encoding in ("utf-8", "cp1252"):
        decoder = codecs.getincrementaldecoder(encoding)()
        first = b""
        try:
            for chunk in chunks():
                first = first or chunk
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        if encoding == "utf-8" and first.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        return encoding
    return None
