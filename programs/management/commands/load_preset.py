from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from programs.models import Organization, Program
from programs.presets import PRESETS
from programs.services.setup import preset_load


class Command(BaseCommand):
    help = "Create a complete program from a seed preset: pegadaian or telkom."

    def add_arguments(self, parser):
        parser.add_argument("preset", choices=sorted(PRESETS))
        parser.add_argument("--code", help="Program code (default: the preset's, e.g. PGD).")
        parser.add_argument("--name", help="Program name (default: the preset's).")
        parser.add_argument(
            "--organization", default="Default organization", help="Organization name."
        )

    def handle(self, *args, preset, code, name, organization, **options):
        code = code or PRESETS[preset]["code"]
        if Program.objects.filter(code=code).exists():
            raise CommandError(f"A program with code {code} exists already; pass --code.")
        org, _ = Organization.objects.get_or_create(name=organization)
        try:
            program = preset_load(key=preset, organization=org, code=code, name=name)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(f"Created {program.name} ({program.code}) from the {preset} preset.")
