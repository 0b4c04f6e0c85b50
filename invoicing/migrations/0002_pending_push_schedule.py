"""The task cluster's schedule that re-pushes invoices, payments and estimates whose retry task was lost (INV-4)."""

from django.db import migrations


def create_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(
        name="invoicing-sweep-pending",
        defaults={"func": "invoicing.tasks.sweep_pending", "schedule_type": "I", "minutes": 5, "repeats": -1},
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name="invoicing-sweep-pending").delete()


class Migration(migrations.Migration):
    dependencies = [("invoicing", "0001_initial"), ("django_q", "0018_task_success_index")]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
