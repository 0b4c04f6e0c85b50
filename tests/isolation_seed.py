"""One of every tenant-owned record for an organization, for the isolation walk (REL-1, STYLE 9).

``seed_organization(org, actor)`` creates the core records through their services (company, contact, service,
tax, currency, payment term, custom field, work order with a line, appointment, asset, API token, role, member,
invitation…). With ``everything=True`` it then fills every other model that references an organization (the
invoicing and sync apps, and whatever apps are added later) generically: required fields get minimal values, foreign
keys point at the organization's own rows. A model that cannot be filled that way needs an entry in ``SKIP_REASONS``;
``tenant_models()`` and ``missing_models()`` let the test fail when a tenant-owned model has neither.

Every text the seed writes carries ``marker(org)`` so list pages can be searched for another organization's names.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from fsmbilling.models import Membership, Organization, Role, Salesperson, TaxExemption
from tests.factories import TaxFactory, UserFactory

# Models that reference an organization but cannot (or must not) be created generically, with the reason.
# The isolation test fails for a tenant-owned model with no seeded row and no entry here.
SKIP_REASONS: dict[str, str] = {}


def marker(organization: Organization) -> str:
    """A word that appears in every text seeded for the organization and nowhere else."""
    return f"Zq{organization.slug}mark"


def tenant_models() -> list[type[models.Model]]:
    """Every installed model with a concrete foreign key (or one-to-one) to Organization."""
    return [model for model in apps.get_models() if organization_fields(model)]


def organization_fields(model: type[models.Model]) -> list[str]:
    return [
        f.name
        for f in model._meta.get_fields()
        if f.is_relation and f.concrete and not f.many_to_many and f.related_model is Organization
    ]


def rows_of(model: type[models.Model], organization: Organization) -> models.QuerySet:
    query = models.Q()
    for name in organization_fields(model):
        query |= models.Q(**{name: organization})
    return model._base_manager.filter(query)


def missing_models(organization: Organization) -> list[str]:
    return [
        model._meta.label
        for model in tenant_models()
        if model._meta.label not in SKIP_REASONS and not rows_of(model, organization).exists()
    ]


@dataclass
class Seed:
    organization: Organization
    marker: str
    api_token_raw: str = ""
    generic_errors: dict[str, str] = field(default_factory=dict)

    def ids(self, model: type[models.Model]) -> list[int]:
        """The organization's ids of ``model``, newest first (the seeded row before built-in ones)."""
        return list(rows_of(model, self.organization).order_by("-pk").values_list("pk", flat=True))


def seed_organization(organization: Organization, actor, *, everything: bool = True) -> Seed:
    """Create one of every record type in ``organization`` (acting as ``actor``, one of its administrators)."""
    from fsmbilling.services.api_tokens import api_token_create
    from fsmbilling.services.appointments import appointment_create
    from fsmbilling.services.assets import asset_create
    from fsmbilling.services.catalog import service_part_create
    from fsmbilling.services.companies import company_create
    from fsmbilling.services.contacts import contact_create
    from fsmbilling.services.currencies import currency_create
    from fsmbilling.services.custom_fields import custom_field_create
    from fsmbilling.services.members import member_invite, role_create
    from fsmbilling.services.reference import payment_term_create
    from fsmbilling.services.work_orders import work_order_create, work_order_line_add

    word = marker(organization)
    slug = organization.slug
    seed = Seed(organization=organization, marker=word)
    tax = TaxFactory(organization=organization, name=f"{word} Tax", rate=Decimal("8.25"))
    TaxExemption.objects.create(organization=organization, code=f"{word}-EX", reason=f"{word} exemption")
    Salesperson.objects.create(organization=organization, name=f"{word} Seller", email=f"seller@{slug}.test")
    term = payment_term_create(organization=organization, actor=actor, data={"label": f"{word} Net 15", "days": 15})
    currency_create(
        organization=organization,
        actor=actor,
        data={"code": "EUR", "symbol": "€", "decimal_places": 2, "exchange_rate": Decimal("1.1")},
    )
    custom_field_create(
        organization=organization,
        actor=actor,
        data={"module": "companies", "label": f"{word} Contract", "field_type": "text"},
    )
    company = company_create(
        organization=organization,
        actor=actor,
        data={"name": f"{word} Company", "email": f"office@{slug}.test", "payment_term": term, "default_tax": tax},
    )
    contact = contact_create(
        organization=organization,
        actor=actor,
        data={"first_name": word, "last_name": f"{word} Contact", "email": f"person@{slug}.test", "company": company},
    )
    item = service_part_create(
        organization=organization,
        actor=actor,
        data={"name": f"{word} Service", "kind": "service", "rate": Decimal("120.00"), "sku": f"{word}-SKU"},
    )
    work_order = work_order_create(
        organization=organization,
        actor=actor,
        data={"summary": f"{word} Work order", "company": company, "contact": contact},
    )
    work_order_line_add(work_order=work_order, actor=actor, data={"item": item, "description": f"{word} line"})
    start = timezone.now().replace(microsecond=0) + datetime.timedelta(days=1)
    appointment_create(
        organization=organization,
        actor=actor,
        data={"work_order": work_order, "scheduled_start": start, "scheduled_end": start + datetime.timedelta(hours=2)},
    )
    asset_create(
        organization=organization,
        actor=actor,
        data={"name": f"{word} Asset", "serial_number": f"{word}-SN", "company": company},
    )
    _, seed.api_token_raw = api_token_create(organization=organization, user=actor, name=f"{word} token")
    role = role_create(organization=organization, actor=actor, name=f"{word} Role", permissions={"companies": ["view"]})
    technician = UserFactory(username=f"tech@{slug}.test", first_name=word, last_name="Technician")
    Membership.objects.create(
        user=technician, organization=organization, role=Role.objects.get(organization=organization, name="Technician")
    )
    member_invite(
        organization=organization,
        actor=actor,
        email=f"invitee@{slug}.test",
        role=role,
        accept_url_base="http://testserver/invitations/",
    )
    if everything:
        _seed_remaining(seed, actor)
    return seed


def _seed_remaining(seed: Seed, actor) -> None:
    """Create a row of every tenant-owned model still empty, in dependency order, with minimal values."""
    pending = [m for m in tenant_models() if m._meta.label not in SKIP_REASONS and not _has_rows(m, seed)]
    while pending:
        progressed = False
        for model in list(pending):
            if any(dep in pending and dep is not model for dep in _required_dependencies(model)):
                continue
            pending.remove(model)
            progressed = True
            try:
                with transaction.atomic():
                    _create_generic(model, seed, actor)
            except (IntegrityError, ValueError, TypeError, LookupError) as exc:
                seed.generic_errors[model._meta.label] = f"{type(exc).__name__}: {exc}"
        if not progressed:  # a cycle of required references: record it, the test reports the models
            for model in pending:
                seed.generic_errors[model._meta.label] = "required foreign keys form a cycle"
            break


def _has_rows(model, seed: Seed) -> bool:
    return rows_of(model, seed.organization).exists()


def _required_dependencies(model) -> list[type[models.Model]]:
    return [
        f.related_model
        for f in model._meta.concrete_fields
        if f.is_relation and not f.null and f.related_model not in (Organization, _user_model())
    ]


def _user_model():
    return apps.get_model(settings.AUTH_USER_MODEL)


def _create_generic(model, seed: Seed, actor) -> models.Model:
    values = {}
    for f in model._meta.concrete_fields:
        if f.primary_key or getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            continue
        if f.is_relation:
            value = _related_value(f, seed, actor)
            if value is not None:
                values[f.name] = value
            elif not f.null:
                raise LookupError(f"no {f.related_model._meta.label} of {seed.organization.slug} for {f.name}")
            continue
        if f.null or f.has_default() or (f.blank and isinstance(f, (models.CharField, models.TextField))):
            continue
        values[f.name] = _minimal_value(f, seed)
    return model._base_manager.create(**values)


def _related_value(f, seed: Seed, actor):
    related = f.related_model
    if related is Organization:
        return seed.organization
    if related is _user_model():
        return actor
    if f.one_to_one and f.null:
        return None  # an optional one-to-one (e.g. an invoice line's work-order line) would steal a unique slot
    if organization_fields(related):
        return rows_of(related, seed.organization).order_by("pk").first()
    return None if f.null else related._base_manager.order_by("pk").first()


def _minimal_value(f, seed: Seed):
    if f.choices:
        return f.choices[0][0]
    if isinstance(f, models.EmailField):
        return f"{seed.marker.lower()}@{seed.organization.slug}.test"
    if isinstance(f, models.URLField):
        return f"https://{seed.organization.slug}.test/"
    if isinstance(f, models.UUIDField):
        return uuid.uuid4()
    if isinstance(f, (models.CharField, models.TextField)):
        text = f"{seed.marker} {f.name} {uuid.uuid4().hex[:8]}"
        return text[: f.max_length] if f.max_length else text
    if isinstance(f, models.BooleanField):
        return False
    if isinstance(f, models.DecimalField):
        return Decimal("1")
    if isinstance(f, (models.IntegerField, models.FloatField)):
        return 1
    if isinstance(f, models.DateTimeField):
        return timezone.now()
    if isinstance(f, models.DateField):
        return timezone.localdate()
    if isinstance(f, models.DurationField):
        return datetime.timedelta(minutes=1)
    if isinstance(f, models.JSONField):
        return {}
    raise TypeError(f"no minimal value for {type(f).__name__} {f.name}")
