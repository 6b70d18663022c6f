from datetime import date

from django.core.management.base import BaseCommand, CommandError

from programs.models import Program
from retention import services as retention


class Command(BaseCommand):
    help = "Delete records past their program's retention period (PGD-6, TLK-6)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be deleted; delete nothing."
        )
        parser.add_argument("--today", help="Act as of this date (YYYY-MM-DD).")
        parser.add_argument("--program", help="Only this program (its code).")

    def handle(self, *args, dry_run, today, program, **options):
        try:
            day = date.fromisoformat(today) if today else None
        except ValueError as exc:
            raise CommandError(f"--today: {exc}") from exc
        only = None
        if program:
            only = Program.objects.filter(code=program).first()
            if only is None:
                raise CommandError(f"--program: no program {program!r}")
        # The dry run and the real run read the same decision (retention.purge_plan).
        if dry_run:
            items = retention.expired_records(today=day, program=only)
        else:
            items = retention.purge(today=day, program=only, by="manage.py purge_records")
        verb = "would delete" if dry_run else "deleted"
        gone = 0
        for item in items:
            if item.kept_because:
                self.stdout.write(
                    f"kept    {item.program.code} {item.record_type} "
                    f"#{item.object_id} {item.description} ({item.kept_because})"
                )
            else:
                gone += 1
                self.stdout.write(
                    f"{verb:<7} {item.program.code} {item.record_type} "
                    f"#{item.object_id} {item.description} "
                    f"({item.clock} {item.record_date}, kept {item.years} years)"
                )
        self.stdout.write(f"{gone} record(s) {verb}.")
