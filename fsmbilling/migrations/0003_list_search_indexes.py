"""Indexes of the list search (REC-11, PERF-3): see fsmbilling/search.py.

- GIN on each searched table's text-search document, the exact expression the selectors search
  (``SearchDocument(*fields)``: to_tsvector('simple', regexp_replace(COALESCE(f1, '') || ' ' || …))).
- btree on ``(organization, reverse(upper(identifier)) COLLATE "C")`` so a number, SKU or serial number is found
  by its end ("00042" finds WO-000042) with an index range scan.

The indexes live in the database only (the models do not declare them, so the migration state is unchanged and
``makemigrations --check`` stays clean); the invoice and estimate indexes are here too, on invoicing's tables, so that
the whole search is one migration. Plain PostgreSQL: no extension is needed (the embedded server has none).
"""

from django.contrib.postgres.indexes import GinIndex
from django.db import migrations, models
from django.db.models import F
from django.db.models.functions import Collate, Reverse, Upper

from fsmbilling.search import SearchDocument


def _end(field: str, name: str) -> models.Index:
    # COLLATE "C": a btree serves LIKE 'prefix%' only in the C collation (no operator class needed).
    return models.Index(F("organization"), Collate(Reverse(Upper(field)), "C"), name=name)


INDEXES = [
    ("fsmbilling", "company", GinIndex(SearchDocument("name", "email", "phone"), name="company_search")),
    (
        "fsmbilling",
        "contact",
        GinIndex(SearchDocument("first_name", "last_name", "email", "phone", "mobile"), name="contact_search"),
    ),
    (
        "fsmbilling",
        "servicepart",
        GinIndex(SearchDocument("name", "sku", "description", "hsn_sac"), name="servicepart_search"),
    ),
    ("fsmbilling", "servicepart", _end("sku", "servicepart_sku_end")),
    ("fsmbilling", "workorder", GinIndex(SearchDocument("number", "summary"), name="workorder_search")),
    ("fsmbilling", "workorder", _end("number", "workorder_number_end")),
    ("fsmbilling", "asset", GinIndex(SearchDocument("name", "serial_number"), name="asset_search")),
    ("fsmbilling", "asset", _end("serial_number", "asset_serial_end")),
    ("invoicing", "invoice", GinIndex(SearchDocument("number", "books_number"), name="invoice_search")),
    ("invoicing", "invoice", _end("number", "invoice_number_end")),
    ("invoicing", "estimate", GinIndex(SearchDocument("number"), name="estimate_search")),
    ("invoicing", "estimate", _end("number", "estimate_number_end")),
]


def add_indexes(apps, schema_editor):
    for app_label, model_name, index in INDEXES:
        schema_editor.add_index(apps.get_model(app_label, model_name), index)


def remove_indexes(apps, schema_editor):
    for app_label, model_name, index in reversed(INDEXES):
        schema_editor.remove_index(apps.get_model(app_label, model_name), index)


class Migration(migrations.Migration):
    dependencies = [
        ("fsmbilling", "0002_imports_and_workflows"),
        ("invoicing", "0001_initial"),
    ]

    operations = [migrations.RunPython(add_indexes, remove_indexes, elidable=False)]
