"""Reading a month of contacts from the contact-logging system (TLK-5.1.1).

One row per contact, columns (header names, any case and order):

    timestamp   ISO 8601 date and time, e.g. 2026-10-01T08:15:00+07:00 or
                2026-10-01 08:15 (no offset: the program's time zone)
    channel     a channel code or name of the program, e.g. inbound
    reason      the reason for contact as the system writes it
    category    an interaction category code or name, e.g. information
    area        optional
    skill       optional (kept for reference, not counted)

CSV (UTF-8 with or without BOM, or Windows-1252) or XLSX (first sheet; the
values Excel last calculated are read, not formulas). The file is read with
polars' streaming engine, so memory stays bounded and a million rows take
seconds. Validation is all-or-nothing: any bad row rejects the file, with
every bad row listed (row number as in a spreadsheet, column, message).
"""

import codecs
import csv
import io
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import polars as pl
from python_calamine import CalamineWorkbook

from mysteryshop.uploads import xlsx_problem

REQUIRED = ["timestamp", "channel", "reason", "category"]
OPTIONAL = ["area", "skill"]
ERRORS_SHOWN = 100
XLSX_MAGIC = b"PK\x03\x04"
SAMPLE_BYTES = 1 << 16
# A 1,000,000-row workbook unpacks to ~350 MB; more is refused unread.
XLSX_MAX_UNCOMPRESSED = 1024 * 1024 * 1024
# polars names a repeated header "<name>_duplicated_<n>"; so does _xlsx_frame.
DUPLICATED = re.compile(r"_duplicated_\d+$")
# A workbook column of more bare dates than this (no time anywhere) holds dates, not times.
DATES_ALONE_FROM = 24


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ParseResult:
    """Counts per (reason text, category id, channel id, weekday, hour, area)."""

    encoding: str
    rows: int = 0
    counts: list[tuple[str, int, int, int, int, str, int]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    error_total: int = 0
    file_error: str = ""

    @property
    def ok(self) -> bool:
        return not self.file_error and not self.error_total


class FileRejected(Exception):
    """The file as a whole cannot be read; the message says why."""


def _lookup(names: dict[str, int]) -> dict[str, int]:
    return {k.strip().lower(): v for k, v in names.items()}


def detect(path: Path) -> str:
    """'xlsx', 'utf-8', 'utf-8-sig' or 'cp1252'; raises FileRejected otherwise."""
    size = path.stat().st_size
    if size == 0:
        raise FileRejected("The file is empty (0 bytes).")
    with path.open("rb") as fh:
        head = fh.read(SAMPLE_BYTES)
    if head.startswith(XLSX_MAGIC):
        return "xlsx"
    if b"\x00" in head:
        raise FileRejected("This is not a CSV or XLSX file (it contains binary data).")
    for encoding in ("utf-8", "cp1252"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with path.open("rb") as fh:
                while chunk := fh.read(1 << 20):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        if encoding == "utf-8" and head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        return encoding
    raise FileRejected(
        "The file's text encoding is not UTF-8 or Windows-1252: save it as CSV UTF-8."
    )


def _frame(path: Path, encoding: str, workdir: Path) -> pl.LazyFrame:
    if encoding == "xlsx":
        return _xlsx_frame(path).lazy()
    if encoding == "cp1252":  # polars reads UTF-8: transcode, streaming
        target = workdir / "utf8.csv"
        with (
            path.open(encoding="cp1252", newline="") as src,
            target.open("w", encoding="utf-8", newline="") as dst,
        ):
            while chunk := src.read(1 << 20):
                dst.write(chunk)
        path, encoding = target, "utf-8"
    with path.open(encoding=encoding, newline="") as fh:
        first = fh.readline()
    try:
        dialect = csv.Sniffer().sniff(first, delimiters=",;\t|")
        separator = dialect.delimiter
    except csv.Error:
        separator = ","
    return pl.scan_csv(
        path,
        separator=separator,
        infer_schema=False,
        encoding="utf8",
        truncate_ragged_lines=False,
    )


def _cell(value, timed: bool = True) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):  # calamine gives a date and time at midnight as a date
        return value.strftime("%Y-%m-%d 00:00:00" if timed else "%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def _xlsx_frame(path: Path) -> pl.DataFrame:
    """The first sheet as strings (an XLSX caps at ~1M rows, so it fits in memory)."""
    problem = xlsx_problem(path, max_uncompressed=XLSX_MAX_UNCOMPRESSED)
    if problem:
        raise FileRejected(problem)
    try:
        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
        rows = sheet.to_python(skip_empty_area=True)
    except Exception as exc:  # a damaged or encrypted workbook
        raise FileRejected(f"The XLSX file cannot be read: {exc}") from exc
    if not rows:
        raise FileRejected("The first sheet of the workbook is empty.")
    header = []
    for i, cell in enumerate(rows[0]):
        name = _cell(cell) or f"column_{i + 1}"
        repeats = sum(1 for h in header if DUPLICATED.sub("", h) == name)
        header.append(f"{name}_duplicated_{repeats - 1}" if repeats else name)
    # Bare dates are read as midnight, unless a long column has dates alone: then they
    # stay dates (and such a timestamp column is refused, row by row).
    timed = [
        any(isinstance(row[i], datetime) for row in rows[1:])
        or sum(isinstance(row[i], date) for row in rows[1:]) <= DATES_ALONE_FROM
        for i in range(len(header))
    ]
    columns = list(
        zip(*[[_cell(v, timed[i]) for i, v in enumerate(row)] for row in rows[1:]], strict=False)
    )
    data = {name: list(values) for name, values in zip(header, columns, strict=False)}
    if not columns:
        data = {name: [] for name in header}
    return pl.DataFrame(data, schema=dict.fromkeys(header, pl.String))


def parse(
    path: Path,
    *,
    time_zone: str,
    year: int,
    month: int,
    channels: dict[str, int],
    categories: dict[str, int],
    progress: Callable[[int], None] = lambda pct: None,
) -> ParseResult:
    """Validate and aggregate a contact file; nothing is written anywhere.

    `channels` and `categories` map codes and names to ids.
    """
    encoding = detect(path)
    result = ParseResult(encoding=encoding)
    with tempfile.TemporaryDirectory() as tmp:
        lf = _frame(path, encoding, Path(tmp))
        try:
            columns = lf.collect_schema().names()
        except pl.exceptions.PolarsError as exc:
            raise FileRejected(f"The file cannot be read as CSV: {exc}") from exc
        rename = {c: DUPLICATED.sub("", c.replace("\ufeff", "").strip().lower()) for c in columns}
        known: dict[str, list[str]] = {}
        for original, name in rename.items():
            if name in REQUIRED or name in OPTIONAL:
                known.setdefault(name, []).append(original)
        repeated = [name for name, originals in known.items() if len(originals) > 1]
        if repeated:
            raise FileRejected(
                "Column(s) given more than once: {}. Keep one of each.".format(", ".join(repeated))
            )
        missing = [c for c in REQUIRED if c not in known]
        if missing:
            raise FileRejected(
                "Missing column(s): {}. Expected columns: {} (optional: {}); found: {}.".format(
                    ", ".join(missing),
                    ", ".join(REQUIRED),
                    ", ".join(OPTIONAL),
                    ", ".join(rename.values()) or "none",
                )
            )
        lf = lf.select(
            [pl.col(known[c][0]).alias(c) for c in [*REQUIRED, *OPTIONAL] if c in known]
        )
        if "area" not in known:
            lf = lf.with_columns(area=pl.lit(""))
        progress(10)
        try:
            formats = _formats_for(lf)
            # One streaming pass: counts per group, with each row's error code and
            # whether its timestamp had an offset folded into the group key.
            groups = _grouped(lf, formats, time_zone, year, month, channels, categories)
            if formats != TIMESTAMP_FORMATS and groups.filter(pl.col("code") == 1).height:
                formats = TIMESTAMP_FORMATS  # a row in another format: read with all of them
                groups = _grouped(lf, formats, time_zone, year, month, channels, categories)
            progress(50)
            result.rows = int(groups["n"].sum() or 0)
            if result.rows == 0:
                raise FileRejected("The file has a header but no contact rows.")
            parsed = groups.filter(pl.col("code") != 1)
            aware = int(parsed.filter(pl.col("is_aware"))["n"].sum() or 0)
            mixed = bool(aware and aware < int(parsed["n"].sum() or 0))
            bad_groups = groups.filter(
                (pl.col("code") != 0) | (pl.lit(mixed) & ~pl.col("is_aware"))
            )
            if bad_groups.height:
                # A bad file: a second pass lists every bad row.
                checked = _checked(
                    _parsed(lf, formats, time_zone, _lookup(channels), _lookup(categories)),
                    year,
                    month,
                )
                bad = (
                    checked.filter((pl.col("code") != 0) | (pl.lit(mixed) & ~pl.col("is_aware")))
                    .select("row", "code", "is_aware")
                    .sort("row")
                    .collect(engine="streaming")
                )
                for row, code, is_aware in bad.iter_rows():
                    if code == 0 and mixed and not is_aware:
                        code = MIXED_OFFSETS
                    column, message = ERRORS[code]
                    result.errors.append(
                        RowError(row, column, message.format(year=year, month=month))
                    )
                result.error_total = len(result.errors)
                return result
        except pl.exceptions.PolarsError as exc:
            raise FileRejected(f"The file cannot be read as CSV: {exc}") from exc
    counts = (
        groups.group_by("reason", "category_id", "channel_id", "weekday", "hour", "area")
        .agg(pl.col("n").sum())
        .sort("reason", "category_id", "channel_id", "weekday", "hour", "area")
    )
    result.counts = [tuple(r) for r in counts.iter_rows()]
    progress(80)
    return result


# Timestamps accepted ("T" or a space between date and time; "Z" means +00:00).
AWARE_FORMATS = ("%Y-%m-%d %H:%M:%S%z", "%Y-%m-%d %H:%M%z")
NAIVE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M")
TIMESTAMP_FORMATS = AWARE_FORMATS + NAIVE_FORMATS
MIXED_OFFSETS = 7
ERRORS = {
    1: (
        "timestamp",
        "Not a date and time: use YYYY-MM-DD HH:MM[:SS] with an optional offset like +07:00.",
    ),
    2: ("timestamp", "Outside the month being imported ({year}-{month:02d})."),
    3: ("channel", "Unknown channel: use a channel code or name of the program."),
    4: ("category", "Unknown interaction category: use a category code or name of the program."),
    5: ("reason", "The reason for contact is empty."),
    6: ("reason", "The reason is longer than 200 characters."),
    MIXED_OFFSETS: (
        "timestamp",
        "This timestamp has no time-zone offset but others in the "
        "file do: give every timestamp an offset, or none.",
    ),
}


def _normalized(expr: pl.Expr) -> pl.Expr:
    return (
        expr.cast(pl.String)
        .str.strip_chars()
        .str.replace("T", " ", literal=True)
        .str.replace(r"Z$", "+00:00")
    )


def _formats_for(lf: pl.LazyFrame) -> tuple[str, ...]:
    """The one format every sampled timestamp has (the fast path), else all formats."""
    sample = lf.select(_normalized(pl.col("timestamp"))).head(500).collect()
    values = sample.to_series().drop_nulls()
    for fmt in TIMESTAMP_FORMATS:
        parsed = values.str.to_datetime(
            fmt, strict=False, time_zone=("UTC" if fmt in AWARE_FORMATS else None)
        )
        if values.len() and parsed.null_count() == 0:
            return (fmt,)
    return TIMESTAMP_FORMATS


def _grouped(lf, formats, time_zone, year, month, channels, categories) -> pl.DataFrame:
    checked = _checked(
        _parsed(lf, formats, time_zone, _lookup(channels), _lookup(categories)), year, month
    )
    return (
        checked.group_by(
            "code", "is_aware", "reason", "category_id", "channel_id", "weekday", "hour", "area"
        )
        .agg(n=pl.len())
        .collect(engine="streaming")
    )


def _parsed(lf, formats, time_zone, channels, categories) -> pl.LazyFrame:
    """Parse the fields; unparseable values become null."""
    norm = _normalized(pl.col("timestamp"))
    aware_formats = [f for f in formats if f in AWARE_FORMATS]
    naive_formats = [f for f in formats if f in NAIVE_FORMATS]
    aware = (
        pl.coalesce(
            [norm.str.to_datetime(f, strict=False, time_zone="UTC") for f in aware_formats]
        ).dt.convert_time_zone(time_zone)
        if aware_formats
        else pl.lit(None, pl.Datetime("us", time_zone))
    )
    naive = (
        pl.coalesce(
            [norm.str.to_datetime(f, strict=False) for f in naive_formats]
        ).dt.replace_time_zone(time_zone, ambiguous="earliest", non_existent="null")
        if (naive_formats)
        else pl.lit(None, pl.Datetime("us", time_zone))
    )
    # A blank row (no required cell given) is skipped; the others keep their spreadsheet
    # number. Null or empty, not stripped: this runs on every row of a million.
    blank = pl.all_horizontal(
        [pl.col(c).is_null() | (pl.col(c).cast(pl.String) == "") for c in REQUIRED]
    )
    return (
        lf.with_row_index("row", offset=2)
        .filter(~blank)
        .with_columns(
            is_aware=aware.is_not_null(),
            local=pl.coalesce(aware, naive),
            reason=pl.col("reason").cast(pl.String).str.strip_chars().fill_null(""),
            area=pl.col("area").cast(pl.String).str.strip_chars().fill_null(""),
            channel_id=pl.col("channel")
            .cast(pl.String)
            .str.strip_chars()
            .str.to_lowercase()
            .replace_strict(channels, default=None, return_dtype=pl.Int64),
            category_id=pl.col("category")
            .cast(pl.String)
            .str.strip_chars()
            .str.to_lowercase()
            .replace_strict(categories, default=None, return_dtype=pl.Int64),
        )
    )


def _checked(lf, year, month) -> pl.LazyFrame:
    """Add each row's error code (0 when fine; see ERRORS), weekday and hour."""
    local = pl.col("local")
    checks = [
        local.is_null(),
        (local.dt.year() != year) | (local.dt.month() != month),
        pl.col("channel_id").is_null(),
        pl.col("category_id").is_null(),
        pl.col("reason") == "",
        pl.col("reason").str.len_chars() > 200,
    ]
    code = pl.lit(0, dtype=pl.UInt8)
    for number, condition in reversed(list(enumerate(checks, start=1))):  # first hit wins
        code = pl.when(condition.fill_null(False)).then(pl.lit(number, pl.UInt8)).otherwise(code)
    return lf.with_columns(code=code, weekday=local.dt.weekday(), hour=local.dt.hour())


def errors_csv(errors: list[RowError]) -> bytes:
    """All row errors as a CSV for download (UTF-8 with BOM: Excel opens it right)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["row", "column", "message"])
    writer.writerows((e.row, e.column, e.message) for e in errors)
    return codecs.BOM_UTF8 + out.getvalue().encode()
