from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from notifications import services as notifications
from reporting.services import reminders


class Command(BaseCommand):
    help = "Run the reminder sweeps now (or as of --at) and deliver the e-mails that are due."

    def add_arguments(self, parser):
        parser.add_argument(
            "--at",
            help="Act as of this time, e.g. '2026-12-03 08:00' (Asia/Jakarta) "
            "or an ISO time with an offset.",
        )
        parser.add_argument(
            "--sweep",
            action="append",
            choices=sorted(reminders.SWEEPS),
            help="Only this sweep (repeatable).",
        )
        parser.add_argument("--no-email", action="store_true", help="Make reminders only.")

    def handle(self, *args, at, sweep, no_email, **options):
        now = timezone.now()
        if at:
            try:
                now = datetime.fromisoformat(at)
            except ValueError as exc:
                raise CommandError(f"--at: {exc}") from exc
            if timezone.is_naive(now):
                now = timezone.make_aware(now)
        made = reminders.run_sweeps(now=now, only=sweep)
        for name, count in made.items():
            self.stdout.write(f"{name}: {count} reminder(s) made")
        if not no_email:
            sent, failed = notifications.deliver_due(now=now)
            self.stdout.write(f"e-mail: {sent} sent, {failed} failed (retried later)")
