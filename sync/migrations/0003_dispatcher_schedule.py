"""The task cluster's schedule that starts automatic sync runs (SYN-8), upserted by name (InvenTree's habit)."""

from django.db import migrations


def create_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(
        name="sync-dispatcher",
        defaults={"func": "sync.tasks.dispatch", "schedule_type": "I", "minutes": 1, "repeats": -1},
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name="sync-dispatcher").delete()


class Migration(migrations.Migration):
    dependencies = [("sync", "0002_engine"), ("django_q", "0018_task_success_index")]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
