"""Contact data pushed as JSON lines, turned into the CSV the contact importer
reads: the push then goes through the same upload checks, importer, mappings
and error texts as a file uploaded on the contact data page."""

import csv
import io
import json
import tempfile

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

JSONL_TYPES = frozenset({"application/x-ndjson", "application/jsonl", "application/x-jsonlines"})


def jsonl_upload(lines, *, name: str = "contacts.jsonl.csv") -> UploadedFile:
    """One JSON object a line ({"timestamp": …, "channel": …, …}; blank lines
    skipped) → a UTF-8 CSV file with the objects' keys as its header, in the
    order first met. Read and written in streaming, on a temporary file."""
    # The objects are read once to learn every column, kept, then written as CSV.
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8") as objects:
        columns, count = _keep(lines, objects)
        if not count:
            raise ValidationError(_("The body has no contact: send one JSON object per line."))
        out = tempfile.TemporaryFile()  # noqa: SIM115 (handed to the upload, closed with it)
        text_out = io.TextIOWrapper(out, encoding="utf-8", newline="")
        writer = csv.DictWriter(text_out, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        objects.seek(0)
        for line in objects:
            writer.writerow({k: _cell(v) for k, v in json.loads(line).items()})
        text_out.flush()
        text_out.detach()
    size = out.tell()
    out.seek(0)
    return UploadedFile(out, name=name, content_type="text/csv", size=size, charset="utf-8")


def _keep(lines, objects) -> tuple[dict[str, None], int]:
    """Check each line and write it to `objects`; the columns met, and the count."""
    columns: dict[str, None] = {}
    count = 0
    for number, raw in enumerate(lines, start=1):
        text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
        if not text.strip():
            continue
        try:
            item = json.loads(text)
        except ValueError as exc:
            raise ValidationError(
                _("Line %(n)s is not JSON: %(error)s.") % {"n": number, "error": exc.msg}
            ) from None
        if not isinstance(item, dict):
            raise ValidationError(
                _('Line %(n)s is not a JSON object (one contact per line: {"timestamp": …}).')
                % {"n": number}
            )
        for key in item:
            columns.setdefault(str(key), None)
        objects.write(json.dumps(item) + "\n")
        count += 1
    return columns, count


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value) if isinstance(value, dict | list) else str(value)
