"""Demo plans: last months' sample contact data imported and this month's and
next month's plans generated and approved, so shoppers have an agenda."""

import io
import random
from datetime import date

from django.core.files.base import ContentFile
from django.utils import timezone

from programs.models import Program, User
from sampling import services
from sampling.models import ContactImport, SamplePlan
from sampling.sample_file import HEADER, program_sample


def _sample_file(program: Program, month: date) -> ContentFile:
    out = io.StringIO()
    out.write(",".join(HEADER) + "\n")
    for row in program_sample(program, month, rows=3000):
        out.write(",".join(row) + "\n")
    return ContentFile(out.getvalue().encode(), name=f"{program.code}-{month:%Y-%m}.csv")


def demo_plans(program: Program, *, analyst: User, manager: User) -> list[SamplePlan]:
    """Idempotent: months that have data or a plan already are left alone."""
    this_month = timezone.localdate().replace(day=1)
    next_month = (this_month.replace(day=28) + timezone.timedelta(days=4)).replace(day=1)
    plans = []
    for month in (this_month, next_month):
        data_month = services.previous_month(month)
        if services.latest_import(program, data_month) is None:
            record = ContactImport(
                program=program,
                month=data_month,
                original_name=f"demo-{data_month:%Y-%m}.csv",
                uploaded_by=analyst,
            )
            record.file.save(
                f"demo-{data_month:%Y-%m}.csv", _sample_file(program, data_month), save=False
            )
            record.save()
            services.contact_import_process(import_id=record.pk)
        plan = SamplePlan.objects.filter(program=program, month=month).first()
        if plan is None:
            plan = services.plan_generate(
                program=program,
                month=month,
                user=analyst,
                seed=random.Random(month.toordinal()).randrange(10**9),
                at=services.made_before(program, month),
            )
            # The demo's month is under way: its plan was approved before it began.
            services.plan_approve(plan=plan, user=manager, past_ok=True)
        plans.append(plan)
    return plans
