"""Service appointments (REC-5): create from a work order, window and technicians, FIN-7, API, isolation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from fsmbilling.models import ServiceAppointment
from fsmbilling.services.appointments import appointment_create, appointment_update
from fsmbilling.services.guards import Conflict, FinanceUnavailable
from fsmbilling.services.work_orders import work_order_set_status
from tests.conftest import member
from tests.factories import PASSWORD, CompanyFactory
from tests.fsmbilling.factories_work_orders import (
    REVOKED_WORDS,
    STILL_READABLE,
    AppointmentFactory,
    WorkOrderFactory,
    revoke_finance_access,
)

API = "/api/v1/orgs/acme/service-appointments/"
START = datetime(2026, 3, 2, 9, tzinfo=UTC)


@pytest.fixture
def work_order(org):
    return WorkOrderFactory(organization=org, summary="Boiler")


def test_create_from_work_order_page_and_edit(admin_client, org, admin_user, work_order):
    form = admin_client.get(f"/o/acme/appointments/new/?work_order={work_order.pk}").content.decode()
    assert f'<option value="{work_order.pk}" selected>' in form
    response = admin_client.post(
        "/o/acme/appointments/new/",
        {
            "work_order": work_order.pk,
            "technicians": [admin_user.pk],
            "scheduled_start": "2026-03-02T09:00",
            "scheduled_end": "2026-03-02T11:00",
            "status": "scheduled",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    appointment = ServiceAppointment.objects.get(organization=org)
    assert response["Location"] == f"/o/acme/work-orders/{work_order.pk}/#appointment-{appointment.pk}"
    assert list(appointment.technicians.all()) == [admin_user]
    assert f"appointment-{appointment.pk}" in admin_client.get(f"/o/acme/work-orders/{work_order.pk}/").content.decode()
    bad = admin_client.post(
        f"/o/acme/appointments/{appointment.pk}/edit/",
        {
            "work_order": work_order.pk,
            "scheduled_start": "2026-03-02T09:00",
            "scheduled_end": "2026-03-02T08:00",
            "status": "scheduled",
        },
    )
    assert bad.status_code == 200 and "The end of the window must not be before its start." in bad.content.decode()
    listing = admin_client.get("/o/acme/appointments/?status=scheduled").content.decode()
    assert work_order.number in listing and 'class="responsive"' in listing


def test_service_rules(org, other_org, admin_user, work_order):
    with pytest.raises(ValidationError) as exc:
        appointment_create(
            organization=org,
            actor=admin_user,
            data={"work_order": work_order, "scheduled_start": START, "scheduled_end": START - timedelta(hours=1)},
        )
    assert exc.value.message_dict == {"scheduled_end": ["The end of the window must not be before its start."]}
    outsider = member(other_org, role="Technician", username="tech@globex.test")
    with pytest.raises(ValidationError) as exc:
        appointment_create(
            organization=org,
            actor=admin_user,
            data={
                "work_order": work_order,
                "technicians": [outsider],
                "scheduled_start": START,
                "scheduled_end": START,
            },
        )
    assert exc.value.message_dict == {"technicians": ["Not found."]}
    with pytest.raises(ValidationError) as exc:
        appointment_create(
            organization=org,
            actor=admin_user,
            data={
                "work_order": WorkOrderFactory(organization=other_org),
                "scheduled_start": START,
                "scheduled_end": START,
            },
        )
    assert exc.value.message_dict == {"work_order": ["Not found."]}
    appointment = appointment_create(
        organization=org,
        actor=admin_user,
        data={"work_order": work_order, "scheduled_start": START, "scheduled_end": START + timedelta(hours=2)},
    )
    work_order_set_status(instance=work_order, actor=admin_user, status="cancelled")
    with pytest.raises(Conflict):
        appointment_create(
            organization=org,
            actor=admin_user,
            data={"work_order": work_order, "scheduled_start": START, "scheduled_end": START},
        )
    appointment_update(instance=appointment, actor=admin_user, data={"status": "cancelled"})  # its own still edits
    assert appointment.created_by == admin_user and appointment.updated_by == admin_user


def test_finance_unavailable_refuses_new_appointments(org, admin_user, api, admin_client, work_order):
    revoke_finance_access(org)
    with pytest.raises(FinanceUnavailable):
        appointment_create(
            organization=org,
            actor=admin_user,
            data={"work_order": work_order, "scheduled_start": START, "scheduled_end": START},
        )
    payload = {
        "work_order": work_order.pk,
        "scheduled_start": "2026-03-02T09:00:00Z",
        "scheduled_end": "2026-03-02T10:00:00Z",
    }
    response = api.post(API, payload, format="json")
    assert response.status_code == 409 and response.json()["code"] == "finance_unavailable"
    assert REVOKED_WORDS in response.json()["message"]
    page = admin_client.post(
        "/o/acme/appointments/new/",
        {
            "work_order": work_order.pk,
            "scheduled_start": "2026-03-02T09:00",
            "scheduled_end": "2026-03-02T10:00",
            "status": "scheduled",
        },
    )
    assert page.status_code == 200 and STILL_READABLE in page.content.decode()
    assert api.get(API).status_code == 200 and not ServiceAppointment.objects.exists()


def test_api_crud_filters_and_errors(api, org, other_org, admin_user, work_order):
    response = api.post(
        API,
        {
            "work_order": work_order.pk,
            "technicians": [admin_user.pk],
            "scheduled_start": "2026-03-02T09:00:00Z",
            "scheduled_end": "2026-03-02T10:00:00Z",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    url = f"{API}{response.json()['id']}/"
    assert api.patch(url, {"status": "dispatched"}, format="json").json()["status"] == "dispatched"
    bad = api.patch(url, {"scheduled_end": "2026-03-01T09:00:00Z"}, format="json")
    assert bad.status_code == 400 and bad.json()["fields"] == {
        "scheduled_end": ["The end of the window must not be before its start."]
    }
    foreign_wo = WorkOrderFactory(organization=other_org)
    bad = api.post(
        API,
        {
            "work_order": foreign_wo.pk,
            "scheduled_start": "2026-03-02T09:00:00Z",
            "scheduled_end": "2026-03-02T10:00:00Z",
        },
        format="json",
    )
    assert bad.status_code == 400 and bad.json()["fields"] == {"work_order": ["Not found."]}
    assert api.get(f"{API}?status=dispatched&work_order={work_order.pk}").json()["count"] == 1
    assert api.get(f"{API}?status=completed").json()["count"] == 0
    assert api.delete(url).status_code == 204


def test_isolation_and_permissions(api, admin_client, org, other_org):
    foreign = AppointmentFactory(work_order=WorkOrderFactory(organization=other_org))
    assert api.get(f"{API}{foreign.pk}/").status_code == 404
    assert api.patch(f"{API}{foreign.pk}/", {"status": "completed"}, format="json").status_code == 404
    assert admin_client.get(f"/o/acme/appointments/{foreign.pk}/edit/").status_code == 404
    assert admin_client.post(f"/o/acme/appointments/{foreign.pk}/delete/").status_code == 404
    assert api.get(API).json()["count"] == 0
    own = AppointmentFactory(work_order=WorkOrderFactory(organization=org))
    billing = member(org, role="Billing", username="billing@acme.test")
    client = Client()
    client.login(username=billing.username, password=PASSWORD)
    assert client.get("/o/acme/appointments/").status_code == 200
    assert client.post(f"/o/acme/appointments/{own.pk}/edit/", {"status": "completed"}).status_code == 403
    tech = member(org, role="Technician", username="tech@acme.test")
    client.login(username=tech.username, password=PASSWORD)
    assert client.post(f"/o/acme/appointments/{own.pk}/delete/").status_code == 403
    foreign.refresh_from_db()
    own.refresh_from_db()
    assert foreign.status == own.status == "scheduled"


def test_list_query_counts_do_not_grow_with_rows(api, admin_client, org, admin_user):
    def rows(count):
        for _ in range(count):
            AppointmentFactory(work_order=WorkOrderFactory(organization=org, company=CompanyFactory(organization=org)))
            ServiceAppointment.objects.latest("id").technicians.add(admin_user)

    def queries(client, url):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    api.get(API)
    rows(30)
    counts_30 = (queries(admin_client, "/o/acme/appointments/"), queries(api, f"{API}?page_size=100"))
    rows(30)
    assert counts_30 == (queries(admin_client, "/o/acme/appointments/"), queries(api, f"{API}?page_size=100"))
