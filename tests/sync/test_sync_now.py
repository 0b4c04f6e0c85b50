"""Sync Now (SYN-8, SYN-9, REL-3): 30 manual runs a day, the 31st refused with 429 and Retry-After, one run at a
time even when two requests arrive together."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from sync import services
from sync.engine_models import SyncRun
from tests.sync.test_sync_pages import enable_row, plain_connection, url

BASE = "/api/v1/orgs/acme/sync"


@pytest.fixture
def ready(org):
    enable_row(org)
    plain_connection(org)
    return org


def finish_active(org) -> None:
    SyncRun.objects.filter(organization=org, state__in=SyncRun.ACTIVE_STATES).update(state=SyncRun.State.SUCCEEDED)


@pytest.mark.django_db
def test_thirty_manual_runs_then_429_with_retry_after(ready, api):
    for n in range(30):
        response = api.post(f"{BASE}/now")
        assert response.status_code == 202, (n, response.json())
        assert response.json()["manual_runs_left"] == 29 - n and response.json()["trigger"] == "manual"
        finish_active(ready)
    response = api.post(f"{BASE}/now")
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "manual_run_limit" and "30 manual runs of today are used up" in body["message"]
    assert int(response["Retry-After"]) == body["retry_after"] > 0
    assert SyncRun.objects.filter(organization=ready, trigger="manual").count() == 30
    assert api.get(f"{BASE}/settings").json()["manual_runs_left"] == 0


@pytest.mark.django_db
def test_the_page_says_why_the_31st_is_refused(ready, admin_client):
    for _ in range(30):
        services.sync_now(organization=ready, actor=None)
        finish_active(ready)
    response = admin_client.post(url("now", ready), {"next": url("logs", ready)}, follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == url("logs", ready)
    assert "The 30 manual runs of today are used up." in page and "0 manual runs left today" in page
    assert 'data-testid="sync-now" disabled' in page


@pytest.mark.django_db
def test_sync_now_while_a_run_is_in_progress_or_sync_off_is_409(ready, api, admin_client):
    first = api.post(f"{BASE}/now")
    assert first.status_code == 202
    second = api.post(f"{BASE}/now")
    assert second.status_code == 409 and second.json()["code"] == "run_in_progress"
    page = admin_client.post(url("now", ready), follow=True).content.decode()
    assert "A sync run is already in progress" in page
    finish_active(ready)
    ready.sync_settings.is_enabled = False
    ready.sync_settings.save()
    response = api.post(f"{BASE}/now")
    assert response.status_code == 409 and response.json()["code"] == "sync_not_enabled"
    ready.sync_settings.disabled_by_error = True
    ready.sync_settings.disabled_reason = "The finance organization was deleted."
    ready.sync_settings.save()
    response = api.post(f"{BASE}/now")
    assert response.status_code == 409 and response.json()["code"] == "sync_disabled"
    assert "Only platform support can enable it again" in response.json()["message"]


@pytest.mark.django_db
def test_successful_sync_now_from_the_page_opens_the_run(ready, admin_client):
    response = admin_client.post(url("now", ready))
    run = SyncRun.objects.get(organization=ready)
    assert response.status_code == 302 and response["Location"] == url("run", ready, run.pk)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sync_now_calls_give_one_run(ready):
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def call():
        try:
            barrier.wait(timeout=10)
            services.sync_now(organization=ready, actor=None)
            outcomes.append("started")
        except services.SyncRefused as refused:
            outcomes.append(refused.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=call) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["run_in_progress", "started"]
    assert SyncRun.objects.filter(organization=ready).count() == 1
    assert services.manual_runs_left(ready) == 29
