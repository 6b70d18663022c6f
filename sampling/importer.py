"""Reading a month of contacts from the contact-logging system (TLK-5.1.1).

One row per contact. Columns, by header name in any case and order, in English
or as Indonesian exports label them (HEADER_ALIASES):

    timestamp   date and time of the contact, in any of the forms people export:
                ISO 8601 with or without a zone (2026-10-01T08:15:00+07:00,
                2026-10-01 08:15), day-first 21/11/2026 09:03[:05] or
                21-11-2026 9:03, month-first 11/21/2026 09:03, an Excel serial
                number (46347.37) or a real date cell of a workbook. A time
                without a zone is in the program's time zone.
    channel     a channel code or name of the program, or a value mapped to one
    reason      the reason for contact as the system writes it
    category    an interaction category code or name, or a value mapped to one
    status      optional: a second column (e.g. FCR / Eskalasi) that, with the
                category, picks the category (Telkom's complaint FCR / escalated)
    area        optional (at most 100 characters)
    skill       optional (kept for reference, not counted)

CSV (UTF-8 with or without BOM, Windows-1252 or Latin-1; separated by commas,
semicolons, tabs or bars) or XLSX (first sheet; the values Excel last
calculated). The file is read with polars' streaming engine and one timestamp
format, chosen on a sample: a million rows take seconds and memory stays
bounded; a workbook is streamed to CSV first.

Validation is all-or-nothing, and checks everything the database will be asked
to take, so that a file that passed never fails in the store. Errors come
grouped by cause (error code, column and value), with their count and first
rows; the codes are stored and worded when shown, in the reader's language.
Values of coded columns the program does not know (categories, channels) are
not errors to fix in the file but values to map: `needs_mapping` says when
they are the only problem.
"""

import codecs
import csv
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import polars as pl
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext
from python_calamine import CalamineWorkbook

from mysteryshop.spreadsheets import FORMULA_STARTS
from mysteryshop.uploads import (
    SAMPLE_BYTES,
    FileRejected,
    RowError,
    sniff,
    text_encoding,
    xlsx_rejection,
)

REQUIRED = ["timestamp", "channel", "reason", "category"]
OPTIONAL = ["area", "skill", "status"]
# Header names as exports write them (lower case, spaces collapsed).
HEADER_ALIASES = {
    "timestamp": [
        "timestamp",
        "waktu",
        "tanggal",
        "tanggal/waktu",
        "tanggal waktu",
        "waktu kontak",
        "tanggal kontak",
        "datetime",
        "date time",
        "date",
        "created at",
    ],
    "channel": ["channel", "kanal", "saluran", "media"],
    "reason": ["reason", "alasan", "alasan kontak", "reason for contact", "keterangan", "topik"],
    "category": ["category", "kategori", "kategori interaksi", "interaction category", "jenis"],
    "area": ["area", "wilayah", "region", "kanwil"],
    "skill": ["skill", "keahlian"],
    "status": ["status", "status penanganan", "eskalasi", "escalation"],
}
ERRORS_SHOWN = 100
ROWS_SHOWN = 5  # first rows named per group of errors
REASON_MAX, AREA_MAX = 200, 100  # ContactStat's columns
TIMESTAMP_SAMPLE = 2000
# A 1,000,000-row workbook unpacks to ~350 MB; more is refused unread.
XLSX_MAX_UNCOMPRESSED = 1024 * 1024 * 1024
# polars names a repeated header "<name>_duplicated_<n>"; so does the XLSX reader.
DUPLICATED = re.compile(r"_duplicated_\d+$")
# A workbook column of more bare dates than this (no time anywhere) holds dates, not times.
DATES_ALONE_FROM = 24
IGNORE = -1  # a channel id: the rows of this value are left out

# Error codes (stored; worded by describe_group in the reader's language).
BAD_TIME, OUTSIDE, UNKNOWN_CHANNEL, UNKNOWN_CATEGORY = 1, 2, 3, 4
EMPTY_REASON, LONG_REASON, MIXED_OFFSETS, LONG_AREA, NUL_CHARACTER = 5, 6, 7, 8, 9
COLUMN_OF = {
    BAD_TIME: "timestamp",
    OUTSIDE: "timestamp",
    UNKNOWN_CHANNEL: "channel",
    UNKNOWN_CATEGORY: "category",
    EMPTY_REASON: "reason",
    LONG_REASON: "reason",
    MIXED_OFFSETS: "timestamp",
    LONG_AREA: "area",
    NUL_CHARACTER: "",
}
MAPPABLE = {UNKNOWN_CHANNEL: "channel", UNKNOWN_CATEGORY: "category"}

# Timestamp formats, after "T" became a space and "Z" "+00:00". Day-first comes
# before month-first: on a tie (every day ≤ 12 and both in the month) it wins.
AWARE_FORMATS = ("%Y-%m-%d %H:%M:%S%.f%z", "%Y-%m-%d %H:%M%z")
NAIVE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",  # before its variant with a fraction: polars' fast parser reads it
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%d %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
)
EXCEL_SERIAL = "excel-serial"  # days since 1899-12-30, the fraction the time of day
# A fixed format whose offset is always ±HH:MM at the end: the wall-clock part is
# read by polars' fast fixed-width parser and the offset by slicing (3× faster
# than %z on a million rows).
SPLIT_OFFSET = "split-offset:"
TIMESTAMP_FORMATS = (*AWARE_FORMATS, *NAIVE_FORMATS, EXCEL_SERIAL)
EXCEL_EPOCH = datetime(1899, 12, 30)
SERIAL = r"^\d{5}(\.\d+)?$"


@dataclass
class ParseResult:
    """Counts per (reason text, category id, channel id, weekday, hour, area)."""

    encoding: str
    rows: int = 0
    table: pl.DataFrame | None = None  # the counts as a frame (what the store copies)
    # The first ERRORS_SHOWN bad rows, worded in the current language.
    errors: list[RowError] = field(default_factory=list)
    error_total: int = 0  # rows with an error
    # Bad rows by cause: {code, column, value, qualifier, n, rows}, largest first.
    error_groups: list[dict] = field(default_factory=list)
    error_rows: pl.DataFrame | None = None  # every bad row: row, code, value
    ignored_rows: int = 0  # rows of ignored channels, left out
    timestamp_format: str = ""
    file_error: str = ""

    @property
    def ok(self) -> bool:
        return not self.file_error and not self.error_total

    @property
    def counts(self) -> list[tuple[str, int, int, int, int, str, int]]:
        """The counts as tuples (a frame is what the store takes)."""
        return [] if self.table is None else [tuple(r) for r in self.table.iter_rows()]

    @property
    def needs_mapping(self) -> bool:
        """Unknown coded values are the only problem: map them and read again."""
        return bool(self.error_groups) and all(g["code"] in MAPPABLE for g in self.error_groups)

    def unknown(self) -> dict[str, list[dict]]:
        """The values to map, by kind: [{value, qualifier, n, rows}]."""
        found: dict[str, list[dict]] = {}
        for group in self.error_groups:
            if group["code"] in MAPPABLE:
                found.setdefault(MAPPABLE[group["code"]], []).append(
                    {k: group[k] for k in ("value", "qualifier", "n", "rows")}
                )
        return found


def key(value: str, qualifier: str = "") -> str:
    """A coded value as looked up: trimmed, lower case, spaces collapsed; with
    its qualifier (the status column) after a bar."""
    value = " ".join(value.split()).lower()
    return f"{value}|{' '.join(qualifier.split()).lower()}" if qualifier else value


def _lookup(names: dict[str, int]) -> dict[str, int]:
    return {k if "|" in k else key(k): v for k, v in names.items()}


def detect(path: Path, *, whole: bool = False) -> str:
    """'xlsx', 'utf-8', 'utf-8-sig', 'cp1252' or 'latin-1'; raises FileRejected otherwise.

    A file whose head is UTF-8 is taken as UTF-8 without reading it all: polars
    checks every byte as it reads, and a file that turns out not to be is read
    again with `whole` (every byte looked at)."""
    with path.open("rb") as fh:
        head = fh.read(SAMPLE_BYTES)
    if sniff(head) == "xlsx":
        return "xlsx"
    if not whole:
        try:
            decoder = codecs.getincrementaldecoder("utf-8")()
            decoder.decode(head, final=len(head) < SAMPLE_BYTES)
        except UnicodeDecodeError:
            pass
        else:
            return "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"

    def chunks():
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                yield chunk

    return text_encoding(chunks) or "latin-1"  # any byte is a Latin-1 character


def _not_utf8(exc: Exception) -> bool:
    return "invalid utf-8" in str(exc).lower()


@dataclass(frozen=True)
class _Source:
    """The file as polars reads it: UTF-8 CSV (transcoded or written from a
    workbook when it was not), its separator."""

    path: Path
    separator: str

    def options(self) -> dict:
        return {
            "separator": self.separator,
            "infer_schema": False,
            "encoding": "utf8",
            "truncate_ragged_lines": False,
        }

    def scan(self) -> pl.LazyFrame:
        return pl.scan_csv(self.path, low_memory=True, **self.options())

    def head(self, size: int) -> pl.LazyFrame | None:
        """The file's first rows (about `size` bytes, whole lines outside quotes),
        to choose the timestamp format from; None when it has no row."""
        with self.path.open("rb") as fh:
            header = fh.readline()
            data = fh.read(size)
        more = len(data) == size
        cut = data.rfind(b"\n") + 1 if more else len(data)
        while more and cut and data.count(b'"', 0, cut) % 2:
            cut = data.rfind(b"\n", 0, cut - 1) + 1
        if not data[:cut].strip():
            return None
        return pl.read_csv(header + data[:cut], **self.options()).lazy()


def _source(path: Path, encoding: str, workdir: Path) -> _Source:
    if encoding == "xlsx":
        path, encoding = _xlsx_to_csv(path, workdir / "sheet.csv"), "utf-8"
        separator = ","
    else:
        if encoding in ("cp1252", "latin-1"):  # polars reads UTF-8: transcode, streaming
            target = workdir / "utf8.csv"
            with (
                path.open(encoding=encoding, newline="") as src,
                target.open("w", encoding="utf-8", newline="") as dst,
            ):
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
            path, encoding = target, "utf-8"
        with path.open(encoding=encoding, newline="") as fh:
            first = fh.readline()
        try:
            separator = csv.Sniffer().sniff(first, delimiters=",;\t|").delimiter
        except csv.Error:
            separator = ","
    return _Source(path, separator)


def _cell(value, timed: bool = True) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):  # calamine gives a date and time at midnight as a date
        return value.strftime("%Y-%m-%d 00:00:00" if timed else "%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def _xlsx_to_csv(path: Path, target: Path) -> Path:
    """The first sheet written as a UTF-8 CSV, row by row (memory stays bounded)."""
    rejection = xlsx_rejection(path, max_uncompressed=XLSX_MAX_UNCOMPRESSED)
    if rejection:
        raise rejection
    try:
        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
        rows = sheet.iter_rows()
        header_cells = next(rows, None)
        # First pass: which columns hold bare dates alone (a long column of dates
        # and no time stays dates, and such a timestamp column is refused).
        width = len(header_cells or [])
        dates, times = [0] * width, [False] * width
        for row in rows:
            for i, value in enumerate(row[:width]):
                if isinstance(value, datetime):
                    times[i] = True
                elif isinstance(value, date):
                    dates[i] += 1
    except FileRejected:
        raise
    except Exception as exc:  # a damaged or encrypted workbook
        raise FileRejected(
            gettext_noop("The XLSX file cannot be read: %(error)s"), {"error": str(exc)}
        ) from exc
    if not header_cells:
        raise FileRejected(gettext_noop("The first sheet of the workbook is empty."))
    timed = [times[i] or dates[i] <= DATES_ALONE_FROM for i in range(width)]
    header = []
    for i, cell in enumerate(header_cells):
        name = _cell(cell) or f"column_{i + 1}"
        repeats = sum(1 for h in header if DUPLICATED.sub("", h) == name)
        header.append(f"{name}_duplicated_{repeats - 1}" if repeats else name)
    with target.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        rows = sheet.iter_rows()
        next(rows)
        for row in rows:
            cells = [_cell(v, timed[i]) for i, v in enumerate(row[:width])]
            writer.writerow(cells + [""] * (width - len(cells)))
    return target


def _canonical(name: str) -> str:
    name = " ".join(DUPLICATED.sub("", name.replace("\ufeff", "")).split()).lower()
    for column, aliases in HEADER_ALIASES.items():
        if name in aliases:
            return column
    return name


def parse(
    path: Path,
    *,
    time_zone: str,
    year: int,
    month: int,
    channels: dict[str, int],
    categories: dict[str, int],
    progress: Callable[[int], None] = lambda pct: None,
    encoding: str = "",
) -> ParseResult:
    """Validate and aggregate a contact file; nothing is written anywhere.

    `channels` and `categories` map codes, names and mapped values to ids (a
    channel id IGNORE leaves its rows out); a category key "value|status" is
    looked up with the status column first.
    """
    args = (path, time_zone, year, month, channels, categories, progress)
    if encoding:
        return _parse(*args, encoding, guessed=False)
    try:
        return _parse(*args, detect(path), guessed=True)
    except _NotUtf8:
        # UTF-8 at its head only: read again in the encoding of all of it.
        return _parse(*args, detect(path, whole=True), guessed=False)


def _unreadable(exc: Exception) -> FileRejected:
    return FileRejected(
        gettext_noop("The file cannot be read as CSV: %(error)s"), {"error": str(exc)}
    )


class _NotUtf8(Exception):
    """A file taken as UTF-8 from its head has a byte further on that is not."""


def _parse(path, time_zone, year, month, channels, categories, progress, encoding, *, guessed):
    """`parse` in one encoding; raises _NotUtf8 when a guessed UTF-8 is not."""
    guessed = guessed and encoding.startswith("utf-8")
    result = ParseResult(encoding=encoding)
    with tempfile.TemporaryDirectory() as tmp:
        try:
            source = _source(path, encoding, Path(tmp))
        except UnicodeDecodeError as exc:
            if guessed:
                raise _NotUtf8 from exc
            raise _unreadable(exc) from exc
        lf = source.scan()
        try:
            columns = lf.collect_schema().names()
        except pl.exceptions.PolarsError as exc:
            if guessed and _not_utf8(exc):
                raise _NotUtf8 from exc
            raise _unreadable(exc) from exc
        known: dict[str, list[str]] = {}
        for original in columns:
            name = _canonical(original)
            if name in REQUIRED or name in OPTIONAL:
                known.setdefault(name, []).append(original)
        repeated = [name for name, originals in known.items() if len(originals) > 1]
        if repeated:
            raise FileRejected(
                gettext_noop("Column(s) given more than once: %(columns)s. Keep one of each."),
                {"columns": ", ".join(f"{n} ({' / '.join(known[n])})" for n in repeated)},
            )
        missing = [c for c in REQUIRED if c not in known]
        if missing:
            raise FileRejected(
                gettext_noop(
                    "Missing column(s): %(missing)s. Expected columns: %(required)s "
                    "(optional: %(optional)s), or their Indonesian names such as "
                    "waktu, kanal, alasan, kategori; found: %(found)s."
                ),
                {
                    "missing": ", ".join(missing),
                    "required": ", ".join(REQUIRED),
                    "optional": ", ".join(OPTIONAL),
                    "found": ", ".join(columns) or "—",
                },
            )

        def shaped(frame: pl.LazyFrame) -> pl.LazyFrame:
            """The known columns under their own names; optional ones always there."""
            frame = frame.select(
                [pl.col(known[c][0]).alias(c) for c in [*REQUIRED, *OPTIONAL] if c in known]
            )
            missing = [pl.lit("").alias(c) for c in OPTIONAL if c not in known]
            return frame.with_columns(missing) if missing else frame

        lf = shaped(lf)
        progress(10)
        try:
            head = source.head(SAMPLE_BYTES * 4)
            if head is None:
                raise FileRejected(gettext_noop("The file has a header but no contact rows."))
            formats = _formats_for(shaped(head), year, month)
            result.timestamp_format = formats.chosen
            reader = _Reader(time_zone, year, month, _lookup(channels), _lookup(categories))
            # One streaming pass: counts per group, the row's error code folded into
            # the key (and whether its timestamp had an offset).
            groups = reader.grouped(lf, formats)
            if formats.fixed and groups.filter(pl.col("code") == BAD_TIME).height:
                formats = ALL_FORMATS  # a row in another format: read with all of them
                groups = reader.grouped(lf, formats)
            progress(50)
            result.rows = int(groups["n"].sum() or 0)
            if result.rows == 0:
                raise FileRejected(gettext_noop("The file has a header but no contact rows."))
            result.ignored_rows = int(groups.filter(pl.col("ignored"))["n"].sum() or 0)
            kept = groups.filter(~pl.col("ignored"))
            parsed = kept.filter(pl.col("code") != BAD_TIME)
            aware = int(parsed.filter(pl.col("is_aware"))["n"].sum() or 0)
            mixed = bool(aware and aware < int(parsed["n"].sum() or 0))
            if kept.filter((pl.col("code") != 0) | (pl.lit(mixed) & ~pl.col("is_aware"))).height:
                _errors(result, reader.bad_rows(lf, formats, mixed), year, month)
                return result
        except pl.exceptions.PolarsError as exc:
            if guessed and _not_utf8(exc):
                raise _NotUtf8 from exc
            raise _unreadable(exc) from exc
    counts = (
        kept.group_by("reason", "category_id", "channel_id", "weekday", "hour", "area")
        .agg(pl.col("n").sum())
        .sort("reason", "category_id", "channel_id", "weekday", "hour", "area")
    )
    result.rows -= result.ignored_rows
    result.table = counts
    progress(80)
    return result


def _normalized(expr: pl.Expr) -> pl.Expr:
    return (
        expr.cast(pl.String)
        .str.strip_chars()
        .str.replace("T", " ", literal=True)
        .str.replace(r"Z$", "+00:00")
    )


def _is_aware(fmt: str) -> bool:
    return fmt.endswith("%z") or fmt.startswith(SPLIT_OFFSET)


def _as_datetime(text: pl.Expr, fmt: str) -> pl.Expr:
    """`text` read with one format: aware formats in UTC, the others naive."""
    if fmt.startswith(SPLIT_OFFSET):
        # "split-offset:<width>:<wall format>": texts of <width> bytes, the last six ±HH:MM.
        width, wall_format = fmt.removeprefix(SPLIT_OFFSET).split(":", 1)
        cut = int(width) - 6
        wall = text.str.head(cut).str.to_datetime(wall_format, strict=False, time_unit="us")
        # Each part referenced once: the streaming engine computes an expression
        # as often as it is referenced.
        valid = text.str.contains(rf"^.{{{cut}}}[+-](0\d|1[0-4]):[0-5]\d$")
        minutes = text.str.slice(cut + 1, 2).cast(pl.Int64, strict=False) * 60
        minutes = minutes + text.str.slice(cut + 4, 2).cast(pl.Int64, strict=False)
        sign = 1 - 2 * (text.str.slice(cut, 1) == "-").cast(pl.Int64)
        shift = pl.when(valid).then(sign * minutes * 60_000_000)
        return (wall.cast(pl.Int64) - shift).cast(pl.Datetime("us", "UTC"))
    if fmt == EXCEL_SERIAL:
        days = pl.when(text.str.contains(SERIAL)).then(text).cast(pl.Float64, strict=False)
        return pl.lit(EXCEL_EPOCH) + pl.duration(milliseconds=(days * 86_400_000).round(0))
    if fmt.endswith("%z"):
        return text.str.to_datetime(fmt, strict=False, time_zone="UTC", time_unit="us")
    return text.str.to_datetime(fmt, strict=False, time_unit="us")


@dataclass(frozen=True)
class Formats:
    """How the timestamps are read: the formats tried in turn, and whether the
    text is normalized first ("T" to a space, "Z" to +00:00, spaces trimmed)."""

    chosen: str
    formats: tuple[str, ...]
    normalize: bool = True

    @property
    def fixed(self) -> bool:
        return len(self.formats) == 1


ALL_FORMATS = Formats("", TIMESTAMP_FORMATS)


def _formats_for(lf: pl.LazyFrame, year: int, month: int) -> Formats:
    """The format that reads the sampled timestamps into the month being imported
    (the fast path: one fixed format, on the text as it is when it can), else all.

    The month settles day-first against month-first: 05/10/2026 in an October
    import is the 5th of October. On a tie day-first wins (Indonesian exports).
    """
    raw = lf.select(pl.col("timestamp").cast(pl.String)).head(TIMESTAMP_SAMPLE).collect()
    raw = raw.to_series().drop_nulls()  # (lf: the file's first block, not all of it)
    raw = raw.filter(raw != "")
    values = pl.select(_normalized(pl.lit(raw))).to_series()
    best, best_in, best_read = "", -1, 0
    for fmt in TIMESTAMP_FORMATS:
        parsed = pl.select(_as_datetime(pl.lit(values), fmt)).to_series()
        read = values.len() - parsed.null_count()
        inside = int(((parsed.dt.year() == year) & (parsed.dt.month() == month)).sum() or 0)
        if read and (inside, read) > (best_in, best_read):
            best, best_in, best_read = fmt, inside, read
    if not best or best_read < values.len():
        return Formats(best, TIMESTAMP_FORMATS)
    # ISO with a "T" reads as it is with the "T" in the format: no string work per row.
    for fmt in dict.fromkeys([best, best.replace(" ", "T", 1)]):
        read = pl.select(_as_datetime(pl.lit(raw), fmt)).to_series()
        if read.null_count() == 0:
            return Formats(best, (_split_offset(raw, fmt, read) or fmt,), normalize=False)
    return Formats(best, (best,))


def _split_offset(raw: pl.Series, fmt: str, read: pl.Series) -> str:
    """The SPLIT_OFFSET variant of the aware `fmt` that reads the sample exactly
    as `fmt` does (every sampled text of one width), or ""."""
    if not fmt.endswith("%z"):
        return ""
    widths = raw.str.len_bytes().unique()
    if widths.len() != 1:
        return ""
    wall = fmt.removesuffix("%z")
    for variant in dict.fromkeys([wall.replace("%.f", ""), wall]):
        split_format = f"{SPLIT_OFFSET}{widths[0]}:{variant}"
        split = pl.select(_as_datetime(pl.lit(raw), split_format)).to_series()
        if split.null_count() == 0 and split.equals(read):
            return split_format
    return ""


# The columns a contact is counted by, as in the file (cleaned on the aggregate).
RAW = ["channel", "reason", "category", "status", "area"]


@dataclass
class _Reader:
    time_zone: str
    year: int
    month: int
    channels: dict[str, int]
    categories: dict[str, int]

    @property
    def qualified(self) -> bool:
        """Whether a category is looked up with the status column (TLK-5.1.2)."""
        return any("|" in k for k in self.categories)

    def grouped(self, lf: pl.LazyFrame, formats: Formats) -> pl.DataFrame:
        """Counts per group, each group's error code in its key: times are read
        row by row in one streaming pass (memory about the size of the aggregate,
        not of the file); the other columns are cleaned and looked up on the
        aggregate."""
        # The time of a row as one number (fewer keys to hash): its month, weekday,
        # hour and whether it had an offset; -1 unreadable, -2 blank.
        when = pl.col("year") * 12 + pl.col("month") - 1
        when = ((when * 7 + pl.col("weekday") - 1) * 24 + pl.col("hour")) * 2
        when = (
            pl.when(pl.col("ts_blank"))
            .then(-2)
            .otherwise((when + pl.col("is_aware").cast(pl.Int64)).fill_null(-1))
        )
        # The status only counts where a category is mapped with it.
        keys = RAW if self.qualified else [c for c in RAW if c != "status"]
        raw = (
            self.timed(lf, formats)
            .select(when.alias("when"), *keys)
            .group_by(["when", *keys])
            .agg(n=pl.len())
            .collect(engine="streaming")
        )
        if not raw.height:
            return pl.DataFrame(schema={"code": pl.UInt8, "ignored": pl.Boolean, "n": pl.UInt32})
        if not self.qualified:
            raw = raw.with_columns(status=pl.lit(""))
        w = pl.when(pl.col("when") >= 0).then(pl.col("when"))
        raw = raw.with_columns(
            ts_blank=pl.col("when") == -2,
            is_aware=(w % 2 == 1).fill_null(False),
            hour=(w // 2 % 24).cast(pl.Int8),
            weekday=(w // 48 % 7 + 1).cast(pl.Int8),
            month=(w // 336 % 12 + 1).cast(pl.Int8),
            year=(w // 4032).cast(pl.Int32),
        )
        final = ["code", "is_aware", "ignored", "reason", "category_id", "channel_id"]
        return (
            self.coded(raw.lazy())
            .group_by(*final, "weekday", "hour", "area")
            .agg(pl.col("n").sum())
            .collect()
        )

    def bad_rows(self, lf, formats: Formats, mixed: bool) -> pl.DataFrame:
        """Every bad row (the error pass, with row numbers): row, code, value, qualifier."""
        checked = self.coded(self.timed(lf.with_row_index("row", offset=2), formats))
        code = (
            pl.when((pl.col("code") == 0) & pl.lit(mixed) & ~pl.col("is_aware"))
            .then(pl.lit(MIXED_OFFSETS, pl.UInt8))
            .otherwise(pl.col("code"))
        )
        by_code = {
            BAD_TIME: "timestamp",
            OUTSIDE: "timestamp",
            MIXED_OFFSETS: "timestamp",
            UNKNOWN_CHANNEL: "channel",
            UNKNOWN_CATEGORY: "category",
            LONG_REASON: "reason",
            LONG_AREA: "area",
        }
        value = pl.lit("")
        for number, column in by_code.items():
            value = pl.when(pl.col("code") == number).then(pl.col(column)).otherwise(value)
        return (
            checked.filter(~pl.col("ignored"))
            .with_columns(code=code)
            .filter(pl.col("code") != 0)
            .select(
                "row",
                "code",
                value=value.cast(pl.String).str.strip_chars().fill_null(""),
                qualifier=pl.when(pl.col("code") == UNKNOWN_CATEGORY)
                .then(pl.col("status").cast(pl.String).str.strip_chars().fill_null(""))
                .otherwise(pl.lit("")),
            )
            .sort("row")
            .collect(engine="streaming")
        )

    def timed(self, lf, formats: Formats) -> pl.LazyFrame:
        """Each row's time in the program's zone: year, month, weekday, hour
        (null when unreadable), whether it had an offset, whether it was blank.

        Each step's result is a column, used by name: the streaming engine
        computes an expression as often as it is referenced."""
        text = pl.col("timestamp").cast(pl.String)
        norm = _normalized(text) if formats.normalize else text
        aware_formats = [f for f in formats.formats if _is_aware(f)]
        naive_formats = [f for f in formats.formats if not _is_aware(f)]
        no_time = pl.lit(None, pl.Datetime("us"))
        # Both as the wall-clock time in the program's zone, naive (fields are
        # read fast from a naive time; an aware one is converted per field).
        aware = (
            pl.coalesce([_as_datetime(norm, f) for f in aware_formats])
            .dt.convert_time_zone(self.time_zone)
            .dt.replace_time_zone(None)
            if aware_formats
            else no_time
        )
        naive = (
            # A wall time the zone skips (a DST gap) is unreadable.
            pl.coalesce([_as_datetime(norm, f) for f in naive_formats])
            .dt.replace_time_zone(self.time_zone, ambiguous="earliest", non_existent="null")
            .dt.replace_time_zone(None)
            if naive_formats
            else no_time
        )
        local = pl.col("_local")
        return (
            lf.with_columns(_aware=aware, _naive=naive, ts_blank=text.fill_null("") == "")
            .with_columns(
                _local=pl.coalesce("_aware", "_naive").dt.cast_time_unit("us"),
                is_aware=pl.col("_aware").is_not_null(),
            )
            .with_columns(
                year=local.dt.year(),
                month=local.dt.month(),
                weekday=local.dt.weekday(),
                hour=local.dt.hour(),
            )
            .drop("_aware", "_naive", "_local")
        )

    def coded(self, frame: pl.LazyFrame) -> pl.LazyFrame:
        """Cleaned fields, the ids looked up and each row's (or group's) error
        code: 0 when fine. Blank rows (no required cell) are left out."""
        text = {c: pl.col(c).cast(pl.String).fill_null("") for c in RAW}
        blank = pl.col("ts_blank") & pl.all_horizontal(
            [text[c] == "" for c in ("channel", "reason", "category")]
        )
        channel = text["channel"].str.strip_chars().str.to_lowercase()
        category = text["category"].str.strip_chars().str.to_lowercase()
        category_id = category.replace_strict(self.categories, default=None, return_dtype=pl.Int64)
        if self.qualified:
            status = text["status"].str.strip_chars().str.to_lowercase()
            qualified = (category + "|" + status).replace_strict(
                self.categories, default=None, return_dtype=pl.Int64
            )
            category_id = pl.coalesce(qualified, category_id)
        frame = frame.filter(~blank).with_columns(
            nul=pl.any_horizontal([t.str.contains("\x00", literal=True) for t in text.values()]),
            reason=text["reason"].str.strip_chars().str.replace_all(r"\s{2,}", " "),
            area=text["area"].str.strip_chars(),
            channel_id=channel.replace_strict(self.channels, default=None, return_dtype=pl.Int64),
            category_id=category_id,
        )
        # First hit wins; the values to map come last, so that a row that is wrong
        # for another reason says so (mapping would not save it).
        checks = [
            (NUL_CHARACTER, pl.col("nul")),
            (BAD_TIME, pl.col("weekday").is_null()),
            (OUTSIDE, (pl.col("year") != self.year) | (pl.col("month") != self.month)),
            (EMPTY_REASON, pl.col("reason") == ""),
            (LONG_REASON, pl.col("reason").str.len_chars() > REASON_MAX),
            (LONG_AREA, pl.col("area").str.len_chars() > AREA_MAX),
            (UNKNOWN_CHANNEL, pl.col("channel_id").is_null()),
            (UNKNOWN_CATEGORY, pl.col("category_id").is_null()),
        ]
        code = pl.lit(0, dtype=pl.UInt8)
        for number, condition in reversed(checks):
            code = (
                pl.when(condition.fill_null(False)).then(pl.lit(number, pl.UInt8)).otherwise(code)
            )
        return frame.with_columns(
            code=code, ignored=(pl.col("channel_id") == IGNORE).fill_null(False)
        )


def _errors(result: ParseResult, bad: pl.DataFrame, year: int, month: int) -> None:
    """Group the bad rows by cause; the first ones as worded row errors."""
    result.error_rows = bad
    result.error_total = bad.height
    value_key = pl.col("value").str.to_lowercase().str.replace_all(r"\s+", " ")
    qualifier_key = pl.col("qualifier").str.to_lowercase().str.replace_all(r"\s+", " ")
    # A category value goes with its status only where the status tells its rows
    # apart (Komplain + FCR / Eskalasi); with one status, the value alone is asked.
    one_status = qualifier_key.n_unique().over("code", value_key) == 1
    bad = bad.with_columns(
        qualifier=pl.when(one_status).then(pl.lit("")).otherwise(pl.col("qualifier"))
    )
    grouping = (
        pl.when(pl.col("code").is_in(list(MAPPABLE)))
        .then(value_key + "|" + qualifier_key)
        .otherwise(pl.lit(""))
    )
    groups = (
        bad.with_columns(group=grouping)
        .group_by("code", "group")
        .agg(
            n=pl.len(),
            value=pl.col("value").first(),
            qualifier=pl.col("qualifier").first(),
            rows=pl.col("row").head(ROWS_SHOWN),
            first=pl.col("row").min(),
        )
        .sort(["n", "first"], descending=[True, False])
    )
    result.error_groups = [
        {
            "code": int(g["code"]),
            "column": COLUMN_OF[g["code"]],
            "value": g["value"][:REASON_MAX],
            "qualifier": g["qualifier"][:REASON_MAX],
            "n": int(g["n"]),
            "rows": [int(r) for r in g["rows"]],
            "month": f"{year}-{month:02d}",
        }
        for g in groups.iter_rows(named=True)
    ]
    for row, code, value, qualifier in bad.head(ERRORS_SHOWN).iter_rows():
        group = {"code": code, "value": value, "qualifier": qualifier, "n": 1, "rows": [row]}
        group["month"] = f"{year}-{month:02d}"
        result.errors.append(RowError(row, COLUMN_OF[code] or "", problem(group)))


ACCEPTED_TIMES = (
    "2026-10-01 08:15, 2026-10-01T08:15:00+07:00, 01/10/2026 08:15, 01-10-2026 8:15:00"
)


def problem(group: dict, known: str = "") -> str:
    """What is wrong with the rows of an error group, worded now."""
    value, code = group.get("value", ""), group["code"]
    if code == BAD_TIME:
        return _(
            "“%(value)s” is not a date and time (accepted: %(accepted)s, or an Excel date)."
        ) % {
            "value": value,
            "accepted": ACCEPTED_TIMES,
        }
    if code == OUTSIDE:
        return _("“%(value)s” is outside %(month)s, the month being imported.") % {
            "value": value,
            "month": group.get("month", ""),
        }
    if code == MIXED_OFFSETS:
        return _(
            "“%(value)s” has no time-zone offset but other timestamps of the file do: "
            "give every timestamp an offset, or none."
        ) % {"value": value}
    if code == UNKNOWN_CHANNEL:
        text = _("channel “%(value)s” is not a channel of this program") % {"value": value}
        return text + (_(" (known: %(known)s)") % {"known": known} if known else "") + "."
    if code == UNKNOWN_CATEGORY:
        if group.get("qualifier"):
            text = _(
                "category “%(value)s” with status “%(qualifier)s” is not a category "
                "of this program"
            ) % {"value": value, "qualifier": group["qualifier"]}
        else:
            text = _("category “%(value)s” is not a category of this program") % {"value": value}
        return text + (_(" (known: %(known)s)") % {"known": known} if known else "") + "."
    if code == EMPTY_REASON:
        return _("the reason for contact is empty.")
    if code == LONG_REASON:
        return _("the reason “%(value)s…” is longer than %(max)s characters.") % {
            "value": value[:40],
            "max": REASON_MAX,
        }
    if code == LONG_AREA:
        return _("the area “%(value)s…” is longer than %(max)s characters.") % {
            "value": value[:40],
            "max": AREA_MAX,
        }
    return _("the row holds a NUL character (a zero byte), which no text column can store.")


def describe_group(group: dict, known: str = "") -> str:
    """ "3,314 rows: category 'Komplain' is not a category…; first rows 2, 5, 9"."""
    n = group["n"]
    rows = ngettext("%(count)s row", "%(count)s rows", n) % {
        "count": number_format(n, force_grouping=True)
    }
    first = ", ".join(str(r) for r in group["rows"])
    return _("%(rows)s: %(problem)s First rows: %(first)s.") % {
        "rows": rows,
        "problem": problem(group, known),
        "first": first,
    }


def short_problem(code: int) -> str:
    """One line per error code, for the downloadable list (the value has a column)."""
    return {
        BAD_TIME: _("not a date and time"),
        OUTSIDE: _("outside the month being imported"),
        MIXED_OFFSETS: _("no time-zone offset, unlike other rows"),
        UNKNOWN_CHANNEL: _("not a channel of this program"),
        UNKNOWN_CATEGORY: _("not a category of this program"),
        EMPTY_REASON: _("empty reason"),
        LONG_REASON: _("reason longer than %(max)s characters") % {"max": REASON_MAX},
        LONG_AREA: _("area longer than %(max)s characters") % {"max": AREA_MAX},
        NUL_CHARACTER: _("NUL character (zero byte)"),
    }[code]


def errors_csv(result: ParseResult, path: Path) -> None:
    """Every bad row as a CSV for download (UTF-8 with BOM: Excel opens it right),
    worded in the current language."""
    header = b"row,column,value,status,problem\n"
    with path.open("wb") as fh:
        fh.write(codecs.BOM_UTF8)
        bad = result.error_rows
        if bad is None or not bad.height:
            fh.write(header)
            return
        # The file's values are written back: escaped, as mysteryshop.spreadsheets
        # does, so that a spreadsheet does not run "=…" as a formula.
        formula = "^[" + re.escape("".join(FORMULA_STARTS)) + "]"

        def safe(column: str) -> pl.Expr:
            text = pl.col(column)
            return pl.when(text.str.contains(formula)).then("'" + text).otherwise(text)

        bad.select(
            row="row",
            column=pl.col("code").replace_strict(COLUMN_OF, return_dtype=pl.String),
            value=safe("value"),
            status=safe("qualifier"),
            problem=pl.col("code").replace_strict(
                {c: short_problem(c) for c in COLUMN_OF}, return_dtype=pl.String
            ),
        ).write_csv(fh)
