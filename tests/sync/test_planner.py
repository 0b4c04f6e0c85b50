"""The merge planner: exact cases of SYN-11, and properties checked with hypothesis."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from sync.engine.canonical import address, content_hash, decimal
from sync.engine.planner import Policy, plan

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
T1 = T0 + dt.timedelta(minutes=5)


def test_one_side_changes_are_kept_from_each_side():
    base = {"name": "Acme", "phone": "1", "email": "a@x.test"}
    local = {"name": "Acme Inc", "phone": "1", "email": "a@x.test"}
    remote = {"name": "Acme", "phone": "2", "email": "a@x.test"}
    result = plan(base, local, remote, local_modified=T0, remote_modified=T1)
    assert result.merged == {"name": "Acme Inc", "phone": "2", "email": "a@x.test"}
    assert result.write_local == {"phone": "2"}
    assert result.write_remote == {"name": "Acme Inc"}
    assert result.conflicts == ()


def test_both_sides_changed_the_same_field_later_wins():
    base = {"phone": "1"}
    assert plan(base, {"phone": "L"}, {"phone": "R"}, local_modified=T0, remote_modified=T1).merged == {"phone": "R"}
    assert plan(base, {"phone": "L"}, {"phone": "R"}, local_modified=T1, remote_modified=T0).merged == {"phone": "L"}


def test_owner_side_beats_modified_time_per_field_then_module():
    base = {"phone": "1", "email": "1"}
    local = {"phone": "L", "email": "L"}
    remote = {"phone": "R", "email": "R"}
    policy = Policy(module_owner="fsm", field_owners={"email": "books"})
    result = plan(base, local, remote, local_modified=T0, remote_modified=T1, policy=policy)
    assert result.merged == {"phone": "L", "email": "R"}


def test_agreed_state_plans_nothing():
    state = {"name": "Acme", "billing_address": {"city": "Oslo"}}
    assert plan(state, dict(state), dict(state)).is_noop


def test_first_link_without_base_takes_the_later_side():
    result = plan(None, {"name": "A", "phone": "1"}, {"name": "A", "phone": "2"}, local_modified=T1, remote_modified=T0)
    assert result.write_remote == {"phone": "1"} and result.write_local == {}


def test_normalization_makes_round_trips_equal():
    assert decimal("120.50") == decimal(120.5) == decimal("120.500") == "120.5"
    assert decimal("0.00") == "0" and decimal("") == "" and decimal("abc") == ""
    assert address({"zipcode": "0150", "city": " Oslo "}) == address({"zip": "0150", "city": "Oslo"})
    assert content_hash({"a": 1, "b": [1]}) == content_hash({"b": [1], "a": 1})


values = st.one_of(st.none(), st.text(max_size=3), st.integers(0, 3))
records = st.dictionaries(st.sampled_from(["a", "b", "c", "d"]), values, min_size=4, max_size=4)


@given(base=records, local=records, remote=records, local_later=st.booleans())
def test_merge_converges_and_keeps_one_sided_changes(base, local, remote, local_later):
    times = (T1, T0) if local_later else (T0, T1)
    result = plan(base, local, remote, local_modified=times[0], remote_modified=times[1])
    # Applying the plan makes both sides equal to the merged state …
    new_local = {**local, **result.write_local}
    new_remote = {**remote, **result.write_remote}
    assert new_local == new_remote == result.merged
    # … and a second plan on the agreed state is empty (no ping-pong).
    assert plan(result.merged, new_local, new_remote, local_modified=T1, remote_modified=T1).is_noop
    # A change made on one side only is never dropped.
    for name in base:
        if local[name] != base[name] and remote[name] == base[name]:
            assert result.merged[name] == local[name]
        if remote[name] != base[name] and local[name] == base[name]:
            assert result.merged[name] == remote[name]
