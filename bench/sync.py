"""Sync engine benchmark (SPEC §13 PERF-1, PERF-2, PERF-3, SYN-19).

    .venv/bin/python bench/sync.py --quick     # N=1,000; scenario C at 1,000 and 10,000 records per module
    .venv/bin/python bench/sync.py             # N=10,000; scenario C at 1,000 and 100,000 records per module

What it does (details and the figures of past runs: docs/benchmarks.md, "Sync engine"):

- uses its own database (``fsmbilling_bench`` on the embedded PostgreSQL, or on the server of DATABASE_URL), created
  when missing, migrated and emptied at the start; never the demo data;
- starts the Books sandbox as a real server (gunicorn, 127.0.0.1, a free port, rate limits off) and runs the engine in
  this process over real HTTP, so ``time.process_time()`` here is the engine's CPU time without the sandbox's;
- the connector's own pacing (90 calls a minute) is lifted: it is built with a huge per-minute and in-flight limit;
- A: first two-way sync of N companies, N company-less contacts (individual customers, type IV) and N items, with a
  share of them already in Books under the same key (matched, Overwrite) and a few only in Books; checker must be ok;
- B: the next run with nothing changed (and the one after it): GET only, no writes;
- C: 100 changes (50 made in FSM, 50 in Books) and one run, at two sizes. The state of C is built by bulk inserts
  straight into the sandbox's and FSM's tables plus matching SyncLink rows (cloned from records the engine itself
  synced, so base, hash and modified times are what a real run leaves); only this setup touches tables directly.
  A no-change run on that state (C0) proves it is consistent (no writes) before the 100 changes are made.

It prints a table and writes JSON to bench/results/ (gitignored). Every run stops by itself.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import math
import os
import platform
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
RESULTS_DIR = BASE_DIR / "bench" / "results"
PER_PAGE = 200
ITEM_DETAILS_BATCH = 100
# Books' v3 paths of the calls a run always makes first: pre-checks and reference data.
FIXED_CALLS = ("GET /organizations/:id", "GET /settings/currencies", "GET /settings/customfields")
if str(BASE_DIR) not in sys.path:
    sys.path.insert(0, str(BASE_DIR))


# --- Database and server ---------------------------------------------------------------------------------------------


def bench_database(name: str) -> tuple[str, str]:
    """(URL of the bench database, URL of the server's maintenance database); the bench database is created if
    missing. The server is DATABASE_URL's when set, else the embedded PostgreSQL (fsmbilling/embedded_db.py)."""
    import psycopg

    server_url = os.environ.get("DATABASE_URL", "")
    if not server_url:
        from fsmbilling.embedded_db import database_url

        server_url = database_url()
    parts = urlsplit(server_url)
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    bench_url = urlunsplit(parts._replace(path=f"/{name}"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            with contextlib.suppress(psycopg.errors.DuplicateDatabase, psycopg.errors.UniqueViolation):
                conn.execute(f'CREATE DATABASE "{name}"')  # another process may have just made it
    return bench_url, admin_url


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(database_url: str, port: int) -> dict[str, str]:
    site = f"http://127.0.0.1:{port}"
    return {
        "DJANGO_SETTINGS_MODULE": "fsmbilling.settings",
        "DATABASE_URL": database_url,
        "SITE_URL": site,
        "SANDBOX_BASE_URL": f"{site}/sandbox",
        "SANDBOX_RATE_LIMITS_ENABLED": "false",
        "SANDBOX_CONTROL_ENABLED": "true",
        "SANDBOX_DAILY_QUOTA_OVERRIDE": "0",
        "DEBUG": "false",
        "PRODUCTION": "false",
        # The sandbox keeps its database connection between requests, as a deployed server would.
        "CONN_MAX_AGE": "60",
        "PYTHONUNBUFFERED": "1",
    }


@contextlib.contextmanager
def sandbox_server(env: dict[str, str], port: int, workers: int, log_path: Path):
    """gunicorn serving the whole portal (the sandbox is under /sandbox/); stopped on exit."""
    log = log_path.open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "fsmbilling.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--timeout",
            "600",
            "--log-level",
            "warning",
        ],
        cwd=BASE_DIR,
        env={**os.environ, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                raise SystemExit(f"gunicorn exited early (code {process.returncode}); see {log_path}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit(f"The sandbox server did not answer within 90 s; see {log_path}") from None
                time.sleep(0.3)
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        log.close()


def machine_info() -> dict[str, Any]:
    from django.db import connection

    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory_gb = None
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "memory_gb": memory_gb,
        "cpu_model": cpu,
        "postgresql": pg_version,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_at_start": os.getloadavg(),
    }


# --- Counting: API calls (by the transport) and database queries -----------------------------------------------------

_ID = re.compile(r"/\d{6,}")


def call_key(method: str, path: str) -> str:
    """``GET /contacts/:id`` from ``/sandbox/books/v3/contacts/4600…``; OAuth calls as ``POST oauth``."""
    if "/oauth/" in path:
        return f"{method} oauth"
    for root in ("/books/v3", "/invoice/v3"):
        if root in path:
            path = path.split(root, 1)[1]
    return f"{method} {_ID.sub('/:id', path)}"


def make_counting_transport():
    import httpx

    class CountingTransport(httpx.BaseTransport):
        """Real HTTP (keep-alive) to the sandbox server; counts every request by method and path shape."""

        def __init__(self) -> None:
            self.inner = httpx.HTTPTransport()
            self.calls: Counter[str] = Counter()

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            self.calls[call_key(request.method, request.url.path)] += 1
            return self.inner.handle_request(request)

        def close(self) -> None:
            self.inner.close()

    return CountingTransport()


_SQL_TABLE = re.compile(r'(?:FROM|INTO|UPDATE)\s+"(\w+)"', re.IGNORECASE)


class QueryCounter:
    """``connection.execute_wrapper``: counts queries by verb and main table."""

    def __init__(self) -> None:
        self.by_shape: Counter[str] = Counter()

    def __call__(self, execute, sql, params, many, context):
        verb = sql.lstrip().split(None, 1)[0].upper() if sql else "?"
        match = _SQL_TABLE.search(sql or "")
        self.by_shape[f"{verb} {match.group(1) if match else ''}".strip()] += 1
        return execute(sql, params, many, context)

    @property
    def total(self) -> int:
        return sum(self.by_shape.values())


# --- Organizations on both sides -------------------------------------------------------------------------------------


@dataclass
class Pair:
    label: str
    organization: Any
    connection_id: int
    finance_org_id: str


class Control:
    def __init__(self, base: str) -> None:
        import httpx

        self.http = httpx.Client(base_url=f"{base}/sandbox/_control", timeout=60)

    def post(self, path: str, body: dict) -> dict:
        response = self.http.post(path, json=body)
        if response.status_code not in (200, 201):
            raise SystemExit(f"Sandbox control {path} answered {response.status_code}: {response.text[:500]}")
        return response.json()


def make_pair(control: Control, label: str) -> Pair:
    """An FSM organization (US, no taxes) connected to a new sandbox organization without taxes; sync on (IV)."""
    from django.contrib.auth import get_user_model

    from fsmbilling.services.organizations import organization_create
    from sync.engine_models import SyncSettings
    from sync.models import FinanceConnection

    email = f"{label}@bench.test"
    owner = get_user_model().objects.create_user(username=email, email=email, password=None)
    organization = organization_create(name=f"Bench {label}", owner=owner, slug=label, country="US")
    finance = control.post(
        "/orgs",
        {
            "name": f"Books {label}",
            "edition": "books",
            "country": "US",
            "currency_code": "USD",
            "plan": "PREMIUM",
            "time_zone": "UTC",
            "is_tax_enabled": False,
            "users": [{"email": email, "name": "Bench Owner", "role": "admin"}],
        },
    )
    client = control.post("/oauth/clients", {"redirect_uri": "http://127.0.0.1/billing/oauth/callback/"})
    grant = control.post(
        "/oauth/grants", {"client_id": client["client_id"], "user_email": email, "scope": "ZohoBooks.fullaccess.all"}
    )
    connection = FinanceConnection(
        organization=organization,
        provider=FinanceConnection.Provider.SANDBOX,
        edition=FinanceConnection.Edition.BOOKS,
        data_centre=FinanceConnection.DataCentre.SANDBOX,
        accounts_server=grant["accounts_server"],
        api_domain=grant["api_domain"],
        finance_org_id=finance["organization_id"],
        finance_org_name=finance.get("name", ""),
        finance_time_zone="UTC",
        client_id=client["client_id"],
        connected_identity_email=email,
    )
    connection.client_secret = client["client_secret"]
    connection.refresh_token = grant["refresh_token"]
    connection.access_token = grant["access_token"]
    connection.access_token_expires_at = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=int(grant["expires_in"]))
    connection.save()
    SyncSettings.objects.update_or_create(
        organization=organization,
        defaults={"is_enabled": True, "sync_type": "IV", "duplicate_handling": "overwrite", "auto_sync": False},
    )
    return Pair(label, organization, connection.pk, finance["organization_id"])


def connector_for(pair: Pair, transport):
    """The production connector with its pacing lifted (90/min and 5 in flight would make this a 5-hour run)."""
    from sync.connectors.zoho import ZohoConnector
    from sync.models import FinanceConnection

    connection = FinanceConnection.objects.get(pk=pair.connection_id)
    return ZohoConnector(connection, transport=transport, per_minute=10**9, max_in_flight=10**6)


# --- FSM records -----------------------------------------------------------------------------------------------------

ADDRESS = {"address": "1 Bench Street", "city": "Springfield", "state": "IL", "zip": "62701", "country": "USA"}


def company_name(i: int) -> str:
    return f"Company {i:06d} Ltd"


def person_names(i: int) -> tuple[str, str, str]:
    return "Pat", f"Person{i:06d}", f"person{i:06d}@bench.test"


def item_name(i: int) -> str:
    return f"Item {i:06d}"


def fsm_company(org, i: int):
    from fsmbilling.models import Company

    return Company(
        organization=org,
        name=company_name(i),
        email=f"ap{i:06d}@company.test",
        phone="+1-555-0100",
        website="https://company.example",
        notes="Gate code 1234",
        billing_address=dict(ADDRESS),
        service_address=dict(ADDRESS, address="2 Service Road"),
    )


def fsm_contact(org, i: int):
    from fsmbilling.models import Contact

    first, last, email = person_names(i)
    return Contact(
        organization=org,
        first_name=first,
        last_name=last,
        email=email,
        phone="+1-555-0101",
        mobile="+1-555-0102",
        billing_address=dict(ADDRESS),
    )


def fsm_item(org, i: int):
    from fsmbilling.models import ServicePart

    return ServicePart(
        organization=org,
        kind=ServicePart.Kind.SERVICE,
        name=item_name(i),
        description="Annual boiler service",
        unit="hour",
        rate=Decimal("95.50"),
        sku=f"SKU-{i:06d}",
    )


def bulk_fsm(org, start: int, stop: int) -> None:
    from fsmbilling.models import Company, Contact, ServicePart

    for model, make in ((Company, fsm_company), (Contact, fsm_contact), (ServicePart, fsm_item)):
        model.objects.bulk_create((make(org, i) for i in range(start, stop)), batch_size=2000)


# --- One measured run ------------------------------------------------------------------------------------------------


@dataclass
class RunFigures:
    name: str
    size: int
    state: str
    wall_s: float
    cpu_s: float
    calls: dict[str, int]
    queries: dict[str, int]
    counts: dict
    records: int = 0
    minimum: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    checker: dict | None = None

    @property
    def api_calls(self) -> int:
        return sum(self.calls.values())

    def by_method(self) -> dict[str, int]:
        methods: Counter[str] = Counter()
        for key, n in self.calls.items():
            methods[key.split()[0]] += n
        return dict(methods)

    @property
    def writes(self) -> int:
        return sum(n for key, n in self.calls.items() if not key.startswith("GET"))

    @property
    def minimum_total(self) -> int:
        return sum(self.minimum.values())

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "size_per_module": self.size,
            "state": self.state,
            "wall_s": round(self.wall_s, 3),
            "engine_cpu_s": round(self.cpu_s, 3),
            "records": self.records,
            "engine_cpu_ms_per_record": round(1000 * self.cpu_s / self.records, 3) if self.records else None,
            "engine_cpu_ms_per_api_call": round(1000 * self.cpu_s / self.api_calls, 3) if self.api_calls else None,
            "api_calls": self.api_calls,
            "api_calls_by_method": self.by_method(),
            "api_calls_by_path": dict(sorted(self.calls.items())),
            "minimum_needed": self.minimum,
            "minimum_needed_total": self.minimum_total,
            "ratio_made_to_minimum": round(self.api_calls / self.minimum_total, 2) if self.minimum_total else None,
            "db_queries": sum(self.queries.values()),
            "db_queries_by_shape": dict(Counter(self.queries).most_common()),
            "counts": self.counts,
            "checker": self.checker,
            "notes": self.notes,
        }


def measured_run(pair: Pair, name: str, size: int, trigger: str = "manual") -> RunFigures:
    """One engine run over HTTP: wall time, this process's CPU time, API calls, database queries."""
    import gc

    from django.db import connection

    from sync.engine.run import execute_run
    from sync.engine_models import SyncRun

    run = SyncRun.objects.create(organization=pair.organization, trigger=trigger)
    transport = make_counting_transport()
    connector = connector_for(pair, transport)
    queries = QueryCounter()
    gc.collect()
    profiler = None
    if PROFILE:
        import cProfile

        profiler = cProfile.Profile(time.process_time)
    with connection.execute_wrapper(queries):
        wall0, cpu0 = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        finished = execute_run(run.pk, connector=connector)
        if profiler:
            profiler.disable()
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    connector.close()
    assert finished is not None, "the run was not claimed"
    counts = finished.counts or {}
    records = sum(n for module in counts.values() for direction in module.values() for n in direction.values())
    figures = RunFigures(
        name=name,
        size=size,
        state=finished.state,
        wall_s=wall,
        cpu_s=cpu,
        calls=dict(transport.calls),
        queries=queries.by_shape,
        counts=counts,
        records=records,
    )
    if finished.state != SyncRun.State.SUCCEEDED:
        failures = list(finished.failures.values_list("module", "reason_code", "message")[:10])
        figures.notes.append(f"run ended {finished.state}: {finished.reason} {failures}")
        print(f"  !! {name}: {finished.state}: {finished.reason}\n     first failures: {failures}", flush=True)
    if profiler:
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        profiler.dump_stats(RESULTS_DIR / f"profile-{slug}.pstats")
        figures.notes.append("CPU profile (cumulative, s): " + profile_summary(profiler))
        print(f"     CPU profile: {figures.notes[-1]}", flush=True)
    print(
        f"  {name:<22} wall {wall:8.2f} s  cpu {cpu:8.2f} s  calls {figures.api_calls:6d} {figures.by_method()}  "
        f"queries {queries.total}",
        flush=True,
    )
    return figures


PROFILE = False
# Where the engine's CPU goes (cumulative CPU seconds of these functions, which nest: see the note in the docs).
PROFILED = {
    "pacer (sync/connectors/pacing.py)": ("pacing.py", ("acquire", "release")),
    "HTTP client (httpx send)": ("_client.py", ("send",)),
    "JSON decode (wire.loads)": ("wire.py", ("loads",)),
    "all SQL (Django execute_sql)": ("compiler.py", ("execute_sql",)),
    "planner (plan)": ("planner.py", ("plan",)),
    "canonical forms (adapters)": ("adapters.py", ("local_canonical", "remote_canonical")),
    "link lookups (link_for_local)": ("run.py", ("link_for_local",)),
    "failure bookkeeping (_resolve_failures)": ("run.py", ("_resolve_failures",)),
    "link saves (save_link, save_new_link)": ("run.py", ("save_link", "save_new_link")),
}


def profile_summary(profiler) -> str:
    import pstats

    stats = pstats.Stats(profiler).stats
    parts = []
    for label, (filename, functions) in PROFILED.items():
        total = sum(
            value[3]
            for (path, _line, function), value in stats.items()
            if path.endswith(filename) and function in functions
        )
        parts.append(f"{label} {total:.2f}")
    return "; ".join(parts)


def run_checker(pair: Pair) -> dict:
    """sync.checker.check over HTTP (not part of any measured figure)."""
    from sync.checker import check

    transport = make_counting_transport()
    connector = connector_for(pair, transport)
    wall0 = time.perf_counter()
    report = check(pair.organization, connector)
    connector.close()
    result = {
        "ok": report.ok,
        "compared": report.compared,
        "problems": (report.differences + report.unlinked_fsm + report.unlinked_books + report.duplicates)[:20],
        "wall_s": round(time.perf_counter() - wall0, 1),
        "api_calls": sum(transport.calls.values()),
    }
    print(f"  checker: ok={report.ok} compared={report.compared} in {result['wall_s']} s", flush=True)
    for line in result["problems"][:10]:
        print(f"     {line}", flush=True)
    return result


def pages(rows: int) -> int:
    return max(1, math.ceil(rows / PER_PAGE))


def contacts_in_window(pair: Pair) -> int:
    """Books contacts an incremental read of this run must list: modified at or after (cursor − overlap)."""
    from sandbox import models as sbx
    from sync.connectors.zoho import DEFAULT_OVERLAP
    from sync.engine_models import SyncSettings

    cursors = SyncSettings.objects.get(organization=pair.organization).cursors
    remote = (cursors.get("companies") or {}).get("remote")
    org_pk = sbx.Organization.pk_from_zoho_id(pair.finance_org_id)
    rows = sbx.Contact.objects.filter(organization_id=org_pk)
    if remote:
        cutoff = dt.datetime.fromisoformat(remote) - DEFAULT_OVERLAP
        rows = rows.filter(last_modified_time__gte=cutoff.replace(microsecond=0))
    return rows.count()


def books_counts(pair: Pair) -> tuple[int, int]:
    from sandbox import models as sbx

    org_pk = sbx.Organization.pk_from_zoho_id(pair.finance_org_id)
    return (
        sbx.Contact.objects.filter(organization_id=org_pk).count(),
        sbx.Item.objects.filter(organization_id=org_pk).count(),
    )


def minimum(*, contact_rows: int, items: int, customer_reads: int, item_reads: int, writes: int) -> dict[str, int]:
    """The fewest calls a run can make: pre-checks and reference data, one read of each list (the contacts list
    serves both customer modules), a full read of each changed Books customer (list rows lack addresses), item details
    100 at a time, and one write per record to create or update in Books."""
    return {
        "fixed_prechecks_and_reference": 4,
        "list_pages_contacts": pages(contact_rows),
        "list_pages_items": pages(items),
        "reads_changed_books_customers": customer_reads,
        "reads_changed_books_items": math.ceil(item_reads / ITEM_DETAILS_BATCH),
        "writes": writes,
    }


# --- Scenario A and B ------------------------------------------------------------------------------------------------


def scenario_a_b(control: Control, n: int, share: float, setup_transport) -> list[RunFigures]:
    from sync.connectors import base as remote

    print(f"\n== A: first two-way sync, N={n:,} per module", flush=True)
    pair = make_pair(control, f"bench-a-{n}")
    org = pair.organization
    t0 = time.perf_counter()
    bulk_fsm(org, 0, n)
    time.sleep(1.1)  # Books stamps whole seconds: its copies must be modified strictly later than FSM's
    matched = list(range(0, n, max(1, round(1 / share)))) if share > 0 else []
    books_only = max(1, n // 100)
    setup = connector_for(pair, setup_transport)
    for i in matched:  # same key, other content, modified later: Books wins every differing field (Overwrite)
        setup.create_contact(
            remote.Customer(
                contact_name=company_name(i),
                company_name=company_name(i),
                contact_type="customer",
                customer_sub_type="business",
                website=f"https://books-{i}.example",
                notes="Entered in Books",
            )
        )
        first, last, email = person_names(i)
        setup.create_contact(
            remote.Customer(
                contact_name=f"{first} {last}",
                contact_type="customer",
                customer_sub_type="individual",
                contact_persons=(
                    remote.ContactPerson(
                        first_name=first, last_name=last, email=email, phone="+1-555-0199", is_primary_contact=True
                    ),
                ),
            )
        )
        setup.create_item(remote.Item(name=item_name(i), rate=Decimal("99"), description="Books description"))
    for j in range(books_only):
        name = f"Books-only Customer {j:05d}"
        setup.create_contact(
            remote.Customer(contact_name=name, company_name=name, contact_type="customer", customer_sub_type="business")
        )
        setup.create_contact(
            remote.Customer(
                contact_name=f"Bo Only{j:05d}",
                contact_type="customer",
                customer_sub_type="individual",
                contact_persons=(
                    remote.ContactPerson(
                        first_name="Bo",
                        last_name=f"Only{j:05d}",
                        email=f"bo{j:05d}@books.test",
                        is_primary_contact=True,
                    ),
                ),
            )
        )
        setup.create_item(remote.Item(name=f"Books-only item {j:05d}", rate=Decimal("5")))
    setup.close()
    m, b = len(matched), books_only
    print(
        f"  setup: {3 * n:,} FSM records, {3 * (m + b):,} Books records ({m:,} matched + {b:,} Books-only per module)"
        f" in {time.perf_counter() - t0:.1f} s",
        flush=True,
    )

    contact_rows, item_rows = books_counts(pair)
    a = measured_run(pair, "A first run", n, trigger="first")
    a.minimum = minimum(
        contact_rows=contact_rows,
        items=item_rows,
        customer_reads=contact_rows,
        item_reads=item_rows,
        writes=3 * (n - m),
    )
    a.notes.append(
        f"{m:,} records per module matched by key (Books modified later, so Books wins: FSM updated, no Books write), "
        f"{b:,} per module only in Books (created in FSM), {n - m:,} per module only in FSM (created in Books)."
    )
    a.checker = run_checker(pair)
    results = [a]

    print("\n== B: runs with nothing changed", flush=True)
    for name in ("B second run", "B third run"):
        window = contacts_in_window(pair)
        contact_total, item_total = books_counts(pair)
        run = measured_run(pair, name, n)
        run.minimum = minimum(contact_rows=window, items=item_total, customer_reads=0, item_reads=0, writes=0)
        run.notes.append(
            f"contacts modified since the previous run's start − 5 min overlap: {window:,} of {contact_total:,}; "
            f"⌈N/200⌉ per module = {pages(n + b)} (companies), {pages(n + b)} (contacts), {pages(item_total)} (items)"
        )
        run.records = 0  # per-record CPU is meaningless here: the run is fixed costs and list pages
        if run.writes:
            run.notes.append(f"PERF-1 VIOLATED: {run.writes} write calls in a run with nothing changed")
            print(f"  !! {name}: {run.writes} writes with nothing changed", flush=True)
        results.append(run)
    return results


# --- Scenario C ------------------------------------------------------------------------------------------------------


def build_synced_state(control: Control, size: int) -> tuple[Pair, dict]:
    """A pair holding ``size`` linked records per module, as a completed run leaves it, built by bulk inserts.

    Record 0 of each module is synced by the engine itself (over HTTP); the others are clones of it on both sides,
    with their SyncLink base computed by the engine's own adapters. All records get the same modified time T0 and
    the cursors are set to T0 + 1 h, so the next run sees nothing changed.
    """
    from fsmbilling.models import Company, Contact, ServicePart
    from sandbox import models as sbx
    from sync.engine.adapters import Refs
    from sync.engine.canonical import content_hash
    from sync.engine.customers import adapter_for
    from sync.engine.items import ItemSync
    from sync.engine_models import SyncLink, SyncSettings

    pair = make_pair(control, f"bench-c-{size}")
    org = pair.organization
    t0 = time.perf_counter()
    bulk_fsm(org, 0, 1)
    template_run = measured_run(pair, f"C template ({size:,})", 1, trigger="first")
    if template_run.state != "succeeded":
        raise SystemExit("The template run failed; cannot build the state of scenario C.")

    stamp = (dt.datetime.now(dt.UTC) - dt.timedelta(days=2)).replace(microsecond=0)
    cursor = (stamp + dt.timedelta(hours=1)).isoformat()
    view = SimpleNamespace(organization=org, books_custom_fields={"contact": (), "item": ()})
    refs = Refs.load(org)
    adapters = {
        "company": adapter_for(view, "companies", SyncLink.Kind.COMPANY, Company),
        "contact": adapter_for(view, "contacts", SyncLink.Kind.CONTACT, Contact),
        "item": ItemSync(view).adapter,
    }
    links = {link.kind: link for link in SyncLink.objects.filter(organization=org)}
    templates_local = {
        "company": Company.objects.get(organization=org),
        "contact": Contact.objects.get(organization=org),
        "item": ServicePart.objects.get(organization=org),
    }
    for kind, local in templates_local.items():
        expected = adapters[kind].local_canonical(local, refs)
        if links[kind].base != expected:
            raise SystemExit(f"Template {kind}: the link's base {links[kind].base} is not {expected}")

    def clone(instance, **overrides):
        values = {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields if not f.primary_key}
        values.update(overrides)
        return type(instance)(**values)

    bulk_fsm(org, 1, size)
    books_company = sbx.Contact.objects.get(pk=sbx.Contact.pk_from_zoho_id(links["company"].remote_id))
    books_individual = sbx.Contact.objects.get(pk=sbx.Contact.pk_from_zoho_id(links["contact"].remote_id))
    books_person = books_individual.persons.get()
    books_item = sbx.Item.objects.get(pk=sbx.Item.pk_from_zoho_id(links["item"].remote_id))
    times = {"created_time": stamp, "last_modified_time": stamp}
    batch = 2000
    new_links: list[SyncLink] = []

    def link_for(kind: str, local, remote_id: str, extra: dict | None = None) -> SyncLink:
        base = adapters[kind].local_canonical(local, refs)
        return SyncLink(
            organization=org,
            kind=kind,
            local_id=local.pk,
            remote_id=remote_id,
            state=SyncLink.State.LINKED,
            base=base,
            base_hash=content_hash(base),
            remote_modified_at=stamp,
            local_modified_at=stamp,
            extra=extra or {},
            last_synced_at=stamp,
        )

    companies = list(Company.objects.filter(organization=org).exclude(pk=templates_local["company"].pk).order_by("pk"))
    for start in range(0, len(companies), batch):
        chunk = companies[start : start + batch]
        rows = sbx.Contact.objects.bulk_create(
            [
                clone(books_company, contact_name=x.name, company_name=x.name, contact_number=f"B-{x.pk}", **times)
                for x in chunk
            ]
        )
        new_links += [link_for("company", x, row.zoho_id) for x, row in zip(chunk, rows, strict=True)]
    contacts = list(Contact.objects.filter(organization=org).exclude(pk=templates_local["contact"].pk).order_by("pk"))
    for start in range(0, len(contacts), batch):
        chunk = contacts[start : start + batch]
        rows = sbx.Contact.objects.bulk_create(
            [
                clone(
                    books_individual,
                    contact_name=f"{x.first_name} {x.last_name}",
                    contact_number=f"I-{x.pk}",
                    **times,
                )
                for x in chunk
            ]
        )
        persons = sbx.ContactPerson.objects.bulk_create(
            [
                clone(
                    books_person,
                    contact_id=row.pk,
                    first_name=x.first_name,
                    last_name=x.last_name,
                    email=x.email,
                    **times,
                )
                for x, row in zip(chunk, rows, strict=True)
            ]
        )
        new_links += [
            link_for("contact", x, row.zoho_id, {"primary_person_id": person.zoho_id})
            for x, row, person in zip(chunk, rows, persons, strict=True)
        ]
    items = list(ServicePart.objects.filter(organization=org).exclude(pk=templates_local["item"].pk).order_by("pk"))
    for start in range(0, len(items), batch):
        chunk = items[start : start + batch]
        rows = sbx.Item.objects.bulk_create([clone(books_item, name=x.name, sku=x.sku, **times) for x in chunk])
        new_links += [link_for("item", x, row.zoho_id) for x, row in zip(chunk, rows, strict=True)]
    SyncLink.objects.bulk_create(new_links, batch_size=batch)

    # One modified time for everything, before the cursors.
    for model in (Company, Contact, ServicePart):
        model.objects.filter(organization=org).update(updated_at=stamp)
    finance_pk = sbx.Organization.pk_from_zoho_id(pair.finance_org_id)
    sbx.Contact.objects.filter(organization_id=finance_pk).update(**times)
    sbx.ContactPerson.objects.filter(contact__organization_id=finance_pk).update(**times)
    sbx.Item.objects.filter(organization_id=finance_pk).update(**times)
    SyncLink.objects.filter(organization=org).update(remote_modified_at=stamp, local_modified_at=stamp)
    SyncSettings.objects.filter(organization=org).update(
        cursors={
            module: {"local": cursor, "remote": cursor}
            for module in ("companies", "contacts", "services_and_parts", "invoices")
        }
    )
    with contextlib.suppress(Exception):
        from django.db import connection

        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    build = {"build_s": round(time.perf_counter() - t0, 1), "links": SyncLink.objects.filter(organization=org).count()}
    print(f"  built {size:,} linked records per module ({build['links']:,} links) in {build['build_s']} s", flush=True)
    return pair, build


def make_changes(pair: Pair, setup_transport, changes: int) -> dict[str, list[int]]:
    """Half the changes in FSM (saved, so updated_at moves), half in Books (PUT through the API, not counted)."""
    from fsmbilling.models import Company, Contact, ServicePart
    from sync.connectors import base as remote
    from sync.engine_models import SyncLink

    org = pair.organization
    fsm_n, books_n = changes // 2, changes - changes // 2
    split = {"fsm": _split3(fsm_n), "books": _split3(books_n)}
    models = {"company": Company, "contact": Contact, "item": ServicePart}
    chosen: dict[str, list[int]] = {}
    for kind, model in models.items():
        ids = list(model.objects.filter(organization=org).order_by("pk").values_list("pk", flat=True))
        count = split["fsm"][kind] + split["books"][kind]
        step = max(1, len(ids) // max(1, count))
        picked = ids[::step][:count]
        chosen[f"fsm_{kind}"] = picked[: split["fsm"][kind]]
        chosen[f"books_{kind}"] = picked[split["fsm"][kind] :]
    for record in Company.objects.filter(pk__in=chosen["fsm_company"]):
        record.notes = "Changed in FSM"
        record.save()
    for record in Contact.objects.filter(pk__in=chosen["fsm_contact"]):
        record.billing_address = dict(ADDRESS, city="Shelbyville")
        record.save()
    for record in ServicePart.objects.filter(pk__in=chosen["fsm_item"]):
        record.rate = Decimal("120.25")
        record.save()
    setup = connector_for(pair, setup_transport)
    remote_ids = {
        (link.kind, link.local_id): link.remote_id
        for link in SyncLink.objects.filter(
            organization=org,
            local_id__in=chosen["books_company"] + chosen["books_contact"] + chosen["books_item"],
        )
    }
    time.sleep(1.1)  # Books stamps whole seconds
    for record in Company.objects.filter(pk__in=chosen["books_company"]):
        setup.update_contact(
            remote_ids[("company", record.pk)],
            remote.Customer(contact_name=record.name, website="https://changed-in-books.example"),
        )
    for record in Contact.objects.filter(pk__in=chosen["books_contact"]):
        setup.update_contact(
            remote_ids[("contact", record.pk)],
            remote.Customer(
                contact_name=f"{record.first_name} {record.last_name}",
                shipping_address=remote.Address(address="9 Books Lane", city="Capital City", zip="62702"),
            ),
        )
    for record in ServicePart.objects.filter(pk__in=chosen["books_item"]):
        setup.update_item(
            remote_ids[("item", record.pk)], remote.Item(name=record.name, description="Changed in Books")
        )
    setup.close()
    return chosen


def _split3(n: int) -> dict[str, int]:
    third = n // 3
    return {"company": n - 2 * third, "contact": third, "item": third}


def check_changed(pair: Pair, chosen: dict[str, list[int]]) -> dict:
    """At sizes where the full checker would take 3 × size GETs: compare just the changed records on both sides."""
    from fsmbilling.models import Company, Contact, ServicePart
    from sync.engine.adapters import Refs
    from sync.engine.customers import IndividualView, adapter_for
    from sync.engine.items import ItemSync
    from sync.engine_models import SyncLink

    transport = make_counting_transport()
    connector = connector_for(pair, transport)
    org = pair.organization
    view = SimpleNamespace(organization=org, books_custom_fields={"contact": (), "item": ()})
    refs = Refs.load(org)
    problems = []
    compared = 0
    for kind, model, adapter in (
        ("company", Company, adapter_for(view, "companies", "company", Company)),
        ("contact", Contact, adapter_for(view, "contacts", "contact", Contact)),
        ("item", ServicePart, ItemSync(view).adapter),
    ):
        ids = chosen[f"fsm_{kind}"] + chosen[f"books_{kind}"]
        links = {x.local_id: x for x in SyncLink.objects.filter(organization=org, kind=kind, local_id__in=ids)}
        for record in model.objects.filter(pk__in=ids):
            remote_id = links[record.pk].remote_id
            if kind == "item":
                books = connector.get_item(remote_id)
            else:
                books = connector.get_contact(remote_id)
                books = books if kind == "company" else IndividualView(books)
            local_c, remote_c = adapter.local_canonical(record, refs), adapter.remote_canonical(books)
            compared += 1
            if local_c != remote_c:
                problems.append(f"{kind} {record}: FSM {local_c} ≠ Books {remote_c}")
    connector.close()
    print(f"  changed records compared on both sides: {compared}, differing: {len(problems)}", flush=True)
    return {"ok": not problems, "compared": compared, "problems": problems[:20], "scope": "changed records only"}


def scenario_c(control: Control, size: int, changes: int, setup_transport, full_check_max: int) -> list[RunFigures]:
    print(f"\n== C: {changes} changes at {size:,} records per module", flush=True)
    pair, build = build_synced_state(control, size)
    contact_total, item_total = books_counts(pair)
    window = contacts_in_window(pair)
    c0 = measured_run(pair, f"C0 no change ({size:,})", size)
    c0.minimum = minimum(contact_rows=window, items=item_total, customer_reads=0, item_reads=0, writes=0)
    c0.notes.append(f"state built by bulk insert in {build['build_s']} s; proves the built state is consistent")
    if c0.writes:
        c0.notes.append(f"PERF-1 VIOLATED: {c0.writes} write calls in a run with nothing changed")
    chosen = make_changes(pair, setup_transport, changes)
    window = contacts_in_window(pair)
    books_customers = len(chosen["books_company"]) + len(chosen["books_contact"])
    fsm_changes = len(chosen["fsm_company"]) + len(chosen["fsm_contact"]) + len(chosen["fsm_item"])
    c = measured_run(pair, f"C 100 changes ({size:,})", size)
    c.minimum = minimum(
        contact_rows=window,
        items=item_total,
        customer_reads=books_customers,
        item_reads=len(chosen["books_item"]),
        writes=fsm_changes,
    )
    c.notes.append(
        f"{fsm_changes} FSM edits (companies' notes, contacts' billing city, items' rate) → one PUT each; "
        f"{changes - fsm_changes} Books edits (website, shipping address, description) → FSM writes, no API write"
    )
    c.checker = run_checker(pair) if size <= full_check_max else check_changed(pair, chosen)
    c.records = changes
    c0.records = 0
    return [c0, c]


# --- Report ----------------------------------------------------------------------------------------------------------


def table(results: list[RunFigures]) -> str:
    head = (
        f"{'run':<26}{'size':>9}{'wall s':>9}{'CPU s':>8}{'CPU ms/rec':>11}{'calls':>8}{'GET':>7}{'POST':>7}"
        f"{'PUT':>6}{'min':>7}{'ratio':>7}{'queries':>9}{'q/call':>7}  state"
    )
    lines = [head, "-" * len(head)]
    for r in results:
        methods = r.by_method()
        per_record = f"{1000 * r.cpu_s / r.records:.2f}" if r.records else "-"
        ratio = f"{r.api_calls / r.minimum_total:.2f}" if r.minimum_total else "-"
        total_queries = sum(r.queries.values())
        q_per_call = f"{total_queries / r.api_calls:.1f}" if r.api_calls else "-"
        lines.append(
            f"{r.name:<26}{r.size:>9,}{r.wall_s:>9.1f}{r.cpu_s:>8.1f}{per_record:>11}{r.api_calls:>8,}"
            f"{methods.get('GET', 0):>7,}{methods.get('POST', 0):>7,}{methods.get('PUT', 0):>6,}"
            f"{r.minimum_total:>7,}{ratio:>7}{total_queries:>9,}{q_per_call:>7}  {r.state}"
        )
    return "\n".join(lines)


def details(results: list[RunFigures]) -> str:
    out = []
    for r in results:
        out.append(f"\n{r.name} (size {r.size:,}):")
        out.append("  calls: " + ", ".join(f"{k} ×{v:,}" for k, v in sorted(r.calls.items())))
        out.append("  minimum: " + ", ".join(f"{k} {v:,}" for k, v in r.minimum.items()))
        out.append("  top queries: " + ", ".join(f"{k} ×{v:,}" for k, v in Counter(r.queries).most_common(8)))
        out.extend(f"  note: {note}" for note in r.notes)
        if r.checker is not None:
            out.append(f"  checker: ok={r.checker['ok']} compared={r.checker['compared']}")
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="records per module in scenarios A and B")
    parser.add_argument("--quick", action="store_true", help="N=1,000 and scenario C at 1,000 and 10,000")
    parser.add_argument("--c-sizes", default=None, help="comma-separated sizes of scenario C (default 1000,100000)")
    parser.add_argument("--changes", type=int, default=100, help="changes in scenario C (half FSM, half Books)")
    parser.add_argument("--share", type=float, default=0.1, help="share of records already in Books in scenario A")
    parser.add_argument("--skip-a", action="store_true", help="skip scenarios A and B")
    parser.add_argument("--skip-c", action="store_true", help="skip scenario C")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers of the sandbox")
    parser.add_argument("--database", default="fsmbilling_bench", help="bench database name (emptied at start)")
    parser.add_argument(
        "--full-check-max",
        type=int,
        default=0,
        help="largest size of C at which the full checker runs (one GET per record); above it, changed records only",
    )
    parser.add_argument("--profile", action="store_true", help="cProfile each measured run (slows it down)")
    args = parser.parse_args()
    global PROFILE
    PROFILE = args.profile
    n = 1_000 if args.quick and args.n == 10_000 else args.n
    c_sizes = [int(x) for x in (args.c_sizes or ("1000,10000" if args.quick else "1000,100000")).split(",") if x]

    # Stopped by SIGTERM or Ctrl-C (even when started in the background): stop the sandbox server too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signal.signal(signal.SIGINT, signal.default_int_handler)
    started = time.perf_counter()
    bench_url, _admin = bench_database(args.database)
    port = free_port()
    env = server_env(bench_url, port)
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    print(f"Database {args.database}: migrating and emptying …", flush=True)
    call_command("migrate", interactive=False, verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    with contextlib.suppress(Exception):
        call_command("createcachetable", verbosity=0)
    machine = machine_info()
    print(
        f"Machine: {machine['nproc']} CPU ({machine['cpu_model']}), {machine['memory_gb']} GB, "
        f"PostgreSQL {machine['postgresql']}, load {machine['load_average_at_start']}",
        flush=True,
    )
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    results: list[RunFigures] = []
    extra: dict[str, Any] = {}
    with sandbox_server(env, port, args.workers, RESULTS_DIR / f"sync-{stamp}-gunicorn.log"):
        control = Control(f"http://127.0.0.1:{port}")
        control.http.delete("/clock")  # real time on both sides
        setup_transport = make_counting_transport()
        if not args.skip_a:
            results += scenario_a_b(control, n, args.share, setup_transport)
        if not args.skip_c:
            for size in c_sizes:
                results += scenario_c(control, size, args.changes, setup_transport, args.full_check_max)
        extra["setup_api_calls_not_measured"] = sum(setup_transport.calls.values())
    total = time.perf_counter() - started
    print("\n" + table(results))
    print(details(results))
    print(f"\nTotal benchmark time {total / 60:.1f} min", flush=True)
    payload = {
        "benchmark": "sync",
        "machine": machine,
        "arguments": {**vars(args), "n": n, "c_sizes": c_sizes},
        "total_s": round(total, 1),
        "runs": [r.as_dict() for r in results],
        **extra,
    }
    path = RESULTS_DIR / f"sync-{stamp}{'-quick' if args.quick else ''}.json"
    path.write_text(json.dumps(payload, indent=2, default=str))
    print(f"JSON: {path.relative_to(BASE_DIR)}")
    failed = [r.name for r in results if r.state != "succeeded" or (r.checker is not None and not r.checker["ok"])]
    if failed:
        print(f"NOT OK: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
