"""A shop keeps the scoring mode it was scored under (issue #17).

Existing shops (and their history rows) take their program's current mode:
the only record there is of the mode they were scored under.
"""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery

MODES = [("weighted", "Weighted QM score"), ("binary", "Binary 1 / 0")]


def forwards(apps, schema_editor):
    Program = apps.get_model("programs", "Program")
    mode_of_program = Subquery(
        Program.objects.filter(pk=OuterRef("program_id")).values("scoring_mode")[:1]
    )
    for name in ["Shop", "HistoricalShop"]:
        apps.get_model("scoring", name).objects.update(scoring_mode=mode_of_program)


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0009_plan_rules"),
        ("scoring", "0002_plan_status_from_forms"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalshop",
            name="scoring_mode",
            field=models.CharField(
                choices=MODES,
                default="weighted",
                help_text="The program's scoring mode when the shop was started; it never changes.",
                max_length=10,
                verbose_name="scoring mode",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="shop",
            name="scoring_mode",
            field=models.CharField(
                choices=MODES,
                default="weighted",
                help_text="The program's scoring mode when the shop was started; it never changes.",
                max_length=10,
                verbose_name="scoring mode",
            ),
            preserve_default=False,
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False),
        migrations.AddConstraint(
            model_name="shop",
            constraint=models.CheckConstraint(
                condition=models.Q(("scoring_mode__in", ["weighted", "binary"])),
                name="shop_scoring_mode_known",
            ),
        ),
    ]
