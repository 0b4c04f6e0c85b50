"""``manage.py sync_check --org SLUG``: compare FSM and Books field by field (REL-2); exit 1 when they differ."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from fsmbilling.models import Organization
from fsmbilling.tenancy import org_scope
from sync.checker import check
from sync.connectors import FinanceError
from sync.selectors import finance_connector


class Command(BaseCommand):
    help = "Compare an organization's FSM records with its Books records through the connector; exit 1 if not ok."

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="Slug of the organization")

    def handle(self, *args, **options):
        organization = Organization.objects.filter(slug=options["org"]).first()
        if organization is None:
            raise CommandError(f"No organization with slug {options['org']!r}.")
        connector = finance_connector(organization)
        if connector is None:
            raise CommandError(f"{organization.slug} has no usable finance connection. Connect it in Billing Setup.")
        with org_scope(organization):
            try:
                with connector as client:
                    report = check(organization, client)
            except FinanceError as exc:
                raise CommandError(f"Books could not be read: {exc.message}") from exc
        for line in report.lines():
            self.stdout.write(line)
        if report.ok:
            self.stdout.write(self.style.SUCCESS("ok: FSM and Books agree"))
            return
        self.stdout.write(self.style.ERROR("not ok: FSM and Books differ"))
        raise SystemExit(1)
