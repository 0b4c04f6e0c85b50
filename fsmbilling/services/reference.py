"""Writes on payment terms (FIN-5 reference data). One term per organization may be the default."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fsmbilling.models import Organization, PaymentTerm


def _save_payment_term(instance: PaymentTerm, *, actor, data: dict) -> PaymentTerm:
    data = dict(data)
    if "label" in data or instance.pk is None:
        data["label"] = str(data.get("label") or "").strip()
        if not data["label"]:
            raise ValidationError({"label": [_("Give the payment term a label, e.g. Net 30.")]})
    for name, value in data.items():
        setattr(instance, name, value)
    if instance.pk is None:
        instance.created_by = actor
    instance.updated_by = actor
    instance.full_clean(
        exclude=["organization", "created_by", "updated_by"], validate_unique=False, validate_constraints=False
    )
    if instance.is_default:
        others = PaymentTerm.objects.select_for_update().filter(organization=instance.organization, is_default=True)
        if instance.pk:
            others = others.exclude(pk=instance.pk)
        for other in others:  # a handful at most; locked so that two new defaults queue
            other.is_default = False
            other.updated_by = actor
            other.updated_at = timezone.now()
            other.save(update_fields=["is_default", "updated_by", "updated_at"])
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        if "payment_term_unique_per_org" not in str(exc):
            raise
        raise ValidationError(
            {"label": [_("A payment term with this label and number of days already exists.")]}
        ) from exc
    return instance


@transaction.atomic
def payment_term_create(*, organization: Organization, actor, data: dict) -> PaymentTerm:
    return _save_payment_term(PaymentTerm(organization=organization), actor=actor, data=data)


@transaction.atomic
def payment_term_update(*, instance: PaymentTerm, actor, data: dict) -> PaymentTerm:
    return _save_payment_term(instance, actor=actor, data=data)


@transaction.atomic
def payment_term_delete(*, instance: PaymentTerm, actor) -> None:
    instance.delete()
