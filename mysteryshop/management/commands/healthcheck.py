"""`manage.py healthcheck beat`: the compose health check of the beat container.

Beat's only visible output is the heartbeat task it sends every
HEARTBEAT_INTERVAL_SECONDS; a worker runs it and /healthz reads the row
(mysteryshop.health). A heartbeat older than HEARTBEAT_STALE_SECONDS means beat
is not sending (or no worker runs tasks, which the worker's own check shows).
"""

from django.core.management.base import BaseCommand, CommandError

from mysteryshop import health


class Command(BaseCommand):
    help = "Exit 0 when the Celery heartbeat that beat schedules is fresh, 1 otherwise."

    def add_arguments(self, parser):
        parser.add_argument("role", choices=["beat"])

    def handle(self, *, role, **options):
        check = health.check_worker()
        if not check.ok:
            raise CommandError(f"{role} unhealthy: {check.detail}")
        self.stdout.write(f"{role} ok: {check.detail}")
