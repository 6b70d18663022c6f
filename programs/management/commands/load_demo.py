from django.core.management.base import BaseCommand

from programs.demo import demo_load


class Command(BaseCommand):
    help = "Load the demo organization, both seed programs and one user per role (idempotent)."

    def handle(self, *args, **options):
        programs = demo_load()
        self.stdout.write(f"Demo data ready: {', '.join(p.name for p in programs)}.")
