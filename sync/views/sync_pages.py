"""Sync pages under /o/<slug>/sync/: Enable Sync wizard with match review (SYN-1, SYN-7), Sync Settings (SYN-5, SYN-8,
SYN-11, SYN-15), Sync Now, Sync Logs / History with run detail, failures by reason, broken links and CSV (SYN-12,
SYN-17, SYN-18). Views parse input and call services; reads come from selectors."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from fsmbilling.models import Company, Contact, ServicePart
from fsmbilling.tenancy import NOT_FOUND, OrgPageMixin, get_for_org
from sync import match_review, selectors, services
from sync.connectors import FinanceError
from sync.csv_export import failure_csv_response
from sync.engine.mapping import mapping_for, mapping_save
from sync.engine_models import SyncFailure, SyncRun, SyncSettings, SyncType
from sync.forms import DUPLICATE_HELP, DuplicatesForm, MappingForm, SettingsForm, SupportEnableForm

app_name = "sync"

SETUP = "billing_setup"
LOGS = "sync_logs"
MODULE_TITLES = {
    "companies": gettext_lazy("Companies ↔ Customers"),
    "contacts": gettext_lazy("Contacts ↔ Customers"),
    "services_and_parts": gettext_lazy("Services and Parts ↔ Items"),
}
SYNC_TYPE_HELP = {
    "I": "Companies sync with Books customers of type Business; contacts are not synced.",
    "II": "Contacts sync with Books customers of type Individual; companies are not synced.",
    "III": "Companies and their contacts sync with Business customers and their contact persons; contacts without "
    "a company are not synced.",
    "IV": "As Type III, and contacts without a company sync with Individual customers. A company with a single "
    "contact makes it the customer's primary contact person.",
}
WIZARD_STEPS = ("duplicates", "customers", "items", "review", "confirm")


class MethodPermissionMixin(OrgPageMixin):
    """GET needs ``view`` of the module, other methods ``edit`` (TEN-3)."""

    module = SETUP
    read_action = "view"

    def get_required_permission(self, request):
        return (self.module, self.read_action if request.method in ("GET", "HEAD") else "edit")


def customer_modules(sync_type: str) -> list[str]:
    return [m for m in match_review.modules_for(sync_type) if m != "services_and_parts"]


def _url(name: str, organization, *args) -> str:
    return reverse(f"sync:{name}", args=[organization.slug, *args])


# --- Sync Settings --------------------------------------------------------------------------------------------------


class SettingsView(MethodPermissionMixin, View):
    def context(self, request, *, form=None, support_form=None) -> dict:
        organization = self.organization
        row = services.settings_for(organization)
        modules = match_review.modules_for(row.sync_type)
        mappings = []
        for module in modules:
            pairs = mapping_for(organization, module)
            policy = row.owner_policies.get(module) or {}
            mappings.append(
                {
                    "module": module,
                    "title": MODULE_TITLES[module],
                    "pairs": [
                        {"fsm": f, "books": b, "owner": (policy.get("fields") or {}).get(b, "")} for f, b in pairs
                    ],
                    "owner": policy.get("module") or "",
                    "resync": module in row.resync_modules,
                }
            )
        return {
            "settings": row,
            "sync_type_label": SyncType(row.sync_type).label,
            "sync_type_help": SYNC_TYPE_HELP.get(row.sync_type, ""),
            "duplicate_help": DUPLICATE_HELP,
            "form": form
            or SettingsForm(initial={"duplicate_handling": row.duplicate_handling, "auto_sync": row.auto_sync}),
            "support_form": support_form or SupportEnableForm(),
            "mappings": mappings,
            "manual_runs_left": services.manual_runs_left(organization),
            "manual_runs_per_day": services.MANUAL_RUNS_PER_DAY,
            "active_run": services.active_run(organization),
            "last_run": SyncRun.objects.filter(organization=organization)
            .exclude(state__in=SyncRun.ACTIVE_STATES)
            .first(),
            "can_edit": self.allows(SETUP, "edit"),
            "is_staff": request.user.is_staff,
        }

    def get(self, request, **kwargs):
        return render(request, "sync/settings.html", self.context(request))

    def post(self, request, **kwargs):
        action = request.POST.get("form", "general")
        organization = self.organization
        if action == "support_enable":
            support_form = SupportEnableForm(request.POST)
            if not request.user.is_staff:
                raise PermissionDenied(_("Only platform support can enable a sync that an error disabled."))
            if not support_form.is_valid():
                return render(request, "sync/settings.html", self.context(request, support_form=support_form))
            services.sync_support_enable(
                organization=organization, actor=request.user, note=support_form.cleaned_data["note"]
            )
            messages.success(request, _("Sync is enabled again. The next automatic run starts within a minute."))
            return HttpResponseRedirect(_url("settings", organization))
        if action == "owners":
            policies = {}
            for module in match_review.modules_for(services.settings_for(organization).sync_type):
                fields = {}
                for _fsm, books in mapping_for(organization, module):
                    value = request.POST.get(f"owner-{module}-{books}", "")
                    if value:
                        fields[books] = value
                policies[module] = {"module": request.POST.get(f"owner-{module}") or None, "fields": fields}
            try:
                services.sync_settings_update(organization=organization, actor=request.user, owner_policies=policies)
            except ValidationError as exc:
                for message in exc.messages:
                    messages.error(request, message)
            else:
                messages.success(request, _("Owner sides saved. They apply from the next run."))
            return HttpResponseRedirect(_url("settings", organization) + "#owners")
        form = SettingsForm(request.POST)
        if not form.is_valid():
            return render(request, "sync/settings.html", self.context(request, form=form))
        services.sync_settings_update(
            organization=organization,
            actor=request.user,
            duplicate_handling=form.cleaned_data["duplicate_handling"],
            auto_sync=form.cleaned_data["auto_sync"],
        )
        messages.success(request, _("Sync settings saved."))
        return HttpResponseRedirect(_url("settings", organization))


class MappingView(MethodPermissionMixin, View):
    """Field mapping of one module, editable any time; a change re-syncs the module at the next run (SYN-5, SYN-6)."""

    def dispatch(self, request, *args, **kwargs):
        if kwargs.get("module") not in MODULE_TITLES:
            raise Http404(NOT_FOUND)
        return super().dispatch(request, *args, **kwargs)

    def render_page(self, request, module, form):
        form.title = MODULE_TITLES[module]
        row = services.settings_for(self.organization)
        return render(
            request,
            "sync/mapping.html",
            {
                "module": module,
                "title": MODULE_TITLES[module],
                "form": form,
                "resync": module in row.resync_modules,
                "settings": row,
                "can_edit": self.allows(SETUP, "edit"),
            },
        )

    def get(self, request, module, **kwargs):
        custom = selectors.books_custom_fields(self.organization, (module,))[module]
        form = MappingForm(
            organization=self.organization,
            module=module,
            initial=mapping_for(self.organization, module),
            books_custom_fields=custom,
        )
        return self.render_page(request, module, form)

    def post(self, request, module, **kwargs):
        custom = selectors.books_custom_fields(self.organization, (module,))[module]
        form = MappingForm(organization=self.organization, module=module, data=request.POST, books_custom_fields=custom)
        if not form.is_valid():
            return self.render_page(request, module, form)
        before = mapping_for(self.organization, module)
        mapping_save(organization=self.organization, module=module, pairs=form.pairs, books_custom_fields=custom)
        if list(before) != list(form.pairs):
            messages.success(
                request,
                _("Mapping saved. Every record of %(module)s is synced again at the next run.")
                % {"module": MODULE_TITLES[module]},
            )
        else:
            messages.info(request, _("Nothing changed in the mapping."))
        return HttpResponseRedirect(_url("settings", self.organization) + f"#mapping-{module}")


class MappingRowView(MethodPermissionMixin, View):
    """htmx: one empty mapping row to add to a table."""

    def get(self, request, module, **kwargs):
        if module not in MODULE_TITLES:
            raise Http404(NOT_FOUND)
        custom = selectors.books_custom_fields(self.organization, (module,))[module]
        form = MappingForm(organization=self.organization, module=module, initial=[], books_custom_fields=custom)
        prefix = request.GET.get("prefix", module)
        form.prefix = prefix if prefix in MODULE_TITLES else module
        return render(request, "sync/_mapping_row.html", {"form": form, "row": {"fsm": "", "books": ""}})


# --- Sync Now -------------------------------------------------------------------------------------------------------


class SyncNowView(MethodPermissionMixin, View):
    def post(self, request, **kwargs):
        try:
            run = services.sync_now(organization=self.organization, actor=request.user)
        except services.SyncRefused as refused:
            messages.error(request, refused.message)
            target = request.POST.get("next", "")
            allowed = {_url("settings", self.organization), _url("logs", self.organization)}
            return HttpResponseRedirect(target if target in allowed else _url("settings", self.organization))
        left = services.manual_runs_left(self.organization)
        messages.success(
            request,
            _("Sync run %(id)s started. %(left)s manual run(s) left today.") % {"id": run.run_id, "left": left},
        )
        return HttpResponseRedirect(_url("run", self.organization, run.pk))


class ImportFromBooksView(MethodPermissionMixin, View):
    """Import Books customers and items once, before sync is enabled (SYN-20); progress shows on the run page."""

    def post(self, request, **kwargs):
        try:
            run = services.import_from_books(organization=self.organization, actor=request.user)
        except services.SyncRefused as refused:
            messages.error(request, refused.message)
            return HttpResponseRedirect(_url("settings", self.organization))
        messages.success(
            request,
            _(
                "Import from Books %(id)s started. Imported records are linked, so enabling sync later duplicates "
                "nothing."
            )
            % {"id": run.run_id},
        )
        return HttpResponseRedirect(_url("run", self.organization, run.pk))


# --- Enable Sync wizard ---------------------------------------------------------------------------------------------


class EnableView(OrgPageMixin, View):
    """The one-time Enable Sync wizard (SYN-1): duplicates → customer mapping → item mapping → match review → Save
    and Enable. The wizard's answers live in the session until the last step saves them all at once."""

    module = SETUP
    action = "edit"

    @property
    def session_key(self) -> str:
        return f"sync-enable-{self.organization.pk}"

    def state(self, request) -> dict:
        return request.session.get(self.session_key) or {}

    def save_state(self, request, state: dict) -> None:
        request.session[self.session_key] = state
        request.session.modified = True

    def refusal(self, row: SyncSettings) -> str | None:
        from sync.engine.run import _import_running

        if row.is_enabled:
            return _("Sync is already enabled. Change its settings in Sync Settings.")
        if row.disabled_by_error:
            return _("Sync was disabled by an error: %(reason)s Only platform support can enable it again.") % {
                "reason": row.disabled_reason
            }
        if selectors.finance_connection(self.organization) is None:
            return _("Connect a finance organization in Billing Setup first; then enable sync.")
        if _import_running(self.organization):
            return _("A data import is running. Enable sync when it has finished.")
        return None

    def step_of(self, request) -> str:
        step = request.POST.get("step") or request.GET.get("step") or "duplicates"
        return step if step in WIZARD_STEPS else "duplicates"

    def base_context(self, row: SyncSettings, step: str) -> dict:
        return {
            "settings": row,
            "step": step,
            "steps": [
                ("duplicates", _("Duplicate handling")),
                ("customers", _("Customer field mapping")),
                ("items", _("Item field mapping")),
                ("review", _("Match review")),
                ("confirm", _("Save and Enable")),
            ],
            "sync_type_label": SyncType(row.sync_type).label,
            "sync_type_help": SYNC_TYPE_HELP.get(row.sync_type, ""),
            "duplicate_help": DUPLICATE_HELP,
        }

    def mapping_forms(self, request, row, step, *, data=None) -> list[MappingForm]:
        modules = customer_modules(row.sync_type) if step == "customers" else ["services_and_parts"]
        custom = selectors.books_custom_fields(self.organization, tuple(modules))
        state = self.state(request)
        forms_ = []
        for module in modules:
            saved = (state.get("mappings") or {}).get(module)
            form = MappingForm(
                organization=self.organization,
                module=module,
                data=data,
                initial=[tuple(p) for p in saved] if saved else mapping_for(self.organization, module),
                books_custom_fields=custom[module],
            )
            form.title = MODULE_TITLES[module]
            forms_.append(form)
        return forms_

    def render_step(self, request, row, step, **extra):
        context = self.base_context(row, step)
        state = self.state(request)
        if step == "duplicates":
            context["form"] = extra.get("form") or DuplicatesForm(
                initial={
                    "duplicate_handling": state.get("duplicate_handling", row.duplicate_handling),
                    "auto_sync": state.get("auto_sync", row.auto_sync),
                }
            )
        elif step in ("customers", "items"):
            context["mapping_forms"] = extra.get("mapping_forms") or self.mapping_forms(request, row, step)
        elif step == "review":
            context.update(review_context(self.organization, state.get("duplicate_handling")))
        elif step == "confirm":
            context["state"] = state
            context["mapping_summary"] = [
                (MODULE_TITLES[m], len(pairs)) for m, pairs in (state.get("mappings") or {}).items()
            ]
            context["duplicate_label"] = SyncSettings.Duplicates(
                state.get("duplicate_handling", row.duplicate_handling)
            ).label
        return render(request, "sync/enable.html", context)

    def get(self, request, **kwargs):
        row = services.settings_for(self.organization)
        reason = self.refusal(row)
        if reason:
            messages.error(request, reason)
            return HttpResponseRedirect(_url("settings", self.organization))
        return self.render_step(request, row, self.step_of(request))

    def post(self, request, **kwargs):
        row = services.settings_for(self.organization)
        reason = self.refusal(row)
        if reason:
            messages.error(request, reason)
            return HttpResponseRedirect(_url("settings", self.organization))
        step = self.step_of(request)
        state = self.state(request)
        next_url = _url("enable", self.organization) + "?step="
        if step == "duplicates":
            form = DuplicatesForm(request.POST)
            if not form.is_valid():
                return self.render_step(request, row, step, form=form)
            state.update(form.cleaned_data)
            self.save_state(request, state)
            return HttpResponseRedirect(next_url + "customers")
        if step in ("customers", "items"):
            forms_ = self.mapping_forms(request, row, step, data=request.POST)
            if not all([form.is_valid() for form in forms_]):  # noqa: C419 - validate every form
                return self.render_step(request, row, step, mapping_forms=forms_)
            mappings = state.get("mappings") or {}
            for form in forms_:
                mappings[form.module] = [list(pair) for pair in form.pairs]
            state["mappings"] = mappings
            self.save_state(request, state)
            return HttpResponseRedirect(next_url + ("items" if step == "customers" else "review"))
        if step == "review":
            done = review_post(request, self.organization, state.get("duplicate_handling"))
            if done and request.POST.get("action") == "continue":
                return HttpResponseRedirect(next_url + "confirm")
            return HttpResponseRedirect(next_url + "review")
        return self.enable(request, row, state)

    def enable(self, request, row, state):
        if "duplicate_handling" not in state:
            messages.error(request, _("Start with the first step: choose how duplicates are handled."))
            return HttpResponseRedirect(_url("enable", self.organization))
        mappings = {m: [tuple(p) for p in pairs] for m, pairs in (state.get("mappings") or {}).items()}
        custom = selectors.books_custom_fields(self.organization, tuple(mappings) or ("companies",))
        try:
            run = services.sync_enable_with_setup(
                organization=self.organization,
                actor=request.user,
                duplicate_handling=state["duplicate_handling"],
                auto_sync=bool(state.get("auto_sync", True)),
                mappings=mappings,
                books_custom_fields=custom,
            )
        except services.SyncRefused as refused:
            messages.error(request, refused.message)
            return HttpResponseRedirect(_url("settings", self.organization))
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return HttpResponseRedirect(_url("enable", self.organization) + "?step=customers")
        request.session.pop(self.session_key, None)
        messages.success(
            request, _("Sync is enabled. The first run %(id)s has started; its progress is below.") % {"id": run.run_id}
        )
        return HttpResponseRedirect(_url("run", self.organization, run.pk))


def review_context(organization, duplicate_handling: str | None) -> dict:
    connector = selectors.finance_connector(organization)
    if connector is None:
        return {"review": None, "review_error": _("No finance organization is connected, so Books cannot be read.")}
    try:
        with connector as client:
            review = match_review.build_review(organization, client, duplicate_handling=duplicate_handling)
    except FinanceError as exc:
        return {
            "review": None,
            "review_error": _("Books could not be read (%(why)s). Try again in a minute.") % {"why": exc.message},
        }
    return {"review": review, "review_limit": 200, "score_explanation": match_review.SCORE_EXPLANATION}


def review_post(request, organization, duplicate_handling: str | None) -> bool:
    """Store the match review's decisions from the page: bulk accept, per-row changes, or clear."""
    action = request.POST.get("action", "save")
    if action == "clear":
        n = match_review.decisions_clear(organization=organization, actor=request.user)
        messages.success(request, _("%(n)s decision(s) cleared; the proposals apply again.") % {"n": n})
        return True
    context = review_context(organization, duplicate_handling)
    review = context["review"]
    if review is None:
        messages.error(request, context["review_error"])
        return False
    try:
        if action == "accept_all":
            n = match_review.accept_all(organization=organization, actor=request.user, review=review)
            messages.success(request, _("All %(n)s proposal(s) accepted.") % {"n": n})
            return True
        decisions = []
        for key, value in request.POST.items():
            if not key.startswith("decision-") or request.POST.get("orig-" + key[len("decision-") :]) == value:
                continue
            _prefix, kind, local_id = key.split("-", 2)
            action_value, _sep, remote_id = value.partition(":")
            if not local_id.isdigit():
                continue
            decisions.append(
                match_review.DecisionInput(kind=kind, local_id=int(local_id), action=action_value, remote_id=remote_id)
            )
        match_review.decisions_save(organization=organization, actor=request.user, review=review, decisions=decisions)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return False
    if decisions:
        messages.success(request, _("%(n)s change(s) saved.") % {"n": len(decisions)})
    return True


class MatchReviewView(MethodPermissionMixin, View):
    """The match review on its own page (before the first run it can be revisited; SYN-7)."""

    read_action = "edit"

    def get(self, request, **kwargs):
        row = services.settings_for(self.organization)
        context = {"settings": row, **review_context(self.organization, None)}
        return render(request, "sync/match_review.html", context)

    def post(self, request, **kwargs):
        review_post(request, self.organization, None)
        return HttpResponseRedirect(_url("match_review", self.organization))


# --- Sync Logs ------------------------------------------------------------------------------------------------------


class LogsView(OrgPageMixin, View):
    module = LOGS
    title = gettext_lazy("Sync logs")

    def get(self, request, **kwargs):
        page = Paginator(selectors.run_list(organization=self.organization), 25).get_page(request.GET.get("page"))
        rows = [{"run": run, "counts": selectors.run_count_rows(run)} for run in page.object_list]
        context = {
            "title": self.title,
            "page_obj": page,
            "rows": rows,
            "open_failures": SyncFailure.objects.filter(
                organization=self.organization, state=SyncFailure.State.OPEN
            ).count(),
            "broken_links": selectors.broken_links(organization=self.organization).count(),
            "active_run": services.active_run(self.organization),
            "settings": services.settings_for(self.organization),
            "manual_runs_left": services.manual_runs_left(self.organization),
            "can_sync_now": self.allows(SETUP, "edit"),
        }
        return render(request, "sync/logs.html", context)


class HistoryView(LogsView):
    title = gettext_lazy("Sync history")


class RunDetailView(OrgPageMixin, View):
    module = LOGS

    def get(self, request, pk, **kwargs):
        run = get_for_org(SyncRun, self.organization, pk)
        context = {
            "run": run,
            "count_rows": selectors.run_count_rows(run),
            "groups": selectors.failure_groups(organization=self.organization, run=run, state=""),
            "is_active": run.state in SyncRun.ACTIVE_STATES,
        }
        template = "sync/run_detail.html#progress" if request.htmx else "sync/run_detail.html"
        return render(request, template, context)


class FailureCsvView(OrgPageMixin, View):
    module = LOGS

    def get(self, request, pk, filename, **kwargs):
        run = get_for_org(SyncRun, self.organization, pk)
        module = selectors.module_of_failure_filename(filename)
        if module is None:
            raise Http404(NOT_FOUND)
        return failure_csv_response(run, module)


class FailuresView(MethodPermissionMixin, View):
    """Open failures grouped by reason, with retry and skip of selected rows or whole groups (SYN-17, SYN-18)."""

    module = LOGS

    def get(self, request, **kwargs):
        run = None
        if request.GET.get("run"):
            run = get_for_org(SyncRun, self.organization, request.GET["run"])
        state = request.GET.get("state", "open")
        state = state if state in SyncFailure.State.values else "open"
        reason = request.GET.get("reason", "")[:40]
        page = Paginator(
            selectors.failure_list(organization=self.organization, run=run, state=state, reason_code=reason), 50
        ).get_page(request.GET.get("page"))
        context = {
            "run": run,
            "state": state,
            "states": SyncFailure.State.choices,
            "reason": reason,
            "groups": selectors.failure_groups(organization=self.organization, run=run, state=state),
            "page_obj": page,
            "can_edit": self.allows(LOGS, "edit"),
        }
        return render(request, "sync/failures.html", context)

    def post(self, request, **kwargs):
        operation = request.POST.get("operation")
        if operation not in ("retry", "skip"):
            messages.error(request, _("Choose retry or skip."))
            return HttpResponseRedirect(_url("failures", self.organization))
        queryset = SyncFailure.objects.filter(organization=self.organization, state=SyncFailure.State.OPEN)
        if request.POST.get("reason_code"):
            ids = list(queryset.filter(reason_code=request.POST["reason_code"]).values_list("pk", flat=True))
        else:
            wanted = [int(v) for v in request.POST.getlist("failure") if v.isdigit() and len(v) < 19]
            ids = list(queryset.filter(pk__in=wanted).values_list("pk", flat=True))
        if not ids:
            messages.error(request, _("Select at least one open failure, or use a whole group."))
            return HttpResponseRedirect(_url("failures", self.organization))
        if operation == "retry":
            n = services.failure_retry(organization=self.organization, failure_ids=ids, actor=request.user)
            messages.success(request, _("%(n)s record(s) will be retried at the next run.") % {"n": n})
        else:
            n = services.failure_skip(organization=self.organization, failure_ids=ids, actor=request.user)
            messages.success(request, _("%(n)s failure(s) skipped; they are no longer retried.") % {"n": n})
        return HttpResponseRedirect(_url("failures", self.organization))


def link_labels(organization, links) -> dict[int, str]:
    """A readable name for the FSM side of each link."""
    wanted: dict[str, set[int]] = {}
    for link in links:
        if link.local_id:
            wanted.setdefault(link.kind, set()).add(link.local_id)
    names: dict[tuple[str, int], str] = {}
    for kind, model in (("company", Company), ("contact", Contact), ("contact_person", Contact), ("item", ServicePart)):
        ids = wanted.get(kind)
        if not ids:
            continue
        for record in model.objects.filter(organization=organization, pk__in=ids):
            names[(kind, record.pk)] = str(record)
    return {
        link.pk: names.get((link.kind, link.local_id), _("(deleted in FSM)") if link.local_id else "") for link in links
    }


class BrokenLinksView(MethodPermissionMixin, View):
    """Links whose record was deleted on one side (SYN-12): re-create or unlink."""

    module = LOGS

    def get(self, request, **kwargs):
        page = Paginator(selectors.broken_links(organization=self.organization), 50).get_page(request.GET.get("page"))
        labels = link_labels(self.organization, page.object_list)
        rows = [
            {
                "link": link,
                "label": labels.get(link.pk, ""),
                "web_url": selectors.web_url(self.organization, link.kind, link.remote_id) if link.remote_id else "",
            }
            for link in page.object_list
        ]
        return render(
            request, "sync/broken_links.html", {"page_obj": page, "rows": rows, "can_edit": self.allows(LOGS, "edit")}
        )

    def post(self, request, **kwargs):
        operation = request.POST.get("operation")
        ids = [int(v) for v in request.POST.getlist("link") if v.isdigit() and len(v) < 19]
        if operation not in ("recreate", "unlink") or not ids:
            messages.error(request, _("Select at least one broken link, then Re-create or Unlink."))
            return HttpResponseRedirect(_url("broken_links", self.organization))
        if operation == "recreate":
            n = services.broken_link_recreate(organization=self.organization, link_ids=ids, actor=request.user)
            messages.success(request, _("%(n)s record(s) will be created again at the next run.") % {"n": n})
        else:
            n = services.broken_link_unlink(organization=self.organization, link_ids=ids, actor=request.user)
            messages.success(request, _("%(n)s link(s) removed; the records stay as they are.") % {"n": n})
        return HttpResponseRedirect(_url("broken_links", self.organization))


class HomeView(OrgPageMixin, View):
    def get(self, request, **kwargs):
        if self.allows(SETUP, "view"):
            return HttpResponseRedirect(_url("settings", self.organization))
        return HttpResponseRedirect(_url("logs", self.organization))


urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("settings/", SettingsView.as_view(), name="settings"),
    path("settings/mappings/<str:module>/", MappingView.as_view(), name="mapping"),
    path("settings/mappings/<str:module>/row/", MappingRowView.as_view(), name="mapping_row"),
    path("now/", SyncNowView.as_view(), name="now"),
    path("import-from-books/", ImportFromBooksView.as_view(), name="import_from_books"),
    path("enable/", EnableView.as_view(), name="enable"),
    path("match-review/", MatchReviewView.as_view(), name="match_review"),
    path("logs/", LogsView.as_view(), name="logs"),
    path("history/", HistoryView.as_view(), name="history"),
    path("runs/<str:pk>/", RunDetailView.as_view(), name="run"),
    path("runs/<str:pk>/failures/<str:filename>", FailureCsvView.as_view(), name="failure_csv"),
    path("failures/", FailuresView.as_view(), name="failures"),
    path("links/broken/", BrokenLinksView.as_view(), name="broken_links"),
]
