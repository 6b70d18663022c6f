"""Demo data for `make run`: both seed programs from their presets, one demo
user per role in both, teams, 40 agents and a starter scenario library.
Idempotent: running it again changes nothing."""

from dataclasses import dataclass

from django.db import transaction

from programs.models import (
    Agent,
    Area,
    Channel,
    ContactReason,
    Membership,
    Organization,
    Program,
    Role,
    Scenario,
    Team,
    User,
)
from programs.services.people import membership_add
from programs.services.setup import preset_load

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
# Not a login anyone needs, but defects must be routable to two team leaders.
EXTRA_USERS = [
    DemoUser("teamleader2@demo.local", "Budi Team Leader", Role.TEAM_LEADER, "id"),
    DemoUser("shopper2@demo.local", "Dewi Shopper", Role.SHOPPER, "id"),
]
DEMO_ADMIN = DemoUser("admin@demo.local", "System Administrator", "")

DEMO_PROGRAMS = [("pegadaian", "PGD"), ("telkom", "TLK")]

AGENT_NAMES = [
    "Agus Pratama",
    "Ayu Lestari",
    "Bayu Saputra",
    "Citra Dewi",
    "Dimas Nugroho",
    "Eka Putri",
    "Fajar Hidayat",
    "Gita Maharani",
    "Hendra Wijaya",
    "Intan Permata",
    "Joko Susilo",
    "Kartika Sari",
    "Lukman Hakim",
    "Maya Anggraini",
    "Nanda Kurniawan",
    "Oktaviani Rahma",
    "Putra Ramadhan",
    "Rina Marlina",
    "Slamet Riyadi",
    "Tika Wulandari",
]


@transaction.atomic
def demo_load() -> list[Program]:
    organization, _ = Organization.objects.get_or_create(name=DEMO_ORGANIZATION)
    admin = _demo_user(DEMO_ADMIN)
    if not admin.is_superuser:
        admin.is_staff = admin.is_superuser = True
        admin.save(update_fields=["is_staff", "is_superuser"])
    users = {d.email: _demo_user(d) for d in [*DEMO_USERS, *EXTRA_USERS]}
    programs = []
    for preset, code in DEMO_PROGRAMS:
        program = Program.objects.filter(code=code).first()
        if program is None:
            program = preset_load(key=preset, organization=organization, code=code)
        programs.append(program)
        for demo in [*DEMO_USERS, *EXTRA_USERS]:
            if not Membership.objects.filter(
                user=users[demo.email], program=program, role=demo.role
            ).exists():
                membership_add(
                    program=program, email=demo.email, full_name=demo.full_name, role=demo.role
                )
        _demo_people(program, users)
        _demo_scenarios(program)
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


def _demo_people(program: Program, users: dict[str, User]) -> None:
    # The areas of the demo's contact data (sampling.sample_file), so a program that
    # picks its top reasons per area (TLK-5.1.2) plans each of them.
    for code, name in [("bandung", "Bandung"), ("surabaya", "Surabaya")]:
        Area.objects.get_or_create(program=program, code=code, defaults={"name": name})
    if program.agents.exists():
        return
    area, _ = Area.objects.get_or_create(
        program=program, code="jakarta", defaults={"name": "Jakarta"}
    )
    leaders = [users["teamleader@demo.local"], users["teamleader2@demo.local"]]
    teams = [
        Team.objects.create(
            program=program,
            code=f"team-{i + 1}",
            name=f"Tim {name}",
            area=area,
            team_leader=leaders[i % 2],
            supervisor=users["supervisor@demo.local"],
        )
        for i, name in enumerate(["Melati", "Anggrek", "Kenanga"])
    ]
    channels = list(Channel.objects.filter(program=program, parent=None))
    for i, name in enumerate(AGENT_NAMES):
        agent = Agent.objects.create(
            program=program,
            employee_id=f"{program.code}{1001 + i}",
            name=name,
            team=teams[i % len(teams)],
            area=area,
        )
        agent.channels.set([channels[i % len(channels)]])


def _demo_scenarios(program: Program) -> None:
    """One starter scenario per contact reason and main channel."""
    if program.scenarios.exists():
        return
    channels = list(Channel.objects.filter(program=program, parent=None))
    Scenario.objects.bulk_create(
        Scenario(
            program=program,
            reason=reason,
            channel=channel,
            title=f"{reason.name} ({channel.name})",
            customer_script=(
                f"Halo, saya mau tanya soal {reason.name.lower()}. Bagaimana caranya dan "
                "apa saja yang perlu saya siapkan?"
            ),
            expected_answer=(
                f"Agent menjelaskan prosedur {reason.name.lower()} sesuai ketentuan "
                "terbaru, menyebutkan syarat dan dokumen, lalu memastikan pelanggan paham."
            ),
        )
        for reason in ContactReason.objects.filter(program=program)
        for channel in channels
    )
