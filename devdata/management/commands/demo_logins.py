from django.core.management.base import BaseCommand

from devdata.demo import DEMO_ADMIN, DEMO_PASSWORD, DEMO_USERS


class Command(BaseCommand):
    help = "Print the demo logins."

    def handle(self, *args, **options):
        self.stdout.write(f"  Demo logins (password for all: {DEMO_PASSWORD})")
        for demo in [*DEMO_USERS, DEMO_ADMIN]:
            role = demo.role.label if demo.role else "system administrator (/admin/)"
            self.stdout.write(f"    {demo.email:<24} {role}")
