"""Create the sandbox's demo finance organizations (idempotent)."""

from django.core.management.base import BaseCommand

from sandbox.services.seed import sandbox_seed


class Command(BaseCommand):
    help = "Create the Books sandbox demo organizations, identities and OAuth client (safe to run again)."

    def handle(self, *args, **options):
        result = sandbox_seed()
        created = ", ".join(result["created"]) or "nothing (already seeded)"
        self.stdout.write(f"Created: {created}")
        for key, organization_id in result["organizations"].items():
            self.stdout.write(f"  {key}: organization_id {organization_id}")
        self.stdout.write(f"OAuth client: {result['client_id']}; identities: {', '.join(result['users'])}")
