"""REL-4 / API-5: fuzzing the REST API from its OpenAPI schema gives no 5xx.

Schemathesis generates requests for every operation of the drf-spectacular schema (path and query parameters,
bodies) and sends them in process to the WSGI application as acme's administrator (token auth). The organization in
the path is fixed to acme (a random slug would only ever meet the 404 of an unknown organization); acme holds one of
every core record, whose ids replace every other generated id, so requests reach real records too. Examples are
bounded and derandomized, so a run is repeatable; a failure names the operation and shows the request that broke it.
"""

from __future__ import annotations

import copy
import re

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from django.db import transaction
from django.urls import resolve
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, settings

from tests.isolation_seed import seed_organization
from tests.test_isolation import kwarg_models, org_routes

ORG = "acme"
EXAMPLES_PER_OPERATION = 10


def _acme_schema() -> dict:
    """The API schema with ``{org_slug}`` replaced by acme's slug and its parameter removed."""
    raw = SchemaGenerator().get_schema(request=None, public=True)
    schema = copy.deepcopy(raw)
    paths = {}
    for path, item in schema["paths"].items():
        if "{org_slug}" not in path:
            continue  # the schema and docs endpoints are not organization routes
        for key, operation in item.items():
            if isinstance(operation, dict) and "parameters" in operation:
                operation["parameters"] = [p for p in operation["parameters"] if p.get("name") != "org_slug"]
            elif key == "parameters":
                item[key] = [p for p in operation if p.get("name") != "org_slug"]
        paths[path.replace("{org_slug}", ORG)] = item
    schema["paths"] = paths
    return schema


schema = schemathesis.from_dict(_acme_schema(), app=get_wsgi_application())


def test_schema_has_organization_operations():
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 20, [op.verbose_name for op in operations]


# Ids of acme's records per operation path, read by the hook below: with random ids alone nearly every request to a
# record would be a 404, so every other generated id is swapped for the id of a real acme record of the right model.
REAL_IDS: dict[str, list[int | None]] = {}


@schema.hook
def map_path_parameters(context, path_parameters):
    real = REAL_IDS.get(context.operation.path)
    if not real or not path_parameters:
        return path_parameters
    names = re.findall(r"{(\w+)}", context.operation.path)
    for name, value in zip(names, real, strict=False):
        generated = path_parameters.get(name)
        if value is not None and generated is not None and len(str(generated)) % 2 == 0:
            path_parameters[name] = value
    return path_parameters


def _real_ids(path: str, seed) -> list[int | None]:
    match = resolve(re.sub(r"{\w+}", "0", path))
    route = next((r for r in org_routes() if r.callback is match.func), None)
    if route is None or not route.pk_kwargs:
        return []
    models_of = kwarg_models(route)
    values = []
    for name in [k for k in match.kwargs if k != "org_slug"]:
        model = models_of.get(name)
        ids = seed.ids(model) if model is not None else []
        values.append(ids[0] if ids else None)
    return values


@pytest.fixture
def fuzz_headers(org, admin_user, api_token):
    seed = seed_organization(org, admin_user, everything=False)
    REAL_IDS.clear()
    for path in schema.raw_schema["paths"]:
        if "{" in path:
            REAL_IDS[path] = _real_ids(path, seed)
    return {"Authorization": f"Token {api_token}", "Host": "testserver"}


@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_no_server_error(case, fuzz_headers):
    savepoint = transaction.savepoint()  # each example starts from the same data, and a database error stays its own
    response = case.call(headers=fuzz_headers)
    transaction.savepoint_rollback(savepoint)
    assert response.status_code < 500, (
        f"{case.operation.verbose_name} answered {response.status_code} to\n{case.as_curl_command(fuzz_headers)}\n"
        f"{response.get_data(as_text=True)[:800]}"
    )
    if response.status_code >= 400 and response.headers.get("Content-Type", "").startswith("application/json"):
        body = response.json
        assert isinstance(body, dict) and {"code", "message"} <= set(body), (
            f"{case.operation.verbose_name}: error {response.status_code} is not API-5's {{code, message, fields}}: "
            f"{body!r}"
        )


# Inputs random generation reaches only now and then; every list gets them on every run (API-5: bad input never
# causes a 5xx). Each was a 500 somewhere once, or is a classic of its kind.
EDGE_QUERIES = [
    {"modified_after": "2026-01-23T06:34:14-22:38"},  # an offset PostgreSQL refuses (beyond ±15:59)
    {"modified_after": "9999-12-31T23:59:59-14:00"},  # later than the last representable UTC time
    {"modified_after": "0001-01-01T00:00:00+14:00"},  # earlier than the first
    {"search": "nul\x00byte"},
    {"status": "nul\x00byte"},
    {"page": "99999999999999999999"},
    {"page": "-1"},
    {"page_size": "0"},
    {"ordering": "-"},
]
LIST_PATHS = sorted(path for path, item in schema.raw_schema["paths"].items() if "{" not in path and "get" in item)


@pytest.mark.parametrize("path", LIST_PATHS)
def test_list_edge_inputs_are_not_server_errors(path, api_token):
    from rest_framework.test import APIClient

    api = APIClient(raise_request_exception=False)  # a crash is reported as the 500 a client would get
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token}")
    failures = []
    for query in EDGE_QUERIES:
        savepoint = transaction.savepoint()  # a database error must not poison the requests after it
        response = api.get(path, query)
        transaction.savepoint_rollback(savepoint)
        if response.status_code >= 500:
            failures.append(f"GET {path} {query!r}: {response.status_code} {response.content[:200]!r}")
    assert not failures, "\n".join(failures)
