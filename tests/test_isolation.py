"""REL-1 / TEN-2 / STYLE 9: every organization page and API route, walked with another organization's ids.

The routes come from the URL resolver (everything under ``/o/<org_slug>/`` and ``/api/v1/orgs/<org_slug>/``), so a
route added later is walked without touching this file. "globex" gets one of every tenant-owned record
(tests/isolation_seed.py); acme's administrator (session for pages, token for the API) then

(a) calls every route of globex (``org_slug=globex``, ids of globex's records): 404 for every method;
(b) calls every route of acme with globex's ids in the pk-like kwargs (all of them, and one at a time with acme's
    own ids in the others): 404 for GET, 404 or 405 for writes;
(c) reads every list (plain, searched for globex's names, and as CSV) and acme's own records: no globex name,
    email or link in the answer, and no globex id in an API list.
Writes must change nothing of globex (its rows are compared before and after) and must not leave an acme row pointing
at a globex row.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import connection, models, transaction
from django.db.models import QuerySet
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.converters import IntConverter
from django.urls.resolvers import RoutePattern
from rest_framework.test import APIClient

from fsmbilling.models import ApiToken, Membership, Organization
from tests.factories import UserFactory, make_organization
from tests.isolation_seed import SKIP_REASONS, missing_models, organization_fields, seed_organization

PREFIXES = {"page": "o/{org_slug}/", "api": "api/v1/orgs/{org_slug}/"}
WRITE_METHODS = ("post", "put", "patch", "delete")
ALL_METHODS = ("get", *WRITE_METHODS)
# Values for string kwargs other than org_slug (a route with an unknown one fails with a clear message).
STRING_VALUES = {
    "module": "companies",
    "format": "json",
    "filename": "CompaniesFailureLogs.csv",
    "kind": "company",
    "verb": "send",
}


@dataclass(frozen=True)
class Route:
    kind: str  # "page" or "api"
    template: str  # the full URL with {kwarg} placeholders, e.g. "/o/{org_slug}/companies/{pk}/"
    kwargs: tuple[str, ...]
    int_kwargs: frozenset[str]
    callback: object
    name: str

    def __str__(self) -> str:
        return f"{self.kind} {self.template}"

    def url(self, **values) -> str:
        return self.template.format(**{k: values[k] for k in self.kwargs})

    @property
    def view_class(self):
        return getattr(self.callback, "view_class", None) or getattr(self.callback, "cls", None)

    @property
    def methods(self) -> tuple[tuple[str, ...], bool]:
        """The HTTP methods the view answers, and whether they were guessed (a plain function view)."""
        actions = getattr(self.callback, "actions", None)
        if actions:
            return tuple(m for m in ALL_METHODS if m in actions), False
        cls = self.view_class
        if cls is not None:
            return tuple(m for m in ALL_METHODS if hasattr(cls, m)), False
        return ("get", "post"), True

    @property
    def pk_kwargs(self) -> tuple[str, ...]:
        return tuple(
            k
            for k in self.kwargs
            if k != "org_slug" and (k in self.int_kwargs or k in ("pk", "id") or k.endswith(("_id", "_pk")))
        )


# --- Routes from the resolver -----------------------------------------------------------------------------------


def _pattern_text(pattern) -> tuple[str, dict[str, bool]]:
    """A URL pattern piece as text with {name} placeholders, and its kwargs (True when the converter is int)."""
    if isinstance(pattern, RoutePattern):
        kwargs = {name: isinstance(conv, IntConverter) for name, conv in pattern.converters.items()}
        text = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(pattern))
        return text, kwargs
    regex = pattern.regex.pattern
    kwargs = {}
    out, i = [], 0
    while i < len(regex):
        if regex.startswith("(?P<", i):
            end_name = regex.index(">", i)
            name = regex[i + 4 : end_name]
            depth, j = 1, end_name + 1
            while depth:
                depth += {"(": 1, ")": -1}.get(regex[j], 0) if regex[j - 1] != "\\" else 0
                j += 1
            group = regex[end_name + 1 : j - 1]
            kwargs[name] = group in (r"[0-9]+", r"\d+", "[0-9]+")
            out.append("{" + name + "}")
            i = j
            continue
        out.append(regex[i])
        i += 1
    text = "".join(out).lstrip("^").rstrip("$").replace("/?", "/").replace("\\.", ".").replace("\\", "")
    return text, kwargs


def _walk(patterns, prefix: str, kwargs: dict[str, bool]):
    for entry in patterns:
        text, own = _pattern_text(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + text, {**kwargs, **own})
        elif isinstance(entry, URLPattern):
            yield prefix + text, {**kwargs, **own}, entry


@functools.cache
def org_routes() -> tuple[Route, ...]:
    routes = []
    for text, kwargs, entry in _walk(get_resolver().url_patterns, "", {}):
        kind = next((k for k, prefix in PREFIXES.items() if text.startswith(prefix)), None)
        if kind is None:
            continue
        routes.append(
            Route(
                kind=kind,
                template="/" + text,
                kwargs=tuple(kwargs),
                int_kwargs=frozenset(k for k, is_int in kwargs.items() if is_int),
                callback=entry.callback,
                name=entry.name or "",
            )
        )
    return tuple(routes)


# --- Which model a kwarg names --------------------------------------------------------------------------------------


def _tenant_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if organization_fields(m)]


def _view_model(route: Route):
    cls = route.view_class
    for attr in ("model", "base_queryset", "queryset"):
        value = getattr(cls, attr, None)
        if isinstance(value, type) and issubclass(value, models.Model):
            return value
        if isinstance(value, QuerySet):
            return value.model
    return None


def _singular(word: str) -> str:
    word = word.lower().replace("-", "").replace("_", "")
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("ses"):
        return word[:-2]
    return word[:-1] if word.endswith("s") else word


def kwarg_models(route: Route) -> dict[str, type[models.Model] | None]:
    """The model each pk-like kwarg names: the view's own model for ``pk``; else the kwarg's name
    (``work_order_pk``), else the URL segment before it (``lines/<line_id>``, ``runs/<run_id>``)."""
    found: dict[str, type[models.Model] | None] = {}
    previous = None
    for name in route.pk_kwargs:
        model = _view_model(route) if name in ("pk", "id") else None
        if model is None and name not in ("pk", "id"):
            model = _model_named(re.sub(r"_(id|pk)$", "", name), previous)
        if model is None:
            before = route.template.split("{" + name + "}")[0].rstrip("/").split("/")[-1]
            if "{" not in before:
                model = _model_named(before, previous)
        found[name] = model
        previous = model
    return found


def _model_named(word: str, previous) -> type[models.Model] | None:
    """The tenant model a URL word names: exact name first, then a name ending (``lines`` → WorkOrderLine when it
    follows a work order) or beginning (``members`` → Membership) with it."""
    token = _singular(word)
    if not token:
        return None
    ranked = []
    for candidate in _tenant_models():
        label = candidate._meta.model_name
        rank = 0 if label == token else 1 if label.endswith(token) else 2 if label.startswith(token) else None
        if rank is None:
            continue
        points_at_previous = previous is not None and any(
            f.is_relation and f.related_model is previous for f in candidate._meta.concrete_fields
        )
        ranked.append((0 if points_at_previous else 1, rank, label, candidate))
    return min(ranked)[3] if ranked else None


# --- Fixtures -----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """acme and globex, seeded once for the module inside a transaction rolled back at its end (seeding both takes
    half a second; every test still runs in its own savepoint, so one test's writes never reach the next)."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        admin = UserFactory(username="admin@acme.test", first_name="Ada", last_name="Admin")
        other_admin = UserFactory(username="admin@globex.test", first_name="Gus", last_name="Globex")
        acme = seed_organization(make_organization("Acme Services", slug="acme", owner=admin), admin)
        globex = seed_organization(make_organization("Globex Repairs", slug="globex", owner=other_admin), other_admin)
    try:
        yield acme, globex
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


# The conftest's organizations and users are the module's seeded ones.
@pytest.fixture
def admin_user(db, world):
    return world[0].organization.memberships.get(user__username="admin@acme.test").user


@pytest.fixture
def org(db, world):
    return world[0].organization


@pytest.fixture
def other_org(db, world):
    return world[1].organization


@pytest.fixture
def page_client(admin_user) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


def _snapshot(organization: Organization) -> dict[str, str]:
    """A digest of every row of the organization (its own row, every tenant-owned table, its members' users), in one
    query: equal digests before and after a request mean the request changed nothing of it."""
    user_table = connection.ops.quote_name(Membership._meta.get_field("user").related_model._meta.db_table)
    membership = connection.ops.quote_name(Membership._meta.db_table)
    parts = [
        f"SELECT 'organization', md5(string_agg(t::text, ',')) FROM {_table(Organization)} t WHERE t.id = %(org)s",
        f"SELECT 'users', md5(string_agg(u::text, ',' ORDER BY u.id)) FROM {user_table} u "
        f"WHERE u.id IN (SELECT user_id FROM {membership} WHERE organization_id = %(org)s)",
    ]
    for model in _tenant_models():
        where = " OR ".join(f"t.{_column(model, name)} = %(org)s" for name in organization_fields(model))
        parts.append(
            f"SELECT '{model._meta.label}', md5(string_agg(t::text, ',' ORDER BY t.{_column(model, 'pk')})) "
            f"FROM {_table(model)} t WHERE {where}"
        )
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), {"org": organization.pk})
        return dict(cursor.fetchall())


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _column(model, name: str) -> str:
    field = model._meta.pk if name == "pk" else model._meta.get_field(name)
    return connection.ops.quote_name(field.column)


def _cross_tenant_references() -> list[str]:
    """Rows pointing at another organization's row (e.g. an acme work order with a globex company), in one query."""
    parts = []
    for model in _tenant_models():
        own = _column(model, organization_fields(model)[0])
        for f in model._meta.concrete_fields:
            if not f.is_relation or f.related_model is Organization or not organization_fields(f.related_model):
                continue
            target = f.related_model
            parts.append(
                f"SELECT '{model._meta.label}.{f.name}', count(*) FROM {_table(model)} t "
                f"JOIN {_table(target)} r ON r.{_column(target, 'pk')} = t.{connection.ops.quote_name(f.column)} "
                f"WHERE r.{_column(target, organization_fields(target)[0])} <> t.{own}"
            )
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts))
        return [f"{name}: {count} rows" for name, count in cursor.fetchall() if count]


def _payload(globex_ids: dict, acme) -> dict:
    """Plausible input for any create/edit/command: names, a status, and globex's ids in reference fields."""
    word = acme.marker + "hacked"
    data = {
        "name": word,
        "summary": word,
        "label": word,
        "last_name": word,
        "code": "JPY",
        "status": "cancelled",
        "billable": "no",
        "quantity": "2",
        "rate": "1",
        "email": "hacker@acme.test",
    }
    data.update({k: v for k, v in globex_ids.items() if v is not None})
    return data


class Caller:
    def __init__(self, page_client: Client, api_client: APIClient):
        self.clients = {"page": page_client, "api": api_client}

    def __call__(self, route: Route, method: str, url: str, data: dict | None = None):
        client = self.clients[route.kind]
        if method == "get":
            return client.get(url, data or {})
        if route.kind == "api":
            return client.generic(method.upper(), url, json.dumps(data or {}), content_type="application/json")
        if method == "post":
            return client.post(url, data or {})
        return client.generic(method.upper(), url, "")


def _describe(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    where = f" → {response['Location']}" if response.has_header("Location") else ""
    return f"{response.status_code}{where} {body[:300]!r}"


def _body(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return body.decode(errors="replace")


@pytest.fixture
def caller(page_client, world) -> Caller:
    acme, _ = world
    token = ApiToken.objects.get(key_hash=ApiToken.hash_key(acme.api_token_raw))
    cache.delete(f"throttle_token_token-{token.pk}")  # one token serves the whole module: reset its rate budget
    api_client = APIClient()
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {acme.api_token_raw}")
    return Caller(page_client, api_client)


def _ids_for(route: Route, seed, other_seed) -> dict[str, list[int]]:
    """Ids of ``seed`` for each pk-like kwarg; for a kwarg of unknown model, every id of ``seed`` that is not also an
    id of one of ``other_seed``'s rows (so a hit cannot be the other organization's legitimate record)."""
    models_of = kwarg_models(route)
    result = {}
    for name in route.pk_kwargs:
        model = models_of[name]
        if model is not None:
            result[name] = seed.ids(model)[:1]
        else:
            own = {i for m in _tenant_models() for i in seed.ids(m)}
            other = {i for m in _tenant_models() for i in other_seed.ids(m)}
            result[name] = sorted(own - other)
    return result


def _string_values(route: Route, org_slug: str) -> dict[str, str]:
    values = {"org_slug": org_slug}
    for name in route.kwargs:
        if name != "org_slug" and name not in route.pk_kwargs:
            assert name in STRING_VALUES, (
                f"{route}: add a value for the kwarg {name!r} to STRING_VALUES (one the view accepts, so the walk "
                "reaches its organization and record checks)"
            )
            values[name] = STRING_VALUES[name]
    return values


def _check_resolves(route: Route, url: str) -> None:
    match = resolve(url.split("?")[0])
    assert match.func is route.callback, f"{route}: built {url}, which resolves to {match.view_name}"


ROUTES = org_routes()


def test_routes_were_found():
    kinds = {route.kind for route in ROUTES}
    assert kinds == {"page", "api"}, kinds
    assert any(route.pk_kwargs for route in ROUTES)


def test_every_tenant_model_is_seeded(db, world):
    _, globex = world
    missing = missing_models(globex.organization)
    assert not missing, (
        "tenant-owned models without a globex row and without a reason in isolation_seed.SKIP_REASONS: "
        f"{missing}; generic creation said: { {m: globex.generic_errors.get(m) for m in missing} }"
    )
    assert set(SKIP_REASONS) <= {m._meta.label for m in _tenant_models()}, "SKIP_REASONS names a model that is gone"


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_other_organization_is_not_found(route, world, caller):
    """(a) Every route of globex, with globex's own ids, answers 404 to acme's administrator."""
    acme, globex = world
    methods, guessed = route.methods
    ids = _ids_for(route, globex, acme)
    assert all(ids.values()), f"{route}: no globex id for {[k for k, v in ids.items() if not v]}"
    values = {**_string_values(route, "globex"), **{k: v[0] for k, v in ids.items()}}
    url = route.url(**values)
    _check_resolves(route, url)
    before = _snapshot(globex.organization)
    failures = []
    for method in methods:
        response = caller(route, method, url, _payload({k: v[0] for k, v in ids.items()}, acme))
        allowed = {404, 405} if guessed else {404}
        if response.status_code not in allowed:
            failures.append(f"{method.upper()} {url}: {_describe(response)}")
    assert not failures, "\n".join(failures)
    assert _snapshot(globex.organization) == before, f"{route}: a request changed globex's data"


@pytest.mark.parametrize("route", [r for r in ROUTES if r.pk_kwargs], ids=str)
def test_other_organizations_ids_are_not_found(route, world, caller):
    """(b) acme's routes with globex's ids in the pk-like kwargs: 404 (405 for a write the view refuses)."""
    acme, globex = world
    methods, _ = route.methods
    globex_ids = _ids_for(route, globex, acme)
    acme_ids = _ids_for(route, acme, globex)
    variants = [dict(globex_ids)]
    if len(route.pk_kwargs) > 1:
        for name in route.pk_kwargs:  # one kwarg from globex, the others acme's own
            if all(acme_ids[k] for k in route.pk_kwargs if k != name):
                variants.append({k: (globex_ids[k] if k == name else acme_ids[k][:1]) for k in route.pk_kwargs})
    strings = _string_values(route, "acme")
    before = _snapshot(globex.organization)
    failures = []
    for variant in variants:
        assert all(variant.values()), f"{route}: no globex id for {[k for k, v in variant.items() if not v]}"
        # For a kwarg of unknown model every candidate id is tried; otherwise the one row of the model.
        combos = [dict(zip(variant, values, strict=True)) for values in zip(*_padded(variant.values()), strict=True)]
        for combo in combos:
            url = route.url(**strings, **combo)
            _check_resolves(route, url)
            for method in methods:
                response = caller(route, method, url, _payload(combo, acme))
                allowed = {404} if method == "get" else {404, 405}
                if response.status_code not in allowed:
                    failures.append(f"{method.upper()} {url} {combo}: {_describe(response)}")
    assert not failures, "\n".join(failures)
    assert _snapshot(globex.organization) == before, f"{route}: a request changed globex's data"
    if any(m != "get" for m in methods):
        assert _cross_tenant_references() == []


def _padded(value_lists) -> list[list[int]]:
    value_lists = [list(v) for v in value_lists]
    longest = max(len(v) for v in value_lists)
    return [v + [v[-1]] * (longest - len(v)) for v in value_lists]


def _forbidden(globex, *, searched: bool) -> list[str]:
    words = [globex.marker + " ", "@globex.test", "/o/globex/", "/orgs/globex/"]
    return words if searched else [globex.marker, *words]


@pytest.mark.parametrize("route", [r for r in ROUTES if "get" in r.methods[0]], ids=str)
def test_acme_answers_hold_nothing_of_globex(route, world, caller):
    """(c) Lists (plain, searched, CSV) and acme's own records show no globex name, email, link or id."""
    acme, globex = world
    strings = _string_values(route, "acme")
    # (url, query, whether the answer must be a success: lists and acme's records of a known model must be)
    requests = []
    if route.pk_kwargs:
        models_of = kwarg_models(route)
        acme_ids = _ids_for(route, acme, globex)
        assert all(acme_ids.values()), f"{route}: acme has no record for {[k for k, v in acme_ids.items() if not v]}"
        known = all(models_of[k] is not None for k in route.pk_kwargs)
        # Of a kwarg of unknown model, a few acme ids (any model): the answer may be 404 but never shows globex.
        candidates = [dict(zip(acme_ids, ids, strict=True)) for ids in zip(*_padded(acme_ids.values()), strict=True)]
        for combo in candidates[: 1 if known else 8]:
            requests.append((route.url(**strings, **combo), {}, known))
    else:
        url = route.url(**strings)
        queries = [{}, {"q": globex.marker}, {"search": globex.marker}]
        if route.kind == "page":
            queries.append({"format": "csv"})
        requests.extend((url, query, True) for query in queries)
    failures = []
    for url, query, must_succeed in requests:
        _check_resolves(route, url)
        response = caller(route, "get", url, query)
        # 503 is a refusal with its reason (e.g. Books not reachable for acme's seeded connection), not a leak.
        server_error = response.status_code >= 500 and response.status_code != 503
        if server_error or (must_succeed and response.status_code in (403, 404)):
            failures.append(f"GET {url} {query}: {_describe(response)}")
            continue
        body = _body(response)
        for word in _forbidden(globex, searched=bool(query.get("q") or query.get("search"))):
            if word in body:
                at = body.index(word)
                failures.append(f"GET {url} {query} shows {word!r}: …{body[max(0, at - 120) : at + 80]}…")
        if route.kind == "api" and response.status_code == 200 and not route.pk_kwargs:
            model = _view_model(route)
            leaked = _ids_in_list(response.json()) & set(globex.ids(model)) if model is not None else set()
            if leaked:
                failures.append(f"GET {url} {query} lists globex ids {sorted(leaked)} of {model._meta.label}")
    assert not failures, "\n".join(failures)


def _ids_in_list(payload) -> set[int]:
    results = payload.get("results", payload) if isinstance(payload, dict) else payload
    if not isinstance(results, list):
        return set()
    return {item["id"] for item in results if isinstance(item, dict) and isinstance(item.get("id"), int)}
