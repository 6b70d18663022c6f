from django.core.management.base import BaseCommand

from programs.demo import demo_load
from programs.models import User
from sampling.demo import demo_plans


class Command(BaseCommand):
    help = (
        "Load the demo (idempotent): both seed programs from their presets, one user per "
        "role, teams and agents, a scenario library, last months' sample contact data and "
        "approved plans for this month and next."
    )

    def handle(self, *args, **options):
        programs = demo_load()
        analyst = User.objects.get(email="analyst@demo.local")
        manager = User.objects.get(email="manager@demo.local")
        for program in programs:
            plans = demo_plans(program, analyst=analyst, manager=manager)
            months = ", ".join(f"{p.month:%Y-%m}" for p in plans)
            self.stdout.write(f"{program.name}: approved plans for {months}.")
        self.stdout.write("Demo data ready.")
