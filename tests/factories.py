"""Factories for tests. Every tenant-owned factory takes ``organization``."""

from __future__ import annotations

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from fsmbilling import models
from fsmbilling.services.organizations import organization_create

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}@example.com")
    email = factory.SelfAttribute("username")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:
            instance.save(update_fields=["password"])


def make_organization(name: str, *, slug: str | None = None, country: str = "US", owner=None, **kwargs):
    owner = owner or UserFactory()
    return organization_create(name=name, slug=slug, country=country, owner=owner, **kwargs)


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Company

    name = factory.Faker("company")
    email = factory.Faker("company_email")
    phone = factory.Faker("numerify", text="+1-555-###-####")
    billing_address = factory.LazyFunction(
        lambda: {"address": "1 Main St", "city": "Springfield", "state": "IL", "zip": "62701", "country": "US"}
    )


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Contact

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Faker("email")


class ServicePartFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ServicePart

    name = factory.Sequence(lambda n: f"Service {n}")
    kind = models.ServicePart.Kind.SERVICE
    rate = Decimal("100.00")


class TaxFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Tax

    name = factory.Sequence(lambda n: f"Tax {n}")
    rate = Decimal("8.25")
