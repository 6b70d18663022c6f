"""Demo data for `make run`: one organization, the two seed programs, and one
demo user per role in both. Idempotent: running it again changes nothing."""

from dataclasses import dataclass

from django.db import transaction

from .models import Membership, Organization, Program, Role, User

DEMO_PASSWORD = "demo-mysteryshop"
DEMO_ORGANIZATION = "Demo Contact Center Operator"


@dataclass(frozen=True)
class DemoUser:
    email: str
    full_name: str
    role: str
    language: str = ""


DEMO_USERS = [
    DemoUser("manager@demo.local", "Maya Manager", Role.MANAGER),
    DemoUser("analyst@demo.local", "Andi Analyst", Role.QC_ANALYST),
    DemoUser("shopper@demo.local", "Sari Shopper", Role.SHOPPER, "id"),
    DemoUser("supervisor@demo.local", "Sigit Supervisor", Role.SUPERVISOR),
    DemoUser("teamleader@demo.local", "Tari Team Leader", Role.TEAM_LEADER, "id"),
    DemoUser("viewer@demo.local", "Vino Viewer", Role.VIEWER),
]
DEMO_ADMIN = DemoUser("admin@demo.local", "System Administrator", "")

DEMO_PROGRAMS = [
    ("PGD", "Contact Center Pegadaian"),
    ("TLK", "Contact Center Telkom"),
]


@transaction.atomic
def demo_load() -> list[Program]:
    organization, _ = Organization.objects.get_or_create(name=DEMO_ORGANIZATION)
    programs = [
        Program.objects.get_or_create(
            code=code, defaults={"name": name, "organization": organization}
        )[0]
        for code, name in DEMO_PROGRAMS
    ]
    for demo in DEMO_USERS:
        user = _demo_user(demo)
        for program in programs:
            Membership.objects.get_or_create(user=user, program=program, role=demo.role)
    admin = _demo_user(DEMO_ADMIN)
    if not admin.is_superuser:
        admin.is_staff = admin.is_superuser = True
        admin.save(update_fields=["is_staff", "is_superuser"])
    return programs


def _demo_user(demo: DemoUser) -> User:
    user = User.objects.filter(email=demo.email).first()
    if user is None:
        user = User.objects.create_user(
            email=demo.email,
            password=DEMO_PASSWORD,
            full_name=demo.full_name,
            language=demo.language,
        )
    return user
