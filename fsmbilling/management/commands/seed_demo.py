"""Create (once) the demo organization of the run command: realistic records, two users with different roles, a
connection to a Books sandbox finance organization, and a finished first sync. Running it again changes nothing."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from fsmbilling.models import Company, Contact, Membership, Organization, Role, ServicePart, WorkOrder
from fsmbilling.services.appointments import appointment_create
from fsmbilling.services.assets import asset_create
from fsmbilling.services.catalog import service_part_create
from fsmbilling.services.companies import company_create
from fsmbilling.services.contacts import contact_create
from fsmbilling.services.organizations import organization_create
from fsmbilling.services.work_orders import work_order_create, work_order_set_status

DEMO_SLUG = "demo"
USERS = [
    ("admin@demo.test", "Avery", "Admin", "Administrator", "demo-admin-2026"),
    ("dispatch@demo.test", "Dana", "Dispatcher", "Dispatcher", "demo-dispatch-2026"),
    ("tech@demo.test", "Toby", "Technician", "Technician", "demo-tech-2026"),
]
SERVICES = [
    ("Boiler annual service", "service", "145.00", "hr"),
    ("Emergency call-out", "service", "95.00", "visit"),
    ("HVAC diagnostic", "service", "120.00", "hr"),
    ("Water heater install", "service", "380.00", "job"),
    ("Drain cleaning", "service", "160.00", "job"),
    ("Thermostat setup", "service", "75.00", "job"),
    ("Duct inspection", "service", "110.00", "hr"),
    ("Labour (standard hour)", "service", "85.00", "hr"),
    ("Air filter 16x25", "part", "18.50", "ea"),
    ("Ball valve 3/4in", "part", "12.25", "ea"),
    ("Copper pipe 10ft", "part", "42.00", "ea"),
    ("Capacitor 45/5 MFD", "part", "23.90", "ea"),
    ("Smart thermostat", "part", "189.00", "ea"),
    ("PEX fitting kit", "part", "31.40", "kit"),
    ("Condensate pump", "part", "96.00", "ea"),
    ("Gas valve", "part", "154.75", "ea"),
    ("Expansion tank", "part", "68.20", "ea"),
    ("Refrigerant R-410A (lb)", "part", "27.50", "lb"),
]


class Command(BaseCommand):
    help = "Create the demo organization (idempotent) and print its logins."

    def add_arguments(self, parser):
        parser.add_argument("--skip-finance", action="store_true", help="Do not connect the Books sandbox")

    def handle(self, *args, skip_finance: bool = False, **options):
        organization = Organization.objects.filter(slug=DEMO_SLUG).first()
        if organization is None:
            organization = self.create_demo()
            self.stdout.write(self.style.SUCCESS("Created the demo organization."))
        if not skip_finance:
            self.connect_finance(organization)
        self.stdout.write("\nDemo organization: /o/demo/   Logins:")
        for email, _first, _last, role, password in USERS:
            self.stdout.write(f"  {role:<14} {email:<22} password: {password}")

    @transaction.atomic
    def create_demo(self) -> Organization:
        rng = random.Random(2026)
        from faker import Faker

        fake = Faker("en_US")
        fake.seed_instance(2026)
        users = {}
        for email, first, last, role, password in USERS:
            user, _created = get_user_model().objects.get_or_create(
                username=email, defaults={"email": email, "first_name": first, "last_name": last}
            )
            user.set_password(password)
            user.save()
            users[role] = user
        admin = users["Administrator"]
        organization = organization_create(
            name="Demo Field Services",
            slug=DEMO_SLUG,
            owner=admin,
            country="US",
            state="TX",
            time_zone="America/Chicago",
        )
        for role in ("Dispatcher", "Technician"):
            Membership.objects.create(
                user=users[role], organization=organization, role=Role.objects.get(organization=organization, name=role)
            )
        try:
            from invoicing.taxes.editions import seed_default_taxes
        except ImportError:
            pass
        else:
            seed_default_taxes(organization=organization, actor=admin)
        items = [
            service_part_create(
                organization=organization,
                actor=admin,
                data={
                    "name": name,
                    "kind": kind,
                    "rate": Decimal(rate),
                    "unit": unit,
                    "sku": f"{'SVC' if kind == 'service' else 'PRT'}-{index:03d}",
                    "description": f"{name} — standard rate",
                },
            )
            for index, (name, kind, rate, unit) in enumerate(SERVICES, start=1)
        ]
        companies, contacts = [], []
        for _ in range(30):
            address = {
                "address": fake.street_address(),
                "city": fake.city(),
                "state": fake.state_abbr(),
                "zip": fake.zipcode(),
                "country": "US",
            }
            company = company_create(
                organization=organization,
                actor=admin,
                data={
                    "name": fake.unique.company(),
                    "email": fake.company_email(),
                    "phone": fake.numerify("+1-###-###-####"),
                    "website": f"https://{fake.domain_name()}",
                    "billing_address": address,
                    "service_address": address,
                },
            )
            companies.append(company)
            for index in range(rng.randint(1, 3)):
                contacts.append(
                    contact_create(
                        organization=organization,
                        actor=admin,
                        data={
                            "first_name": fake.first_name(),
                            "last_name": fake.last_name(),
                            "email": fake.unique.email(),
                            "phone": fake.numerify("+1-###-###-####"),
                            "company": company,
                            "is_primary": index == 0,
                        },
                    )
                )
        for _ in range(12):
            address = {
                "address": fake.street_address(),
                "city": fake.city(),
                "state": "TX",
                "zip": fake.zipcode(),
                "country": "US",
            }
            contacts.append(
                contact_create(
                    organization=organization,
                    actor=admin,
                    data={
                        "first_name": fake.first_name(),
                        "last_name": fake.last_name(),
                        "email": fake.unique.email(),
                        "mobile": fake.numerify("+1-###-###-####"),
                        "billing_address": address,
                        "service_address": address,
                    },
                )
            )
        individuals = [c for c in contacts if c.company_id is None]
        technicians = [users["Technician"], users["Dispatcher"]]
        plan = ["new"] * 8 + ["scheduled"] * 10 + ["in_progress"] * 8 + ["completed"] * 12 + ["cancelled"] * 4
        now = timezone.now()
        for index, target in enumerate(plan):
            company = rng.choice(companies) if index % 4 else None
            contact = rng.choice(list(company.contacts.all()) or [None]) if company else rng.choice(individuals)
            start = now + dt.timedelta(days=rng.randint(-30, 20), hours=rng.randint(7, 16) - now.hour)
            chosen = rng.sample(items, rng.randint(1, 4))
            work_order = work_order_create(
                organization=organization,
                actor=admin,
                data={
                    "summary": rng.choice(
                        [
                            "No heat in main building",
                            "Annual maintenance visit",
                            "Leak under sink",
                            "AC not cooling",
                            "Install new thermostat",
                            "Water heater replacement",
                            "Noisy furnace",
                            "Clogged drain",
                        ]
                    ),
                    "company": company,
                    "contact": contact,
                    "priority": rng.choice(["low", "medium", "high", "critical"]),
                    "technicians": [rng.choice(technicians)],
                    "scheduled_start": start,
                    "scheduled_end": start + dt.timedelta(hours=2),
                    "lines": [
                        {"item": item, "quantity": Decimal(rng.choice(["1", "1", "2", "1.5", "3"]))} for item in chosen
                    ],
                },
            )
            if target in ("scheduled", "in_progress", "completed"):
                appointment_create(
                    organization=organization,
                    actor=admin,
                    data={
                        "work_order": work_order,
                        "scheduled_start": start,
                        "scheduled_end": start + dt.timedelta(hours=2),
                        "technicians": [rng.choice(technicians)],
                    },
                )
            for step in {
                "new": [],
                "scheduled": ["scheduled"],
                "in_progress": ["scheduled", "in_progress"],
                "completed": ["scheduled", "in_progress", "completed"],
                "cancelled": ["cancelled"],
            }[target]:
                work_order = work_order_set_status(instance=work_order, actor=admin, status=step)
            if target == "completed":
                WorkOrder.objects.filter(pk=work_order.pk)  # completed lines stay billable for invoicing demos
        for index, company in enumerate(companies[:10]):
            asset_create(
                organization=organization,
                actor=admin,
                data={
                    "name": rng.choice(["Rooftop unit", "Boiler", "Water heater", "Chiller", "Furnace"])
                    + f" #{index + 1}",
                    "serial_number": f"SN-{2026000 + index}",
                    "company": company,
                },
            )
        return organization

    def connect_finance(self, organization: Organization) -> None:
        """Onboard to a new Books sandbox finance organization over HTTP and run the first sync (OPS-1)."""
        from sync.models import FinanceConnection

        if FinanceConnection.objects.filter(organization=organization).exists():
            return
        try:
            from sync.onboarding import onboard_sandbox_demo
        except ImportError:
            self.stderr.write("Finance onboarding is not available; the demo runs without a finance organization.")
            return
        admin = get_user_model().objects.get(username=USERS[0][0])
        onboard_sandbox_demo(organization, admin, settings.SANDBOX_BASE_URL)
        from sync.engine.run import execute_run
        from sync.services import sync_enable

        with transaction.atomic():
            run = sync_enable(organization=organization, actor=admin, duplicate_handling="overwrite")
        finished = execute_run(run.pk)
        if finished is not None:
            self.stdout.write(f"First sync {finished.run_id}: {finished.get_state_display()}. {finished.reason}")
        counts = (
            Company.objects.filter(organization=organization).count(),
            Contact.objects.filter(organization=organization).count(),
            ServicePart.objects.filter(organization=organization).count(),
        )
        self.stdout.write(f"Demo holds {counts[0]} companies, {counts[1]} contacts, {counts[2]} services and parts.")
