"""Planned shops take their status from their form: a draft is started, not done;
a submitted form is shown apart from a finalized one."""

from django.db import migrations

STATUS_OF = {
    "draft": "started",
    "returned": "started",
    "supervisor_review": "submitted",
    "submitted": "submitted",
    "finalized": "done",
}


def forwards(apps, schema_editor):
    PlannedShop = apps.get_model("sampling", "PlannedShop")
    for state, status in STATUS_OF.items():
        PlannedShop.objects.filter(shop__state=state).update(status=status)


def backwards(apps, schema_editor):
    PlannedShop = apps.get_model("sampling", "PlannedShop")
    PlannedShop.objects.filter(status="started").update(status="planned")
    PlannedShop.objects.filter(status="submitted").update(status="done")


class Migration(migrations.Migration):
    dependencies = [
        ("scoring", "0001_initial"),
        ("sampling", "0009_plan_start_and_status"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
