"""Automatic runs (SYN-8) and the recovery of runs whose worker died (SYN-21)."""

import datetime as dt

from django.utils import timezone

from sync.engine_models import SyncRun, SyncSettings
from sync.models import FinanceConnection
from sync.services import dispatch_automatic_runs


def _connected(org, **settings_fields):
    FinanceConnection.objects.create(
        organization=org,
        accounts_server="http://testserver/sandbox",
        api_domain="http://testserver/sandbox",
        finance_org_id="1",
    )
    return SyncSettings.objects.create(organization=org, is_enabled=True, **settings_fields)


def test_a_due_organization_gets_one_automatic_run(org, other_org, django_capture_on_commit_callbacks):
    _connected(org, next_auto_run_at=timezone.now() - dt.timedelta(minutes=1))
    _connected(other_org, next_auto_run_at=timezone.now() + dt.timedelta(hours=1))
    with django_capture_on_commit_callbacks() as callbacks:
        started = dispatch_automatic_runs()
    assert len(started) == 1
    run = SyncRun.objects.get(pk=started[0])
    assert (run.organization, run.trigger, run.state) == (org, SyncRun.Trigger.AUTOMATIC, SyncRun.State.PENDING)
    assert len(callbacks) == 1  # the run is enqueued once, after commit
    assert dispatch_automatic_runs() == []  # not due again until this run ends


def test_paused_or_switched_off_organizations_are_left_alone(org, other_org):
    _connected(org, next_auto_run_at=timezone.now() - dt.timedelta(minutes=1), auto_sync=False)
    _connected(other_org, next_auto_run_at=timezone.now() - dt.timedelta(minutes=1))
    FinanceConnection.objects.filter(organization=other_org).update(sync_paused=True)
    assert dispatch_automatic_runs() == []


def test_a_run_whose_worker_died_is_ended_so_the_next_can_start(org):
    _connected(org)
    dead = SyncRun.objects.create(
        organization=org,
        trigger=SyncRun.Trigger.MANUAL,
        state=SyncRun.State.RUNNING,
        heartbeat_at=timezone.now() - dt.timedelta(hours=1),
    )
    dispatch_automatic_runs()
    dead.refresh_from_db()
    assert dead.state == SyncRun.State.CUT_SHORT
    assert "continues where this one stopped" in dead.reason


def test_finishing_a_run_schedules_the_next_three_hours_later(org):
    from sync.engine.run import Engine, finish

    row = _connected(org)
    run = SyncRun.objects.create(
        organization=org, trigger=SyncRun.Trigger.MANUAL, state=SyncRun.State.RUNNING, started_at=timezone.now()
    )
    finish(Engine(run), state=SyncRun.State.SUCCEEDED, reason="", disable=False)
    row.refresh_from_db()
    assert dt.timedelta(hours=2, minutes=59) < row.next_auto_run_at - timezone.now() <= dt.timedelta(hours=3)
