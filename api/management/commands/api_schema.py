"""Write the API's OpenAPI document to api/openapi.json (checked in, so a change
of the API shows in review), or with --check fail when the file is stale."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "openapi.json"


def schema_text() -> str:
    """The OpenAPI document as the committed file holds it (English, sorted keys)."""
    from api.endpoints import api

    with translation.override("en"):
        schema = api.get_openapi_schema(path_prefix="/api/v1")
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n"


class Command(BaseCommand):
    help = "Write api/openapi.json from the API; --check fails when it is out of date."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Only compare; write nothing.")

    def handle(self, *args, check=False, **options):
        text = schema_text()
        if check:
            if not SCHEMA_FILE.exists() or SCHEMA_FILE.read_text() != text:
                raise CommandError(
                    f"{SCHEMA_FILE} is out of date: run `manage.py api_schema` and commit it."
                )
            self.stdout.write("api/openapi.json is up to date.")
            return
        SCHEMA_FILE.write_text(text)
        self.stdout.write(f"Wrote {SCHEMA_FILE}.")
