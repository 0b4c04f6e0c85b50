"""Create an API token for a member of an organization and print the raw key (only the key, on stdout)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from fsmbilling.models import Organization
from fsmbilling.services.accounts import user_for_email
from fsmbilling.services.api_tokens import api_token_create
from fsmbilling.tenancy import org_scope


class Command(BaseCommand):
    help = "Create an API token for EMAIL in organization SLUG and print its key (shown only this once)."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True, help="Email of the user the token acts as")
        parser.add_argument("--org", required=True, help="Slug of the organization (as in /o/<slug>/)")
        parser.add_argument("--name", default="Command line", help="What the token is for")

    def handle(self, *args, email: str, org: str, name: str, **options):
        user = user_for_email(email)
        if user is None:
            raise CommandError(f"No user has the email {email}. Check the address or sign the user up first.")
        organization = Organization.objects.filter(slug=org).first()
        if organization is None:
            raise CommandError(f"No organization has the slug {org!r}. The slug is the part after /o/ in page URLs.")
        with org_scope(organization):
            try:
                _token, raw = api_token_create(organization=organization, user=user, name=name)
            except ValidationError as exc:
                raise CommandError(
                    " ".join(exc.messages) + " Invite them from the organization's Members page first."
                ) from exc
        self.stdout.write(raw)
