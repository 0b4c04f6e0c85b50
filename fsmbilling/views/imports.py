"""Data import pages (REC-10, UI-3): upload → column matching with a preview → run → live progress → result.

The job is a row: its page can be left and opened again at any time (from the import history) and shows where it is;
while it runs the progress fragment polls itself with htmx and stops once the job has finished.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from fsmbilling.models import ImportJob
from fsmbilling.selectors.imports import import_job_list, import_row_errors
from fsmbilling.services.imports import (
    ImportRefused,
    check_size,
    error_file_name,
    error_file_rows,
    import_cancel,
    import_fields,
    import_preview,
    import_set_mapping,
    import_start,
    import_upload,
    max_bytes,
)
from fsmbilling.tenancy import OrgPageMixin, get_for_org


class ImportUploadForm(forms.Form):
    module = forms.ChoiceField(label=gettext_lazy("What to import"), choices=ImportJob.Module.choices)
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy(
            "A .csv file with a header row (comma, semicolon or tab separated; UTF-8 or Windows/Latin-1)."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,text/csv"}),
    )

    def __init__(self, *args, modules: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["module"].choices = modules


class ImportMixin(OrgPageMixin):
    """Pages whose permission depends on the module being imported: view it to see a job, edit it to import."""

    def importable_modules(self, action: str = "edit") -> list[tuple[str, str]]:
        return [(value, label) for value, label in ImportJob.Module.choices if self.allows(value, action)]

    def require(self, module: str, action: str) -> None:
        if not self.allows(module, action):
            raise PermissionDenied(
                _("Your role (%(role)s) does not allow you to %(action)s %(module)s. Ask an administrator.")
                % {"role": self.membership.role.name, "action": action, "module": module.replace("_", " ")}
            )

    def get_job(self, pk, action: str = "view") -> ImportJob:
        job = get_for_org(ImportJob.objects.select_related("created_by"), self.organization, pk)
        job.organization = self.organization
        self.require(job.module, action)
        return job


class ImportHistory(ImportMixin, View):
    def get(self, request, **kwargs):
        modules = [value for value, _label in self.importable_modules("view")]
        if not modules:
            self.require("companies", "view")
        page = Paginator(import_job_list(organization=self.organization, modules=modules), 50).get_page(
            request.GET.get("page")
        )
        for job in page.object_list:
            job.organization = self.organization
        return render(
            request,
            "imports/list.html",
            {"page_obj": page, "can_import": bool(self.importable_modules("edit"))},
        )


class ImportUpload(ImportMixin, View):
    def form(self, request):
        modules = self.importable_modules("edit")
        if not modules:
            self.require("companies", "edit")
        data = request.POST if request.method == "POST" else None
        files = request.FILES if request.method == "POST" else None
        initial = {"module": request.GET.get("module", "")}
        return ImportUploadForm(data, files, modules=modules, initial=initial)

    def get(self, request, **kwargs):
        return render(request, "imports/upload.html", {"form": self.form(request), "max_bytes": max_bytes()})

    def post(self, request, **kwargs):
        form = self.form(request)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                check_size(upload.size)  # before reading a file that is too large into memory
                job = import_upload(
                    organization=self.organization,
                    actor=request.user,
                    module=form.cleaned_data["module"],
                    file_name=upload.name,
                    raw=upload.read(),
                )
            except ImportRefused as exc:
                form.add_error("module" if exc.field == "module" else "file", exc.message)
            else:
                job.organization = self.organization
                return HttpResponseRedirect(job.get_absolute_url())
        return render(request, "imports/upload.html", {"form": form, "max_bytes": max_bytes()}, status=200)


class ImportDetail(ImportMixin, View):
    """One job: column matching and preview while it is a draft, then its live progress and result."""

    def context(self, job: ImportJob, *, mapping: list[str] | None = None, error: str = "") -> dict:
        context = {
            "job": job,
            "can_edit": self.allows(job.module, "edit"),
            "errors": import_row_errors(job=job, limit=20),
            "refusal": error,
        }
        if job.state == ImportJob.State.DRAFT:
            fields = import_fields(organization=self.organization, module=job.module)
            current = mapping if mapping is not None else list(job.mapping)
            choices = [("", _("— Do not import —"))] + [
                (f.key, f"{f.label}{' *' if f.required else ''}") for f in fields
            ]
            context["columns"] = [
                {"index": i, "header": header, "selected": current[i] if i < len(current) else ""}
                for i, header in enumerate(job.headers)
            ]
            context["field_choices"] = choices
            if mapping is not None:
                job.mapping = mapping
            context["preview"] = import_preview(job=job)
        return context

    def get(self, request, pk, **kwargs):
        job = self.get_job(pk)
        if request.htmx and request.GET.get("partial") == "progress":
            return render(request, "imports/detail.html#progress", {"job": job, "errors": import_row_errors(job=job)})
        return render(request, "imports/detail.html", self.context(job))

    def post(self, request, pk, **kwargs):
        job = self.get_job(pk, "edit")
        action = request.POST.get("action", "check")
        try:
            if action == "cancel":
                import_cancel(job=job, actor=request.user)
                messages.info(request, _("The import was cancelled."))
                return HttpResponseRedirect(job.get_absolute_url())
            mapping = [request.POST.get(f"column_{i}", "") for i in range(len(job.headers))]
            if action == "start":
                import_start(job=job, actor=request.user, mapping=mapping)
                messages.success(
                    request,
                    _("The import has started. You can leave this page; come back any time from Data import."),
                )
                return HttpResponseRedirect(job.get_absolute_url())
            job = import_set_mapping(job=job, actor=request.user, mapping=mapping)
            job.organization = self.organization
            return HttpResponseRedirect(job.get_absolute_url())
        except ImportRefused as exc:
            job.refresh_from_db()
            job.organization = self.organization
            mapping = mapping if action != "cancel" and job.state == ImportJob.State.DRAFT else None
            return render(request, "imports/detail.html", self.context(job, mapping=mapping, error=exc.message))


class ImportErrorFile(ImportMixin, View):
    def get(self, request, pk, **kwargs):
        job = self.get_job(pk)
        response = StreamingHttpResponse(error_file_rows(job), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="{error_file_name(job)}"'
        return response


def history_url(organization) -> str:
    return reverse("imports:list", kwargs={"org_slug": organization.slug})


app_name = "imports"
urlpatterns = [
    path("", ImportHistory.as_view(), name="list"),
    path("new/", ImportUpload.as_view(), name="create"),
    path("<int:pk>/", ImportDetail.as_view(), name="detail"),
    path("<int:pk>/errors.csv", ImportErrorFile.as_view(), name="errors"),
]
