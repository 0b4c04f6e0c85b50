"""Data import from CSV of companies, contacts and services/parts (REC-10).

Flow: ``import_upload`` reads the file (size limit, encoding detection, delimiter sniffing), matches its headers to
the module's fields and keeps it as a *draft* job; ``import_preview`` shows the first rows as they would be imported,
with each row's errors (a dry run through the create service, rolled back); ``import_start`` fixes the column
matching and turns the draft into a *pending* job, refused while a sync run is active (SYN-9), and enqueues its id
once committed. The task (``run_import``) locks the row, exits unless it is pending (or a running job whose worker
stopped answering), and creates each row through the module's create service in its own transaction — the same
validation as the pages and the API; a bad row never leaves anything half-written and good rows are kept. Failed rows
are kept with their values and reason, downloadable as the error file (the row plus an ``error`` column).

``import_submit`` does upload and start in one go (the API).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fsmbilling.models import (
    CustomField,
    ImportJob,
    ImportRowError,
    Organization,
    ServicePart,
    Status,
)
from fsmbilling.models.customers import ADDRESS_KEYS
from fsmbilling.tenancy import org_scope

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_ROWS = 50_000
PREVIEW_ROWS = 10
# A running job whose worker has not advanced it for this long is taken over by the next delivery of its task, and
# after STALE_AFTER it is marked failed (so that it no longer holds sync back).
RESUME_AFTER = dt.timedelta(minutes=10)
STALE_AFTER = dt.timedelta(hours=1)
ALLOWED_EXTENSIONS = (".csv", ".txt", ".tsv")
DELIMITERS = ",;\t|"
BINARY_SIGNATURES = {
    b"PK\x03\x04": gettext_lazy("an Excel or OpenDocument workbook (or another zip file)"),
    b"\xd0\xcf\x11\xe0": gettext_lazy("an old Excel workbook (.xls)"),
    b"%PDF": gettext_lazy("a PDF document"),
    b"\x89PNG": gettext_lazy("a PNG image"),
    b"\xff\xd8\xff": gettext_lazy("a JPEG image"),
}


def max_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def max_rows() -> int:
    return int(getattr(settings, "IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS))


class ImportRefused(Exception):
    """A refused import action: ``code`` for the API, ``message`` says why and what to do, ``field`` where."""

    def __init__(self, code: str, message: str, *, field: str = "file", status: int = 400):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.status = status


# --- The fields of each module ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportField:
    """A field a column can be matched to. ``kind`` says how a cell becomes a service value."""

    key: str
    label: str
    kind: str = "text"  # text | bool | choice | amount | related | address | custom
    required: bool = False
    aliases: tuple[str, ...] = ()
    choices: tuple[tuple[str, str], ...] = ()
    # related: (model label, lookup field, what it is called in messages)
    lookup: tuple[str, str, str] | None = None

    def names(self) -> set[str]:
        return {normalize(self.key), normalize(self.label), *(normalize(a) for a in self.aliases)}


def normalize(header: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", str(header).lower())


def _choices(choices) -> tuple[tuple[str, str], ...]:
    return tuple((str(value), str(label)) for value, label in choices)


ADDRESS_PART_LABELS = {
    "attention": "attention",
    "address": "street",
    "street2": "street 2",
    "city": "city",
    "state": "state",
    "state_code": "state code",
    "zip": "postal code",
    "country": "country",
    "phone": "phone",
    "fax": "fax",
}


def _address_fields(prefix: str, title: str) -> list[ImportField]:
    fields = []
    for part in ADDRESS_KEYS:
        label = f"{title} {ADDRESS_PART_LABELS[part]}"
        aliases = (f"{title} address {ADDRESS_PART_LABELS[part]}", f"{title} {part}")
        if part == "zip":
            aliases += (f"{title} zip code", f"{title} postcode")
        if part == "address":
            aliases += (f"{title} address",)
        fields.append(ImportField(f"{prefix}.{part}", label.capitalize(), kind="address", aliases=aliases))
    return fields


def _party_tax_fields() -> list[ImportField]:
    return [
        ImportField("is_taxable", _("Taxable"), kind="bool"),
        ImportField("tax_treatment", _("Tax treatment")),
        ImportField("tax_number", _("Tax number"), aliases=("tax id", "vat number", "gstin", "trn", "abn")),
        ImportField("place_of_supply", _("Place of supply")),
        ImportField("default_tax", _("Default tax"), kind="related", lookup=("fsmbilling.Tax", "name", _("tax"))),
    ]


def _currency_term_fields() -> list[ImportField]:
    return [
        ImportField(
            "currency",
            _("Currency"),
            kind="related",
            aliases=("currency code",),
            lookup=("fsmbilling.Currency", "code", _("currency")),
        ),
        ImportField(
            "payment_term",
            _("Payment term"),
            kind="related",
            aliases=("payment terms", "terms"),
            lookup=("fsmbilling.PaymentTerm", "label", _("payment term")),
        ),
    ]


STATUS_FIELD = ImportField("status", gettext_lazy("Status"), kind="choice", choices=_choices(Status.choices))


def _base_fields(module: str) -> list[ImportField]:
    if module == ImportJob.Module.COMPANIES:
        return [
            ImportField("name", _("Name"), required=True, aliases=("company name", "company", "account name")),
            ImportField("email", _("Email"), aliases=("email address", "e-mail")),
            ImportField("phone", _("Phone"), aliases=("phone number", "telephone")),
            ImportField("website", _("Website"), aliases=("web site", "url")),
            STATUS_FIELD,
            ImportField("notes", _("Notes")),
            *_currency_term_fields(),
            *_party_tax_fields(),
            *_address_fields("billing_address", "billing"),
            *_address_fields("service_address", "service"),
        ]
    if module == ImportJob.Module.CONTACTS:
        return [
            ImportField("first_name", _("First name"), aliases=("firstname", "given name")),
            ImportField("last_name", _("Last name"), required=True, aliases=("lastname", "surname", "family name")),
            ImportField("email", _("Email"), aliases=("email address", "e-mail")),
            ImportField("phone", _("Phone"), aliases=("phone number", "telephone", "work phone")),
            ImportField("mobile", _("Mobile"), aliases=("mobile phone", "cell", "cell phone")),
            ImportField(
                "company",
                _("Company"),
                kind="related",
                aliases=("company name", "account name"),
                lookup=("fsmbilling.Company", "name", _("company")),
            ),
            ImportField("is_primary", _("Primary"), kind="bool", aliases=("primary contact",)),
            STATUS_FIELD,
            *_currency_term_fields(),
            *_party_tax_fields(),
            *_address_fields("billing_address", "billing"),
            *_address_fields("service_address", "service"),
        ]
    if module == ImportJob.Module.SERVICES_AND_PARTS:
        return [
            ImportField("kind", _("Type"), kind="choice", choices=_choices(ServicePart.Kind.choices)),
            ImportField("name", _("Name"), required=True, aliases=("item name", "service name", "part name")),
            ImportField("description", _("Description")),
            ImportField("sku", _("SKU"), aliases=("item code", "part number")),
            ImportField("unit", _("Unit"), aliases=("usage unit",)),
            ImportField("rate", _("Rate"), kind="amount", aliases=("price", "selling price", "unit price")),
            ImportField("cost", _("Cost"), kind="amount", aliases=("purchase price", "cost price")),
            ImportField(
                "tax_preference",
                _("Tax preference"),
                kind="choice",
                choices=_choices(ServicePart.TaxPreference.choices),
            ),
            ImportField("default_tax", _("Default tax"), kind="related", lookup=("fsmbilling.Tax", "name", _("tax"))),
            ImportField("hsn_sac", _("HSN/SAC"), aliases=("hsn", "sac", "hsn sac code")),
            STATUS_FIELD,
        ]
    raise ImportRefused("invalid_module", _("Choose what to import: companies, contacts or services and parts."))


def import_fields(*, organization: Organization, module: str) -> list[ImportField]:
    """The fields of ``module`` a column can go to, its custom fields last."""
    fields = _base_fields(module)
    for definition in CustomField.objects.filter(organization=organization, module=module):
        # Required custom fields are checked by the create service, row by row, like any other value.
        fields.append(ImportField(definition.api_name, definition.label, kind="custom"))
    return fields


def auto_match(headers: list[str], fields: list[ImportField]) -> list[str]:
    """The field of each header whose key, label or alias reads the same (case, spaces and punctuation aside)."""
    taken: set[str] = set()
    mapping = []
    for header in headers:
        wanted = normalize(header)
        match = ""
        for candidate in fields:
            if candidate.key not in taken and wanted and wanted in candidate.names():
                match = candidate.key
                break
        if match:
            taken.add(match)
        mapping.append(match)
    return mapping


def check_mapping(
    mapping: list[str], headers: list[str], fields: list[ImportField], *, complete: bool = True
) -> list[str]:
    """Validate a column matching (``complete``: every required field has a column); returns it, or raises
    ImportRefused naming what to change."""
    if not isinstance(mapping, list) or len(mapping) != len(headers) or not all(isinstance(m, str) for m in mapping):
        raise ImportRefused(
            "mapping_invalid", _("Match each column of the file to a field, or leave it out."), field="mapping"
        )
    by_key = {f.key: f for f in fields}
    seen: dict[str, str] = {}
    for header, key in zip(headers, mapping, strict=True):
        if not key:
            continue
        if key not in by_key:
            raise ImportRefused(
                "mapping_invalid",
                _("Column “%(header)s” is matched to an unknown field (%(key)s); choose one from the list.")
                % {"header": header, "key": key},
                field="mapping",
            )
        if key in seen:
            raise ImportRefused(
                "mapping_invalid",
                _("Columns “%(first)s” and “%(second)s” both go to %(field)s; leave one of them out.")
                % {"first": seen[key], "second": header, "field": by_key[key].label},
                field="mapping",
            )
        seen[key] = header
    missing = [f.label for f in fields if f.required and f.key not in seen]
    if missing and complete:
        raise ImportRefused(
            "mapping_invalid",
            _("Match a column to %(fields)s: every record needs it.") % {"fields": ", ".join(map(str, missing))},
            field="mapping",
        )
    return mapping


def mapping_from_names(named: dict, headers: list[str], fields: list[ImportField]) -> list[str]:
    """Turn ``{"Header": "field key" or ""}`` (the API's form) into a mapping; unnamed columns keep their match."""
    if not isinstance(named, dict):
        raise ImportRefused(
            "mapping_invalid",
            _('Send the mapping as a JSON object of column header: field, e.g. {"Company": "name"}.'),
            field="mapping",
        )
    mapping = auto_match(headers, fields)
    for header, key in named.items():
        if header not in headers:
            raise ImportRefused(
                "mapping_invalid",
                _("The file has no column “%(header)s”; its columns are: %(headers)s.")
                % {"header": header, "headers": ", ".join(headers)},
                field="mapping",
            )
        if key is not None and not isinstance(key, str):
            raise ImportRefused("mapping_invalid", _("Each field must be text (or empty)."), field="mapping")
        mapping[headers.index(header)] = key or ""
        for index, other in enumerate(mapping):  # a field named here moves away from the column auto-matched to it
            if key and other == key and headers[index] != header and headers[index] not in named:
                mapping[index] = ""
    return mapping


# --- Reading the file ------------------------------------------------------------------------------------------------


@dataclass
class ParsedFile:
    text: str
    encoding: str
    delimiter: str
    headers: list[str]
    total_rows: int


def decode(raw: bytes) -> tuple[str, str]:
    """The text of the file and the encoding it was read with: UTF-8 (with or without BOM), else Windows-1252 /
    Latin-1 — what spreadsheets write."""
    if raw.startswith(codecs.BOM_UTF8):
        try:
            return raw[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            raw = raw[len(codecs.BOM_UTF8) :]
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "latin-1"


def sniff_delimiter(text: str) -> str:
    """Comma, semicolon, tab or pipe: the one the header line is split by."""
    first_line = text.split("\n", 1)[0]
    try:
        dialect = csv.Sniffer().sniff(text[:65536], delimiters=DELIMITERS)
    except csv.Error:
        dialect = None
    if dialect is not None and dialect.delimiter in first_line:
        return dialect.delimiter
    counts = {d: first_line.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def _reader(text: str, delimiter: str) -> Iterator[list[str]]:
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def _is_blank(values: list[str]) -> bool:
    return all(not str(v).strip() for v in values)


def check_size(size: int) -> None:
    if size > max_bytes():
        raise ImportRefused(
            "file_too_large",
            _("The file is %(size)s; at most %(limit)s can be imported at once. Split it into smaller files.")
            % {"size": _size(size), "limit": _size(max_bytes())},
        )


def parse_file(*, file_name: str, raw: bytes) -> ParsedFile:
    """Check and read an uploaded file; raise ImportRefused with the reason and what to do."""
    name = (file_name or "").strip()
    check_size(len(raw))
    if not raw.strip():
        raise ImportRefused("empty_file", _("The file is empty. Upload a CSV file with a header row and data rows."))
    for signature, what in BINARY_SIGNATURES.items():
        if raw.startswith(signature):
            raise ImportRefused(
                "not_csv",
                _("This file is %(what)s, not a CSV file. Save it as CSV (comma-separated values) and upload that.")
                % {"what": what},
            )
    extension = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if extension and extension not in ALLOWED_EXTENSIONS:
        raise ImportRefused(
            "not_csv",
            _("Upload a .csv file; “%(name)s” is not one. Save spreadsheets as CSV (comma-separated values) first.")
            % {"name": name[:100]},
        )
    if b"\x00" in raw[:65536]:
        raise ImportRefused(
            "not_csv",
            _("This file is not plain text (it may be UTF-16 or a spreadsheet). Save it as CSV UTF-8 and upload it."),
        )
    text, encoding = decode(raw)
    delimiter = sniff_delimiter(text)
    try:
        rows = _reader(text, delimiter)
        headers = next(rows, None)
        total = sum(1 for values in rows if not _is_blank(values))
    except csv.Error as exc:
        raise ImportRefused(
            "bad_csv", _("The file could not be read as CSV (%(error)s). Check its quotes.") % {"error": exc}
        ) from exc
    if headers is None or _is_blank(headers):
        raise ImportRefused("empty_file", _("The first line must name the columns, e.g. Name,Email,Phone."))
    headers = [h.strip() or _("Column %(n)d") % {"n": i + 1} for i, h in enumerate(headers)]
    if total == 0:
        raise ImportRefused("empty_file", _("The file has a header row but no data rows below it."))
    if total > max_rows():
        raise ImportRefused(
            "too_many_rows",
            _("The file has %(rows)d rows; at most %(limit)d can be imported at once. Split it into smaller files.")
            % {"rows": total, "limit": max_rows()},
        )
    return ParsedFile(text=text, encoding=encoding, delimiter=delimiter, headers=headers, total_rows=total)


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{max(1, n // 1024)} KB"


def data_rows(job: ImportJob) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells) of each non-blank data row; the header is row 1."""
    rows = _reader(job.content, job.delimiter)
    next(rows, None)
    for number, values in enumerate(rows, start=2):
        if not _is_blank(values):
            yield number, values


# --- Turning a row into service data --------------------------------------------------------------------------------

TRUE_WORDS = {"yes", "y", "true", "t", "1", "on", "x"}
FALSE_WORDS = {"no", "n", "false", "f", "0", "off"}


def cell_text(value: str) -> str:
    """The cell as entered: our CSV export writes an apostrophe before a leading = + - @; read it back without."""
    text = (value or "").strip()
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@":
        return text[1:]
    return text


@dataclass
class RowConverter:
    organization: Organization
    fields: list[ImportField]
    mapping: list[str]
    headers: list[str]
    _cache: dict = field(default_factory=dict)

    def __post_init__(self):
        self.by_key = {f.key: f for f in self.fields}

    def convert(self, values: list[str]) -> tuple[dict, dict[str, str]]:
        """Service data of a row and the errors found before calling the service (by field label)."""
        data: dict = {}
        errors: dict[str, str] = {}
        extra = [v for v in values[len(self.headers) :] if v.strip()]
        if extra:
            errors[""] = _("This row has %(cells)d cells but the header has %(columns)d columns.") % {
                "cells": len(values),
                "columns": len(self.headers),
            }
        for index, key in enumerate(self.mapping):
            if not key:
                continue
            spec = self.by_key[key]
            text = cell_text(values[index]) if index < len(values) else ""
            if not text:
                continue
            try:
                self._put(data, spec, text)
            except ValidationError as exc:
                errors[str(spec.label)] = " ".join(exc.messages)
        return data, errors

    def _put(self, data: dict, spec: ImportField, text: str) -> None:
        if spec.kind == "address":
            prefix, part = spec.key.split(".", 1)
            data.setdefault(prefix, {})[part] = text
        elif spec.kind == "custom":
            data.setdefault("custom_fields", {})[spec.key] = text
        elif spec.kind == "bool":
            word = text.lower()
            if word not in TRUE_WORDS | FALSE_WORDS:
                raise ValidationError(_("Write Yes or No (not “%(value)s”).") % {"value": text[:40]})
            data[spec.key] = word in TRUE_WORDS
        elif spec.kind == "choice":
            for value, label in spec.choices:
                if text.lower() in (value.lower(), label.lower()):
                    data[spec.key] = value
                    return
            raise ValidationError(
                _("“%(value)s” is not one of: %(choices)s.")
                % {"value": text[:40], "choices": ", ".join(label for _value, label in spec.choices)}
            )
        elif spec.kind == "related":
            data[spec.key] = self._lookup(spec, text)
        else:  # text and amounts go to the service as written: it validates them like any other input
            data[spec.key] = text

    def _lookup(self, spec: ImportField, text: str):
        model_label, lookup, what = spec.lookup
        cache_key = (model_label, text.lower())
        if cache_key not in self._cache:
            model = apps.get_model(model_label)
            found = list(model.objects.filter(organization=self.organization, **{f"{lookup}__iexact": text})[:2])
            self._cache[cache_key] = found
        found = self._cache[cache_key]
        if not found:
            raise ValidationError(
                _("No %(what)s “%(value)s” exists; create it first, or leave the cell empty.")
                % {"what": what, "value": text[:60]}
            )
        if len(found) > 1:
            raise ValidationError(
                _("Several records are called “%(value)s”; give them different names first, or leave the cell empty.")
                % {"value": text[:60]}
            )
        return found[0]

    def describe(self, exc: ValidationError) -> str:
        """A service's ValidationError as one line, with field labels instead of names."""
        if not hasattr(exc, "error_dict"):
            return " ".join(exc.messages)
        parts = []
        for name, messages in exc.message_dict.items():
            base = name.split(".", 1)[0]
            spec = self.by_key.get(name) or self.by_key.get(base)
            if spec is None and base == "custom_fields" and "." in name:
                spec = self.by_key.get(name.split(".", 1)[1])
            label = str(spec.label) if spec else ("" if name == "__all__" else name.replace("_", " "))
            text = " ".join(messages)
            parts.append(f"{label}: {text}" if label else text)
        return "; ".join(parts)


def _errors_text(errors: dict[str, str]) -> str:
    return "; ".join(f"{label}: {message}" if label else message for label, message in errors.items())


def create_service(module: str):
    from fsmbilling.services.catalog import service_part_create
    from fsmbilling.services.companies import company_create
    from fsmbilling.services.contacts import contact_create

    return {
        ImportJob.Module.COMPANIES: company_create,
        ImportJob.Module.CONTACTS: contact_create,
        ImportJob.Module.SERVICES_AND_PARTS: service_part_create,
    }[module]


def converter_for(job: ImportJob) -> RowConverter:
    fields = import_fields(organization=job.organization, module=job.module)
    return RowConverter(organization=job.organization, fields=fields, mapping=list(job.mapping), headers=job.headers)


# --- Preview ---------------------------------------------------------------------------------------------------------


@dataclass
class PreviewRow:
    number: int
    cells: list[str]
    errors: str


class _DryRun(Exception):
    pass


def import_preview(*, job: ImportJob, rows: int = PREVIEW_ROWS) -> list[PreviewRow]:
    """The first rows as the current matching reads them, each with the errors importing it would give.

    Each row goes through the module's create service inside a transaction that is rolled back, so the errors are
    exactly those of the real import (except conflicts between rows of the file, e.g. a SKU used twice).
    """
    converter = converter_for(job)
    service = create_service(job.module)
    preview = []
    for number, values in data_rows(job):
        if len(preview) >= rows:
            break
        data, errors = converter.convert(values)
        message = _errors_text(errors)
        if not errors:
            try:
                with transaction.atomic():
                    service(organization=job.organization, actor=job.created_by, data=data)
                    raise _DryRun
            except _DryRun:
                pass
            except ValidationError as exc:
                message = converter.describe(exc)
        cells = [values[i] if i < len(values) else "" for i in range(len(job.headers))]
        preview.append(PreviewRow(number=number, cells=cells, errors=message))
    return preview


# --- Writes ----------------------------------------------------------------------------------------------------------


def _check_module(module: str) -> str:
    if module not in ImportJob.Module.values:
        raise ImportRefused(
            "invalid_module",
            _("Choose what to import: %(modules)s.") % {"modules": ", ".join(ImportJob.Module.values)},
            field="module",
        )
    return module


@transaction.atomic
def import_upload(
    *, organization: Organization, actor, module: str, file_name: str, raw: bytes, mapping=None
) -> ImportJob:
    """Keep an uploaded file as a draft job with its columns matched automatically (or as ``mapping`` says)."""
    _check_module(module)
    parsed = parse_file(file_name=file_name, raw=raw)
    fields = import_fields(organization=organization, module=module)
    if mapping is None:
        columns = auto_match(parsed.headers, fields)
    elif isinstance(mapping, dict):
        columns = check_mapping(mapping_from_names(mapping, parsed.headers, fields), parsed.headers, fields)
    else:
        columns = check_mapping(mapping, parsed.headers, fields)
    return ImportJob.objects.create(
        organization=organization,
        module=module,
        file_name=(file_name or "import.csv")[:255],
        file_size=len(raw),
        content=parsed.text,
        encoding=parsed.encoding,
        delimiter=parsed.delimiter,
        headers=parsed.headers,
        mapping=columns,
        total_rows=parsed.total_rows,
        created_by=actor,
        updated_by=actor,
    )


@transaction.atomic
def import_set_mapping(*, job: ImportJob, actor, mapping: list[str]) -> ImportJob:
    """Change the column matching of a draft (unknown fields refused; incomplete matching is allowed until start)."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.state != ImportJob.State.DRAFT:
        raise ImportRefused("already_started", _("This import has already started."), field="mapping", status=409)
    fields = import_fields(organization=job.organization, module=job.module)
    check_mapping(mapping, job.headers, fields, complete=False)
    job.mapping = mapping
    job.updated_by = actor
    job.save(update_fields=["mapping", "updated_by", "updated_at"])
    return job


def sync_block_reason(organization: Organization) -> str | None:
    """Why an import cannot start now because of sync (SYN-9), or None."""
    try:
        from sync.services import active_run
    except ImportError:
        return None
    run = active_run(organization)
    if run is None:
        return None
    return _(
        "A sync run (SR-%(id)06d) is in progress; no data is imported while sync runs. Start the import when it "
        "has finished — its progress is in Sync Logs."
    ) % {"id": run.pk}


def _sync_running(organization: Organization) -> bool:
    try:
        from sync.engine_models import SyncRun
    except ImportError:
        return False
    return SyncRun.objects.filter(organization=organization, state=SyncRun.State.RUNNING).exists()


def expire_stale_imports(organization: Organization) -> int:
    """Mark failed the running jobs whose worker stopped long ago, so that they no longer hold sync back."""
    limit = timezone.now() - STALE_AFTER
    return ImportJob.objects.filter(
        organization=organization, state=ImportJob.State.RUNNING, heartbeat_at__lt=limit
    ).update(
        state=ImportJob.State.FAILED,
        finished_at=timezone.now(),
        reason=_(
            "The import stopped unexpectedly (its worker was interrupted). The rows imported so far are kept; "
            "import the remaining rows in a new file."
        ),
    )


@transaction.atomic
def import_start(*, job: ImportJob, actor, mapping: list[str] | None = None) -> ImportJob:
    """Start a draft: refused while a sync run is active (SYN-9) or another import runs; enqueued once committed."""
    organization = job.organization
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.state != ImportJob.State.DRAFT:
        raise ImportRefused(
            "already_started", _("This import has already started; its progress is on this page."), status=409
        )
    fields = import_fields(organization=organization, module=job.module)
    job.mapping = check_mapping(list(mapping if mapping is not None else job.mapping), job.headers, fields)
    reason = sync_block_reason(organization)
    if reason:
        raise ImportRefused("sync_running", reason, status=409)
    expire_stale_imports(organization)
    job.state = ImportJob.State.PENDING
    job.updated_by = actor
    try:
        with transaction.atomic():
            job.save(update_fields=["mapping", "state", "updated_by", "updated_at"])
    except IntegrityError as exc:  # importjob_one_active_per_org
        other = ImportJob.objects.filter(organization=organization, state__in=ImportJob.ACTIVE_STATES).first()
        raise ImportRefused(
            "import_running",
            _("Another import (%(job)s) is still running. Start this one when it has finished.")
            % {"job": other or "IMP"},
            status=409,
        ) from exc
    job_id = job.pk
    transaction.on_commit(lambda: enqueue_import(job_id))
    return job


def enqueue_import(job_id: int) -> None:
    from django_q.tasks import async_task

    async_task("fsmbilling.tasks.run_import", job_id, task_name=f"import-{job_id}", group="imports")


@transaction.atomic
def import_submit(
    *, organization: Organization, actor, module: str, file_name: str, raw: bytes, mapping=None
) -> ImportJob:
    """Upload and start in one step (API: ``POST imports``)."""
    job = import_upload(
        organization=organization, actor=actor, module=module, file_name=file_name, raw=raw, mapping=mapping
    )
    return import_start(job=job, actor=actor)


@transaction.atomic
def import_cancel(*, job: ImportJob, actor) -> ImportJob:
    """Stop a job: a draft or pending one does nothing; a running one stops before its next row. Rows already
    imported are kept."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.state in ImportJob.FINISHED_STATES:
        raise ImportRefused("already_finished", _("This import has already finished."), status=409)
    job.state = ImportJob.State.CANCELLED
    job.finished_at = timezone.now()
    name = (actor.get_full_name() or actor.get_username()) if actor else _("someone")
    job.reason = _("Cancelled by %(name)s after %(done)d of %(total)d rows; the rows imported until then are kept.") % {
        "name": name,
        "done": job.processed_rows,
        "total": job.total_rows,
    }
    job.updated_by = actor
    job.save(update_fields=["state", "finished_at", "reason", "updated_by", "updated_at"])
    return job


# --- The task --------------------------------------------------------------------------------------------------------


class _Stopped(Exception):
    """The job was cancelled (or taken over) while this row was being imported: the row is rolled back."""


def _claim(job_id: int) -> ImportJob | None:
    now = timezone.now()
    with transaction.atomic():
        job = (
            ImportJob.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("organization", "created_by")
            .filter(pk=job_id)
            .first()
        )
        if job is None:
            return None
        stalled = job.heartbeat_at is not None and job.heartbeat_at < now - RESUME_AFTER
        resumable = job.state == ImportJob.State.RUNNING and stalled
        if job.state != ImportJob.State.PENDING and not resumable:
            return None
        if job.state == ImportJob.State.PENDING and _sync_running(job.organization):
            # A sync run that passed its own check before this job was committed (SYN-9): never both at once.
            job.state = ImportJob.State.FAILED
            job.finished_at = now
            job.reason = _(
                "A sync run started at the same moment, so nothing was imported. Start the import again when the "
                "sync has finished."
            )
            job.save(update_fields=["state", "finished_at", "reason", "updated_at"])
            return None
        job.state = ImportJob.State.RUNNING
        job.started_at = job.started_at or now
        job.heartbeat_at = now
        job.save(update_fields=["state", "started_at", "heartbeat_at", "updated_at"])
    return job


def _import_row(job: ImportJob, converter: RowConverter, service, number: int, values: list[str]) -> None:
    """Import one row in its own transaction, together with the job's counters (so a resumed job skips it)."""
    with transaction.atomic():
        data, errors = converter.convert(values)
        message = _errors_text(errors)
        if not errors:
            try:
                with transaction.atomic():
                    service(organization=job.organization, actor=job.created_by, data=data)
            except ValidationError as exc:
                message = converter.describe(exc)
            except (IntegrityError, DatabaseError) as exc:
                logger.warning("Import %s row %s refused by the database: %s", job.pk, number, exc)
                message = _("The database refused this row (%(error)s).") % {"error": exc.__class__.__name__}
        if message:
            ImportRowError.objects.create(
                organization=job.organization, job=job, row_number=number, values=values, message=message
            )
        updated = ImportJob.objects.filter(pk=job.pk, state=ImportJob.State.RUNNING).update(
            processed_rows=F("processed_rows") + 1,
            created_count=F("created_count") + (0 if message else 1),
            failed_count=F("failed_count") + (1 if message else 0),
            heartbeat_at=timezone.now(),
        )
        if not updated:
            raise _Stopped


def run_import(job_id: int) -> str:
    """The task: import the rows of a pending job (or resume a running one whose worker stopped)."""
    job = _claim(job_id)
    if job is None:
        return "not claimed"
    with org_scope(job.organization):
        converter = converter_for(job)
        service = create_service(job.module)
        try:
            for index, (number, values) in enumerate(data_rows(job)):
                if index < job.processed_rows:
                    continue  # imported by an earlier delivery of this task
                _import_row(job, converter, service, number, values)
        except _Stopped:
            return "stopped"
        except Exception as exc:
            logger.exception("Import %s stopped on an unexpected error", job.pk)
            ImportJob.objects.filter(pk=job.pk, state=ImportJob.State.RUNNING).update(
                state=ImportJob.State.FAILED,
                finished_at=timezone.now(),
                reason=_(
                    "The import stopped on an unexpected error (%(error)s); it was logged. The rows imported so far "
                    "are kept."
                )
                % {"error": exc.__class__.__name__},
            )
            return "failed"
    job.refresh_from_db()
    if job.created_count and job.failed_count:
        state = ImportJob.State.PARTIALLY_FAILED
    elif job.failed_count:
        state = ImportJob.State.FAILED
    else:
        state = ImportJob.State.SUCCEEDED
    reason = ""
    if state == ImportJob.State.FAILED:
        reason = _("No row could be imported; download the error file to see why, fix the rows and import it.")
    elif state == ImportJob.State.PARTIALLY_FAILED:
        reason = _("%(n)d row(s) could not be imported; download the error file, fix them and import it.") % {
            "n": job.failed_count
        }
    ImportJob.objects.filter(pk=job.pk, state=ImportJob.State.RUNNING).update(
        state=state, finished_at=timezone.now(), reason=reason
    )
    return state


# --- The error file --------------------------------------------------------------------------------------------------


def csv_safe(value) -> str:
    """Plain text for a CSV cell; one a spreadsheet would run as a formula gets a leading apostrophe."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@"):
        try:
            float(text)
        except ValueError:
            return "'" + text
    return text


class _Echo:
    def write(self, value):
        return value


def error_file_rows(job: ImportJob) -> Iterator[str]:
    """The failed rows as CSV lines: the file's columns plus ``error`` — fix them and import the file again."""
    writer = csv.writer(_Echo())
    yield writer.writerow([*job.headers, "error"])
    width = len(job.headers)
    for row in job.row_errors.order_by("row_number").iterator(chunk_size=1000):
        cells = list(row.values[:width]) + [""] * max(0, width - len(row.values))
        yield writer.writerow([csv_safe(c) for c in cells] + [csv_safe(row.message)])


def error_file_name(job: ImportJob) -> str:
    return f"{job.module}-import-{job.pk}-errors.csv"
