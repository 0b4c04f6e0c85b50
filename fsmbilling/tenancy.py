"""Tenancy: the organization comes from the URL, once, and every query is scoped to it (TEN-2, STYLE 2).

- ``resolve_membership(user, slug)`` is the one place that turns a URL slug into an organization the user belongs
  to; anything else (unknown slug, not a member, inactive membership) is the same 404.
- ``OrgPageMixin`` does it for pages and ``fsmbilling.api.base.OrgScopedViewSet`` for the API.
- ``org_scope(org)`` marks the organization that background jobs and commands work for.
- ``get_for_org(model_or_qs, org, pk)`` fetches one row of the organization, or raises Http404 with the message a
  missing row would give: another tenant's row and a missing row look exactly alike.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404
from django.utils.translation import gettext as _

from fsmbilling.models import Membership, Organization

_current_org: contextvars.ContextVar[Organization | None] = contextvars.ContextVar("current_org", default=None)

NOT_FOUND = "Not found."


def resolve_membership(user, slug: str) -> Membership:
    if not user or not user.is_authenticated:
        raise Http404(NOT_FOUND)
    membership = (
        Membership.objects.select_related("organization", "role")
        .filter(user=user, organization__slug=slug, is_active=True)
        .first()
    )
    if membership is None:
        raise Http404(NOT_FOUND)
    return membership


def get_for_org(model_or_queryset, organization: Organization, pk) -> models.Model:
    queryset = model_or_queryset if isinstance(model_or_queryset, models.QuerySet) else model_or_queryset.objects
    try:
        return queryset.get(organization=organization, pk=int(pk))
    except (ValueError, TypeError, OverflowError, queryset.model.DoesNotExist) as exc:
        raise Http404(NOT_FOUND) from exc


@contextlib.contextmanager
def org_scope(organization: Organization) -> Iterator[Organization]:
    """Run a job or command for one organization; ``current_org()`` answers it inside the block."""
    token = _current_org.set(organization)
    try:
        yield organization
    finally:
        _current_org.reset(token)


def current_org() -> Organization:
    organization = _current_org.get()
    if organization is None:
        raise RuntimeError("No organization in scope: wrap the job in org_scope(organization).")
    return organization


class OrgPageMixin(LoginRequiredMixin):
    """Base of every organization page (``/o/<org_slug>/…``).

    Sets ``request.organization`` and ``request.membership``; ``module`` and ``action`` (or ``required_permission``)
    name the permission the page needs (TEN-3). A member without it gets 403 with the reason; a non-member gets 404.
    """

    module: str | None = None
    action: str = "view"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        membership = resolve_membership(request.user, kwargs["org_slug"])
        request.organization = membership.organization
        request.membership = membership
        self.organization = membership.organization
        self.membership = membership
        required = self.get_required_permission(request)
        if required and not membership.role.allows(*required):
            module, action = required
            raise PermissionDenied(
                _("Your role (%(role)s) does not allow you to %(action)s %(module)s. Ask an administrator.")
                % {"role": membership.role.name, "action": action, "module": module.replace("_", " ")}
            )
        return super().dispatch(request, *args, **kwargs)

    def get_required_permission(self, request) -> tuple[str, str] | None:
        if self.module is None:
            return None
        return (self.module, self.action)

    def allows(self, module: str, action: str) -> bool:
        return self.membership.role.allows(module, action)
