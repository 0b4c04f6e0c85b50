"""List pages and API lists at 1,000 and 100,000 rows (REC-11, PERF-3): latency and query counts.

Run:  .venv/bin/python bench/lists.py            (BENCH_ROWS=100000 BENCH_REQUESTS=20 by default)

It works in a database of its own (BENCH_DATABASE, default ``fsmbilling_bench``) on the same PostgreSQL server as
the app (the embedded one, or DATABASE_URL's), created and migrated here and dropped at the end unless
BENCH_KEEP=1, so demo data and other people's test databases are never touched. One organization
``bench-<timestamp>`` gets companies, contacts and work orders with bulk_create: first 1,000 of each, measured, then
up to BENCH_ROWS, measured again. Every scenario is requested through django.test.Client (session for pages, token for
the API): the median and 95th percentile of BENCH_REQUESTS timed requests after two warm-up requests, and the SQL
queries of one request. The figures go to standard output as a Markdown table (copy them into docs/benchmarks.md).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fsmbilling.settings")
os.environ.setdefault("API_THROTTLE_RATE", "1000000/min")  # the benchmark is one token asking fast on purpose

ROWS = int(os.environ.get("BENCH_ROWS", "100000"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "20"))
DATABASE = os.environ.get("BENCH_DATABASE", "fsmbilling_bench")
KEEP = os.environ.get("BENCH_KEEP") == "1"
BATCH = 5000


def _server_url() -> str:
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    from fsmbilling.embedded_db import database_url

    return database_url()


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def _admin_connection(url: str):
    import psycopg

    parts = urlsplit(url)
    query = dict(item.split("=", 1) for item in parts.query.split("&") if "=" in item)
    return psycopg.connect(
        dbname=parts.path.lstrip("/") or "postgres",
        user=parts.username or None,
        password=parts.password or None,
        host=query.get("host") or parts.hostname or None,
        port=parts.port or None,
        autocommit=True,
    )


def prepare_database() -> str:
    server = _server_url()
    with _admin_connection(server) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{DATABASE}"')
    os.environ["DATABASE_URL"] = _with_database(server, DATABASE)
    return server


def drop_database(server: str) -> None:
    from django.db import connections

    connections.close_all()
    with _admin_connection(server) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


# --- Data ------------------------------------------------------------------------------------------------------------

STATUSES = ["new", "scheduled", "in_progress", "completed", "cancelled"]
PRIORITIES = ["low", "medium", "high", "critical"]


def fill(organization, admin, *, start: int, stop: int) -> None:
    """Companies, contacts (one per company) and work orders (one per contact) numbered start..stop-1."""
    from decimal import Decimal

    from django.db import transaction

    from fsmbilling.models import Company, Contact, Currency, DocumentSequence, WorkOrder

    currency = Currency.objects.get(organization=organization, is_base=True)
    for low in range(start, stop, BATCH):
        high = min(low + BATCH, stop)
        with transaction.atomic():
            companies = Company.objects.bulk_create(
                Company(
                    organization=organization,
                    name=f"Company {n:06d} {'Boilers' if n % 7 else 'Plumbing'}",
                    email=f"office{n}@company{n}.test",
                    phone=f"+1-555-{n:06d}",
                    status="active" if n % 10 else "inactive",
                    created_by=admin,
                    updated_by=admin,
                )
                for n in range(low, high)
            )
            contacts = Contact.objects.bulk_create(
                Contact(
                    organization=organization,
                    first_name=f"Pat{n % 97}",
                    last_name=f"Person{n:06d}",
                    email=f"pat{n}@company{n}.test",
                    company=company,
                    is_primary=True,
                    status="active" if n % 10 else "inactive",
                )
                for n, company in zip(range(low, high), companies, strict=True)
            )
            WorkOrder.objects.bulk_create(
                WorkOrder(
                    organization=organization,
                    number=f"WO-{n + 1:06d}",
                    summary=f"Repair job {n} at {company.name}",
                    company=company,
                    contact=contact,
                    currency=currency,
                    status=STATUSES[n % len(STATUSES)],
                    priority=PRIORITIES[n % len(PRIORITIES)],
                    sub_total=Decimal(n % 1000),
                    total=Decimal(n % 1000),
                    unbilled_amount=Decimal(n % 1000),
                    created_by=admin,
                    updated_by=admin,
                )
                for n, company, contact in zip(range(low, high), companies, contacts, strict=True)
            )
    DocumentSequence.objects.filter(organization=organization, kind="work_order").update(next_value=stop + 1)
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("fsmbilling_company", "fsmbilling_contact", "fsmbilling_workorder"):
            cursor.execute(f"ANALYZE {table}")


# --- Measurement -----------------------------------------------------------------------------------------------------


# A word start that every row matches (company names, contact e-mails "pat1@company1.test", work order summaries):
# the worst case of a search, e.g. the first letters typed into the live search box.
BROAD = "co"


def scenarios(slug: str, rows: int) -> list[tuple[str, str, str]]:
    """(module, scenario, url) for pages and the API. ``term`` matches one or two rows, BROAD all of them."""
    deep = max(1, rows // 50 - 1)  # the last-but-one page of 50
    term = f"{rows // 2:06d}"
    pages, api = f"/o/{slug}", f"/api/v1/orgs/{slug}"
    result = []
    for module, page_path, api_path, status in (
        ("companies", "companies", "companies", "inactive"),
        ("contacts", "contacts", "contacts", "inactive"),
        ("work orders", "work-orders", "work-orders", "completed"),
    ):
        kinds = (("page", f"{pages}/{page_path}/", "sort"), ("api", f"{api}/{api_path}/", "ordering"))
        for kind, base, sort_key in kinds:
            sort_field = "-updated_at"
            result += [
                (module, f"{kind}: list", base),
                (module, f"{kind}: search", f"{base}?{'q' if kind == 'page' else 'search'}={term}"),
                (module, f"{kind}: search, broad", f"{base}?{'q' if kind == 'page' else 'search'}={BROAD}"),
                (module, f"{kind}: filter", f"{base}?status={status}"),
                (module, f"{kind}: sort", f"{base}?{sort_key}={sort_field}"),
                (module, f"{kind}: deep page", f"{base}?page={deep}"),
            ]
    return result


def measure(client, url: str) -> tuple[float, float, int, int]:
    from django.db import connection

    executed = []

    def count(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    for _ in range(2):
        response = client.get(url)
    with connection.execute_wrapper(count):
        response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}: {response.content[:300]!r}")
    timings = []
    for _ in range(REQUESTS):
        began = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - began) * 1000)
    timings.sort()
    p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
    return statistics.median(timings), p95, len(executed), response.status_code


def run_size(rows: int, slug: str, page_client, api_client, results: list) -> None:
    for module, scenario, url in scenarios(slug, rows):
        client = page_client if scenario.startswith("page") else api_client
        median, p95, queries, _ = measure(client, url)
        results.append((rows, module, scenario, median, p95, queries))
        print(f"{rows:>7} {module:<12} {scenario:<22} median {median:7.1f} ms  p95 {p95:7.1f} ms  {queries:2d} queries")
        sys.stdout.flush()


def machine() -> str:
    import platform

    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = "unknown"
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal"):
            memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    return f"{cpu}; {os.cpu_count()} CPUs; {memory} RAM; PostgreSQL {version}; Python {platform.python_version()}"


def main() -> None:
    server = prepare_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment
    from rest_framework.test import APIClient

    setup_test_environment()  # 'testserver' allowed, e-mail kept in memory
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    # As in Django's own test client use: keep one connection, so the queries of a request can be counted.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    from django.contrib.auth import get_user_model

    from fsmbilling.services.api_tokens import api_token_create
    from fsmbilling.services.organizations import organization_create

    stamp = time.strftime("%Y%m%d%H%M%S")
    email = f"bench-{stamp}@bench.test"
    admin = get_user_model().objects.create_user(username=email, email=email)
    organization = organization_create(name=f"Bench {stamp}", slug=f"bench-{stamp}", owner=admin)
    _, raw = api_token_create(organization=organization, user=admin, name="bench")
    page_client = Client()
    page_client.force_login(admin)
    api_client = APIClient()
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    print(f"Machine: {machine()}\nDate: {time.strftime('%Y-%m-%d %H:%M %Z')}\n")
    results: list = []
    try:
        done = 0
        for size in sorted({min(1000, ROWS), ROWS}):
            began = time.perf_counter()
            fill(organization, admin, start=done, stop=size)
            print(f"filled {size} rows of each in {time.perf_counter() - began:.1f} s")
            done = size
            run_size(size, organization.slug, page_client, api_client, results)
    finally:
        if not KEEP:
            drop_database(server)
    print("\n| rows | module | scenario | median ms | p95 ms | queries |\n|---:|---|---|---:|---:|---:|")
    for rows, module, scenario, median, p95, queries in results:
        print(f"| {rows:,} | {module} | {scenario} | {median:.1f} | {p95:.1f} | {queries} |")


if __name__ == "__main__":
    main()
