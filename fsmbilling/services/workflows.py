"""Workflow rules (REC-12): administrators have an email alert sent, a field set or a signed webhook called when a
company, contact, service/part, work order or invoice is created or updated.

- The record services call ``fire_workflow_rules(...)`` after a successful create or update; it runs the rules once
  the transaction has committed. The sync engine writes records directly (``model.save()``) and never calls those
  services, so changes made by sync fire nothing (SYN-16). Imports go through the services and do fire rules.
- *Set a field* is applied at once, with a queryset update of the same record: it does not go through the services
  again, so it never fires rules itself (no loops). Only simple fields (text, number, yes/no, choice) can be set.
- *Email alerts* and *webhooks* are delivered by the task cluster (``fsmbilling.tasks.deliver_workflow_action``),
  with up to ``MAX_ATTEMPTS`` attempts and exponential backoff; each leaves a ``WorkflowDelivery`` row (the log).
- Webhooks POST JSON with ``X-Fsm-Timestamp`` (Unix seconds) and ``X-Fsm-Signature`` = hex HMAC-SHA256 of
  ``f"{timestamp}.{body}"`` keyed with the rule's secret (stored encrypted, ``fsmbilling.crypto``), plus
  ``X-Fsm-Event`` and ``X-Fsm-Delivery`` (the delivery id: the same on every retry, for de-duplication). Any http(s)
  URL is allowed — administrators define them; the request has a 5-second timeout and redirects are not followed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import json
import logging
import re
import secrets
import time
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import partial

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import URLValidator, validate_email
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fsmbilling import crypto
from fsmbilling.models import CustomField, Organization, WorkflowDelivery, WorkflowRule
from fsmbilling.tenancy import org_scope

logger = logging.getLogger(__name__)

# The model of each module, by label: a module whose app is not installed (yet) simply has no model.
WORKFLOW_MODELS = {
    WorkflowRule.Module.COMPANIES: "fsmbilling.Company",
    WorkflowRule.Module.CONTACTS: "fsmbilling.Contact",
    WorkflowRule.Module.SERVICES_AND_PARTS: "fsmbilling.ServicePart",
    WorkflowRule.Module.WORK_ORDERS: "fsmbilling.WorkOrder",
    WorkflowRule.Module.INVOICES: "invoicing.Invoice",
}
WEBHOOK_TIMEOUT = 5.0
MAX_ATTEMPTS = 5
FIRST_RETRY_AFTER = dt.timedelta(seconds=30)
BACKOFF_FACTOR = 4  # 30 s, 2 min, 8 min, 32 min
MIN_SECRET_LENGTH = 16
SIMPLE_FIELD_TYPES = (models.CharField, models.TextField, models.BooleanField, models.DecimalField, models.IntegerField)
NEVER_SET = {"id", "number", "books_id", "currency_code"}
# Documents whose amounts and status are computed or follow their own transitions: those are never set by a rule.
DOCUMENT_MODULES = {WorkflowRule.Module.WORK_ORDERS, WorkflowRule.Module.INVOICES}
TRUE_WORDS = {"true", "yes", "y", "1", "on"}
FALSE_WORDS = {"false", "no", "n", "0", "off", ""}


def model_for(module: str) -> type[models.Model] | None:
    label = WORKFLOW_MODELS.get(module)
    if not label:
        return None
    try:
        return apps.get_model(label)
    except LookupError:
        return None


def settable_fields(module: str) -> dict[str, models.Field]:
    """The simple fields of the module's records that a rule may set (and test in its condition)."""
    model = model_for(module)
    if model is None:
        return {}
    fields = {}
    for model_field in model._meta.concrete_fields:
        if model_field.is_relation or model_field.primary_key or not model_field.editable:
            continue
        if model_field.name in NEVER_SET or not isinstance(model_field, SIMPLE_FIELD_TYPES):
            continue
        if module in DOCUMENT_MODULES and (
            model_field.name == "status" or isinstance(model_field, models.DecimalField)
        ):
            continue
        fields[model_field.name] = model_field
    return fields


def condition_fields(*, organization: Organization, module: str) -> dict[str, str]:
    """Field name → label of what a condition can test: simple fields and the module's custom fields."""
    names = {name: str(f.verbose_name).capitalize() for name, f in settable_fields(module).items()}
    model = model_for(module)
    status = {f.name: f for f in model._meta.concrete_fields}.get("status") if model is not None else None
    if status is not None:  # a document's status cannot be set by a rule, but a condition can test it
        names.setdefault("status", str(status.verbose_name).capitalize())
    for definition in CustomField.objects.filter(organization=organization, module=module):
        names[definition.api_name] = definition.label
    return names


def coerce_value(model_field: models.Field, text: str):
    """The typed value of ``text`` for ``model_field``; ValidationError says what to write instead."""
    text = (text or "").strip()
    if isinstance(model_field, models.BooleanField):
        if text.lower() in TRUE_WORDS:
            return True
        if text.lower() in FALSE_WORDS:
            return False
        raise ValidationError(_("Write true or false."))
    if model_field.choices:
        for value, label in model_field.flatchoices:
            if text.lower() in (str(value).lower(), str(label).lower()):
                return value
        choices = ", ".join(str(value) for value, _label in model_field.flatchoices)
        raise ValidationError(_("Use one of: %(choices)s.") % {"choices": choices})
    if text == "" and model_field.null:
        return None
    value = model_field.to_python(text)
    model_field.run_validators(value)
    if isinstance(model_field, models.CharField) and model_field.max_length and len(value) > model_field.max_length:
        raise ValidationError(_("Use at most %(n)d characters.") % {"n": model_field.max_length})
    return value


def parse_recipients(text: str) -> list[str]:
    return [part for part in re.split(r"[\s,;]+", text or "") if part]


# --- Rules -----------------------------------------------------------------------------------------------------------


def _validate(*, organization: Organization, data: dict, instance: WorkflowRule | None) -> str | None:
    """Normalise ``data`` in place; returns the plain webhook secret to store (None: keep the current one)."""
    errors: dict[str, list[str]] = {}

    def current(name, default=""):
        return data.get(name, getattr(instance, name) if instance else default)

    if "name" in data or instance is None:
        data["name"] = str(data.get("name") or "").strip()
        if not data["name"]:
            errors["name"] = [_("Give the rule a name, e.g. Alert on new companies.")]
    module = current("module")
    if module not in WorkflowRule.Module.values:
        errors["module"] = [_("Choose the module whose records the rule watches.")]
    event = current("event", WorkflowRule.Event.CREATED)
    if event not in WorkflowRule.Event.values:
        errors["event"] = [_("Choose when the rule fires: created, updated, or both.")]
    action = current("action")
    if action not in WorkflowRule.Action.values:
        errors["action"] = [_("Choose what the rule does: email alert, set a field, or webhook.")]
    model_missing = module in WorkflowRule.Module.values and model_for(module) is None

    condition_field = str(current("condition_field") or "").strip()
    data["condition_field"] = condition_field
    data["condition_value"] = str(current("condition_value") or "").strip()
    known = condition_fields(organization=organization, module=module) if module in WorkflowRule.Module.values else {}
    if condition_field and module in WorkflowRule.Module.values and condition_field not in known:
        errors["condition_field"] = [
            _("%(module)s have no field “%(field)s” a condition can test.")
            % {"module": WorkflowRule.Module(module).label, "field": condition_field}
        ]

    secret = None
    if action == WorkflowRule.Action.EMAIL:
        recipients = parse_recipients(current("email_recipients"))
        bad = []
        for address in recipients:
            try:
                validate_email(address)
            except ValidationError:
                bad.append(address)
        if bad:
            errors["email_recipients"] = [_("Not an email address: %(list)s.") % {"list": ", ".join(bad)}]
        data["email_recipients"] = ", ".join(recipients)
        data["email_to_record"] = bool(current("email_to_record", False))
        if not recipients and not data["email_to_record"]:
            errors["email_recipients"] = [_("Enter at least one address, or send to the record's email.")]
    elif action == WorkflowRule.Action.SET_FIELD:
        name = str(current("set_field_name") or "").strip()
        data["set_field_name"] = name
        data["set_field_value"] = str(current("set_field_value") or "").strip()
        fields = settable_fields(module)
        if model_missing:
            errors["set_field_name"] = [_("This module is not available yet, so its fields cannot be set.")]
        elif name not in fields:
            errors["set_field_name"] = [
                _("Choose a field of the same record to set: %(fields)s.") % {"fields": ", ".join(sorted(fields))}
            ]
        else:
            try:
                coerce_value(fields[name], data["set_field_value"])
            except ValidationError as exc:
                errors["set_field_value"] = exc.messages
    elif action == WorkflowRule.Action.WEBHOOK:
        url = str(current("webhook_url") or "").strip()
        data["webhook_url"] = url
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            errors["webhook_url"] = [_("Enter the http:// or https:// address that receives the webhook.")]
        plain = str(data.pop("webhook_secret", "") or "").strip()
        if plain and len(plain) < MIN_SECRET_LENGTH:
            errors["webhook_secret"] = [
                _("Use a secret of at least %(n)d characters, or leave it empty to have one made.")
                % {"n": MIN_SECRET_LENGTH}
            ]
        elif plain:
            secret = plain
        elif instance is None or not instance.webhook_secret_encrypted:
            secret = secrets.token_hex(32)
    data.pop("webhook_secret", None)
    if errors:
        raise ValidationError(errors)
    # What another action would use is cleared, so that a rule only ever shows what it does.
    if action != WorkflowRule.Action.EMAIL:
        data.update(email_recipients="", email_to_record=False)
    if action != WorkflowRule.Action.SET_FIELD:
        data.update(set_field_name="", set_field_value="")
    if action != WorkflowRule.Action.WEBHOOK:
        data.update(webhook_url="", webhook_secret_encrypted="")
    return secret


def _save(instance: WorkflowRule, *, actor, data: dict, secret: str | None) -> WorkflowRule:
    for name, value in data.items():
        setattr(instance, name, value)
    if secret:
        instance.webhook_secret_encrypted = crypto.encrypt(secret)
    if instance.pk is None:
        instance.created_by = actor
    instance.updated_by = actor
    instance.full_clean(
        exclude=["organization", "created_by", "updated_by", "webhook_secret_encrypted"],
        validate_unique=False,
        validate_constraints=False,
    )
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        if "workflowrule_unique_name_per_org" not in str(exc):
            raise
        raise ValidationError({"name": [_("Another rule already has this name; choose another.")]}) from exc
    # Shown once to whoever saved it (the API's answer, the page's message); only the encrypted form is stored.
    instance.new_secret = secret
    return instance


FIELDS = (
    "name", "module", "event", "is_active", "condition_field", "condition_value", "action", "email_recipients",
    "email_to_record", "set_field_name", "set_field_value", "webhook_url", "webhook_secret",
)  # fmt: skip


@transaction.atomic
def workflow_rule_create(*, organization: Organization, actor, data: dict) -> WorkflowRule:
    data = {name: value for name, value in data.items() if name in FIELDS}
    secret = _validate(organization=organization, data=data, instance=None)
    return _save(WorkflowRule(organization=organization), actor=actor, data=data, secret=secret)


@transaction.atomic
def workflow_rule_update(*, instance: WorkflowRule, actor, data: dict) -> WorkflowRule:
    data = {name: value for name, value in data.items() if name in FIELDS}
    if "module" in data and data["module"] != instance.module:
        raise ValidationError({"module": [_("A rule cannot move to another module; create a new rule instead.")]})
    secret = _validate(organization=instance.organization, data=data, instance=instance)
    return _save(instance, actor=actor, data=data, secret=secret)


@transaction.atomic
def workflow_rule_delete(*, instance: WorkflowRule, actor) -> None:
    """Delete the rule; its delivery log stays (with the rule's name)."""
    instance.delete()


def rule_secret(rule: WorkflowRule) -> str:
    return crypto.decrypt(rule.webhook_secret_encrypted)


# --- Firing ----------------------------------------------------------------------------------------------------------


def fire_workflow_rules(*, organization: Organization, module: str, event: str, record, actor=None) -> None:
    """Run the workflow rules of this change once the current transaction commits (nothing if it rolls back).

    Called by the record services after a successful create (``event="created"``) or update (``"updated"``). The
    sync engine does not call it (SYN-16).
    """
    transaction.on_commit(partial(_run_rules_safely, organization, module, event, record, actor))


def _run_rules_safely(organization, module, event, record, actor) -> None:
    # The record is saved whatever happens here: a rule that fails is logged, never an error for the person saving.
    try:
        run_workflow_rules(organization=organization, module=module, event=event, record=record, actor=actor)
    except Exception:
        logger.exception("Workflow rules of %s %s %s failed", module, event, getattr(record, "pk", None))


def record_value(record, name: str):
    if name.startswith("cf_"):
        return (getattr(record, "custom_fields", None) or {}).get(name)
    return getattr(record, name, None)


def values_equal(value, wanted: str) -> bool:
    """The condition's "equals": case-insensitive text, numbers by value, yes/no words for booleans."""
    wanted = (wanted or "").strip()
    if value is None:
        return wanted == ""
    if isinstance(value, bool):
        return (wanted.lower() in TRUE_WORDS) if value else (wanted.lower() in FALSE_WORDS)
    if isinstance(value, (int, Decimal, float)):
        try:
            return Decimal(str(value)) == Decimal(wanted)
        except InvalidOperation:
            return False
    return str(value).strip().lower() == wanted.lower()


def condition_matches(rule: WorkflowRule, record) -> bool:
    if not rule.condition_field:
        return True
    return values_equal(record_value(record, rule.condition_field), rule.condition_value)


def record_snapshot(record) -> dict:
    """The record's own fields as JSON values (relations as ids), for webhook bodies and alerts."""
    data = {}
    for model_field in record._meta.concrete_fields:
        if model_field.name == "organization":
            continue
        data[model_field.attname] = model_field.value_from_object(record)
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def _record_url(record) -> str:
    try:
        return settings.SITE_URL.rstrip("/") + record.get_absolute_url()
    except Exception:  # noqa: BLE001 - a record without a page
        return ""


def run_workflow_rules(*, organization: Organization, module: str, event: str, record, actor=None) -> list:
    """Apply the matching rules now: set fields, and queue email alerts and webhooks. Returns the deliveries."""
    rules = list(
        WorkflowRule.objects.filter(
            organization=organization,
            module=module,
            is_active=True,
            event__in=[event, WorkflowRule.Event.CREATED_OR_UPDATED],
        ).order_by("id")
    )
    matching = [rule for rule in rules if condition_matches(rule, record)]
    if not matching:
        return []
    deliveries = []
    # Fields are set first, so that the alerts and webhooks of the same change carry the values the rules set.
    for rule in sorted(matching, key=lambda r: (r.action != WorkflowRule.Action.SET_FIELD, r.pk)):
        if rule.action == WorkflowRule.Action.SET_FIELD:
            deliveries.append(_apply_set_field(rule, record, event))
        else:
            deliveries.append(_queue(rule, record, event, actor, organization))
    return deliveries


def _base_delivery(rule: WorkflowRule, record, event: str, **kwargs) -> WorkflowDelivery:
    return WorkflowDelivery(
        organization_id=rule.organization_id,
        rule=rule,
        rule_name=rule.name,
        module=rule.module,
        event=event,
        record_id=record.pk,
        record_label=str(record)[:255],
        action=rule.action,
        **kwargs,
    )


def _apply_set_field(rule: WorkflowRule, record, event: str) -> WorkflowDelivery:
    delivery = _base_delivery(rule, record, event, target=f"{rule.set_field_name} = {rule.set_field_value}")
    model_field = settable_fields(rule.module).get(rule.set_field_name)
    now = timezone.now()
    try:
        if model_field is None:
            raise ValidationError(_("The field %(name)s cannot be set.") % {"name": rule.set_field_name})
        value = coerce_value(model_field, rule.set_field_value)
    except ValidationError as exc:
        delivery.status, delivery.error = WorkflowDelivery.Status.FAILED, " ".join(exc.messages)
    else:
        if getattr(record, model_field.attname) != value:
            changes = {model_field.attname: value}
            if any(f.name == "updated_at" for f in record._meta.concrete_fields):
                changes["updated_at"] = now  # a local change: the next sync run takes it to Books
            # A queryset update, not the services: setting a field never fires rules again.
            type(record)._default_manager.filter(pk=record.pk, organization_id=rule.organization_id).update(**changes)
            for name, new in changes.items():
                setattr(record, name, new)
        delivery.status = WorkflowDelivery.Status.SUCCEEDED
    delivery.attempts = 1
    delivery.finished_at = now
    delivery.save()
    return delivery


def _queue(rule: WorkflowRule, record, event: str, actor, organization: Organization) -> WorkflowDelivery:
    if rule.action == WorkflowRule.Action.EMAIL:
        recipients = parse_recipients(rule.email_recipients)
        own = (getattr(record, "email", "") or "").strip() if rule.email_to_record else ""
        if own and own not in recipients:
            recipients.append(own)
        target = ", ".join(recipients)
    else:
        target = rule.webhook_url
    payload = {
        "event": f"{rule.module}.{event}",
        "module": rule.module,
        "organization": organization.slug,
        "occurred_at": timezone.now().isoformat(),
        "rule": {"id": rule.pk, "name": rule.name},
        "actor": (actor.get_username() if actor is not None else None),
        "url": _record_url(record),
        "record": record_snapshot(record),
    }
    delivery = _base_delivery(rule, record, event, target=target, payload=payload)
    delivery.save()
    delivery_id = delivery.pk
    transaction.on_commit(lambda: enqueue_delivery(delivery_id))
    return delivery


def enqueue_delivery(delivery_id: int) -> None:
    from django_q.tasks import async_task

    async_task(
        "fsmbilling.tasks.deliver_workflow_action",
        delivery_id,
        task_name=f"workflow-delivery-{delivery_id}",
        group="workflows",
    )


def schedule_retry(delivery_id: int, attempt: int, when: dt.datetime) -> None:
    from django_q.models import Schedule
    from django_q.tasks import schedule

    with contextlib.suppress(IntegrityError):  # already scheduled by an earlier delivery of the same task
        schedule(
            "fsmbilling.tasks.deliver_workflow_action",
            delivery_id,
            name=f"workflow-delivery-{delivery_id}-{attempt}",
            schedule_type=Schedule.ONCE,
            next_run=when,
        )


# --- Delivering ------------------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    ok: bool
    retryable: bool = False
    response_code: int | None = None
    error: str = ""


def sign(secret: str, timestamp: str, body: str) -> str:
    """hex HMAC-SHA256 of ``f"{timestamp}.{body}"`` keyed with the secret (what receivers recompute)."""
    return hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()


def webhook_body(delivery: WorkflowDelivery) -> str:
    """The JSON body; the same bytes on every attempt of a delivery."""
    return json.dumps({**delivery.payload, "delivery_id": delivery.pk}, sort_keys=True, separators=(",", ":"))


def _send_webhook(delivery: WorkflowDelivery) -> Outcome:
    import httpx

    rule = delivery.rule
    if rule is None:
        return Outcome(ok=False, error=_("The rule was deleted, so there is no secret to sign the webhook with."))
    try:
        secret = rule_secret(rule)
    except ValueError:
        return Outcome(ok=False, error=_("The rule's secret cannot be decrypted; set a new secret on the rule."))
    body = webhook_body(delivery)
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "fsmbilling-webhooks/1",
        "X-Fsm-Event": delivery.payload.get("event", ""),
        "X-Fsm-Delivery": str(delivery.pk),
        "X-Fsm-Timestamp": timestamp,
        "X-Fsm-Signature": sign(secret, timestamp, body),
    }
    try:
        response = httpx.post(
            delivery.target, content=body.encode(), headers=headers, timeout=WEBHOOK_TIMEOUT, follow_redirects=False
        )
    except httpx.TimeoutException:
        return Outcome(ok=False, retryable=True, error=_("No answer within %(s)d seconds.") % {"s": WEBHOOK_TIMEOUT})
    except httpx.HTTPError as exc:
        return Outcome(ok=False, retryable=True, error=_("Could not connect: %(error)s") % {"error": exc})
    code = response.status_code
    if 200 <= code < 300:
        return Outcome(ok=True, response_code=code)
    retryable = code in (408, 425, 429) or code >= 500
    detail = _("The receiver answered %(code)d.") % {"code": code}
    if 300 <= code < 400:
        detail += " " + _("Redirects are not followed; use the final address.")
    return Outcome(ok=False, retryable=retryable, response_code=code, error=detail)


def _send_email(delivery: WorkflowDelivery) -> Outcome:
    recipients = parse_recipients(delivery.target)
    if not recipients:
        return Outcome(ok=False, error=_("No recipient: the record has no email address and the rule lists none."))
    payload = delivery.payload
    module_label = WorkflowRule.Module(delivery.module).label if delivery.module in WorkflowRule.Module.values else ""
    event_label = _("created") if delivery.event == "created" else _("updated")
    subject = _("[fsmbilling] %(rule)s: %(label)s was %(event)s") % {
        "rule": delivery.rule_name,
        "label": delivery.record_label,
        "event": event_label,
    }
    lines = [
        _("%(module)s record “%(label)s” was %(event)s%(by)s.")
        % {
            "module": module_label,
            "label": delivery.record_label,
            "event": event_label,
            "by": (" " + _("by %(actor)s") % {"actor": payload["actor"]}) if payload.get("actor") else "",
        },
        "",
    ]
    if payload.get("url"):
        lines += [_("Open it: %(url)s") % {"url": payload["url"]}, ""]
    lines.append(_("Sent by the workflow rule “%(rule)s”.") % {"rule": delivery.rule_name})
    try:
        send_mail(subject, "\n".join(lines), None, recipients, fail_silently=False)
    except Exception as exc:  # noqa: BLE001 - SMTP and network errors: tried again
        return Outcome(ok=False, retryable=True, error=_("The email could not be sent: %(error)s") % {"error": exc})
    return Outcome(ok=True)


def deliver(delivery_id: int) -> str:
    """Carry out one queued email alert or webhook; on a passing failure, schedule the next attempt with backoff.

    The row stays locked during the attempt (at most the 5-second timeout), so two workers never send it twice.
    """
    retry_at = None
    with transaction.atomic():
        delivery = (
            WorkflowDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("rule", "organization")
            .filter(pk=delivery_id)
            .first()
        )
        waiting = (WorkflowDelivery.Status.PENDING, WorkflowDelivery.Status.RETRYING)
        if delivery is None or delivery.status not in waiting:
            return "not claimed"
        now = timezone.now()
        if delivery.next_attempt_at and delivery.next_attempt_at > now + dt.timedelta(seconds=1):
            return "not due"
        with org_scope(delivery.organization):
            if delivery.action == WorkflowRule.Action.WEBHOOK:
                outcome = _send_webhook(delivery)
            else:
                outcome = _send_email(delivery)
        delivery.attempts += 1
        delivery.response_code = outcome.response_code
        delivery.error = outcome.error
        if outcome.ok:
            delivery.status, delivery.finished_at, delivery.next_attempt_at = (
                WorkflowDelivery.Status.SUCCEEDED,
                timezone.now(),
                None,
            )
        elif outcome.retryable and delivery.attempts < MAX_ATTEMPTS:
            retry_at = timezone.now() + FIRST_RETRY_AFTER * (BACKOFF_FACTOR ** (delivery.attempts - 1))
            delivery.status, delivery.next_attempt_at = WorkflowDelivery.Status.RETRYING, retry_at
        else:
            if outcome.retryable:
                delivery.error += " " + _("Gave up after %(n)d attempts.") % {"n": delivery.attempts}
            delivery.status, delivery.finished_at, delivery.next_attempt_at = (
                WorkflowDelivery.Status.FAILED,
                timezone.now(),
                None,
            )
        delivery.save()
        if retry_at is not None:
            attempt = delivery.attempts
            transaction.on_commit(lambda: schedule_retry(delivery_id, attempt, retry_at))
    return delivery.status
