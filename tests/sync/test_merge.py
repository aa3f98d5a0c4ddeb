"""The three-way merge decides fields by ownership and policy, never by accident."""

from __future__ import annotations

from datetime import datetime, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from hub.sync.merge import Policy, SideView, merge

FIELDS = frozenset({"name", "city", "credit_limit"})
GOLDEN = {"name": "Acme", "city": "Berlin", "credit_limit": "100"}


def side(system: str, observed: dict | None = None, *, snapshot: dict | None = None,
         at: int | None = None, linked: bool = True,
         writes: frozenset[str] = FIELDS) -> SideView:
    return SideView(system=system, reads=FIELDS, writes=writes,
                    snapshot=dict(GOLDEN) if snapshot is None else snapshot,
                    observed=None if observed is None else {**GOLDEN, **observed},
                    observed_at=datetime(2026, 1, 1, 0, at or 0, tzinfo=timezone.utc)
                    if at is not None else None, linked=linked)


def policy(conflict: str = "owner_wins", owners: dict | None = None) -> Policy:
    return Policy(master="crm", owners=owners or {}, conflict=conflict)  # type: ignore[arg-type]


def test_a_change_on_one_side_is_written_to_the_other_only() -> None:
    result = merge(GOLDEN, [side("crm", {"city": "Hamburg"}), side("erp")], policy())
    assert result.golden["city"] == "Hamburg"
    assert result.writes == {"crm": frozenset(), "erp": frozenset({"city"})}
    assert result.snapshots["erp"]["city"] == "Hamburg"
    assert result.conflicts == []


def test_reading_back_what_the_hub_wrote_changes_nothing() -> None:
    result = merge(GOLDEN, [side("crm"), side("erp", {})], policy())
    assert not result.changed
    assert result.golden == GOLDEN


def test_an_owned_field_flows_only_from_its_owner_and_is_restored_elsewhere() -> None:
    owners = {"credit_limit": "erp"}
    from_owner = merge(GOLDEN, [side("crm"), side("erp", {"credit_limit": "500"})],
                       policy(owners=owners))
    assert from_owner.golden["credit_limit"] == "500"
    assert from_owner.writes["crm"] == {"credit_limit"}

    from_other = merge(GOLDEN, [side("crm", {"credit_limit": "999"}), side("erp")],
                       policy(owners=owners))
    assert from_other.golden["credit_limit"] == "100"
    assert from_other.writes == {"crm": frozenset({"credit_limit"}), "erp": frozenset()}


def test_owner_wins_takes_the_masters_value_in_a_conflict() -> None:
    result = merge(GOLDEN, [side("crm", {"city": "Hamburg"}), side("erp", {"city": "Munich"})],
                   policy("owner_wins"))
    assert result.golden["city"] == "Hamburg"
    assert result.writes["erp"] == {"city"} and result.writes["crm"] == frozenset()
    assert [(c.field, c.chosen) for c in result.conflicts] == [("city", "crm")]


def test_newest_wins_takes_the_later_change() -> None:
    result = merge(GOLDEN, [side("crm", {"city": "Hamburg"}, at=1),
                            side("erp", {"city": "Munich"}, at=2)], policy("newest_wins"))
    assert result.golden["city"] == "Munich"
    assert result.writes["crm"] == {"city"}


def test_manual_parks_the_field_and_still_syncs_the_others() -> None:
    result = merge(GOLDEN, [side("crm", {"city": "Hamburg", "name": "Acme AG"}),
                            side("erp", {"city": "Munich"})], policy("manual"))
    assert result.golden["city"] == "Berlin"
    assert result.golden["name"] == "Acme AG"
    assert result.writes == {"crm": frozenset(), "erp": frozenset({"name"})}
    [conflict] = result.conflicts
    assert (conflict.field, conflict.values, conflict.chosen) == (
        "city", {"crm": "Hamburg", "erp": "Munich"}, None)
    # Both snapshots hold what each side said, so the conflict is not found again.
    assert result.snapshots["crm"]["city"] == "Hamburg"
    assert result.snapshots["erp"]["city"] == "Munich"


def test_a_resolution_is_written_to_every_side_that_differs() -> None:
    crm = side("crm", snapshot={**GOLDEN, "city": "Hamburg"})
    erp = side("erp", snapshot={**GOLDEN, "city": "Munich"})
    result = merge(GOLDEN, [crm, erp], policy("manual"), forced={"city": "Hamburg"})
    assert result.golden["city"] == "Hamburg"
    assert result.writes == {"crm": frozenset(), "erp": frozenset({"city"})}


def test_the_same_change_on_both_sides_is_no_conflict() -> None:
    result = merge(GOLDEN, [side("crm", {"city": "Hamburg"}), side("erp", {"city": "Hamburg"})],
                   policy("manual"))
    assert result.conflicts == []
    assert not result.changed


def test_a_new_record_is_created_with_every_writable_field() -> None:
    crm = SideView("crm", FIELDS, frozenset(), snapshot=None,
                   observed={"name": "Neu GmbH", "city": "Köln", "credit_limit": None})
    erp = SideView("erp", FIELDS, frozenset({"name", "city"}), snapshot=None, linked=False)
    result = merge(None, [crm, erp], policy())
    assert result.writes["erp"] == {"name", "city"}
    assert result.golden == {"name": "Neu GmbH", "city": "Köln", "credit_limit": None}


NAMES = ["name", "city", "credit_limit", "tags", "status"]


def _project_upper(golden: dict) -> dict:
    """A side that stores names in capitals and drops tags."""
    return {k: (v.upper() if isinstance(v, str) else v) for k, v in golden.items()
            if k != "tags"}


@settings(max_examples=300, deadline=None)
@given(observed=st.dictionaries(st.sampled_from(NAMES), st.sampled_from(["a", "B", "1", None]),
                                min_size=1),
       source_writes=st.sets(st.sampled_from(NAMES)), target_writes=st.sets(st.sampled_from(NAMES)),
       target_reads=st.sets(st.sampled_from(NAMES)),
       owners=st.dictionaries(st.sampled_from(NAMES), st.sampled_from(["crm", "erp"])),
       projected=st.booleans(), source_first=st.booleans())
def test_the_first_sight_shortcut_decides_exactly_what_the_full_merge_decides(
        observed: dict, source_writes: set, target_writes: set, target_reads: set,
        owners: dict, projected: bool, source_first: bool) -> None:
    from hub.sync.merge import _first_sight, _merge_fields

    project = _project_upper if projected else None
    source = SideView(system="crm", reads=frozenset(observed), writes=frozenset(source_writes),
                      snapshot=None, observed=observed, linked=True, project=project)
    target = SideView(system="erp", reads=frozenset(target_reads),
                      writes=frozenset(target_writes), snapshot=None, linked=False,
                      project=project)
    sides = [source, target] if source_first else [target, source]
    rules = Policy(master="crm", owners=owners, conflict="owner_wins")
    quick = _first_sight(sides, rules)
    assert quick is not None
    assert quick == _merge_fields(None, sides, rules, None)
    assert merge(None, sides, rules) == quick


def test_the_first_sight_shortcut_stands_aside_when_another_side_holds_the_record() -> None:
    from hub.sync.merge import _first_sight

    rules = policy()
    assert _first_sight([side("crm", {"city": "Hamburg"}, snapshot={}), side("erp")],
                        rules) is None
    assert _first_sight([SideView(system="crm", reads=FIELDS, writes=FIELDS, snapshot=None,
                                  observed=dict(GOLDEN)), side("erp")], rules) is None


def test_a_non_owner_seeds_an_owned_field_the_hub_has_never_seen() -> None:
    erp = SideView("erp", FIELDS, frozenset(), snapshot=None,
                   observed={"name": "PR-1", "city": None, "credit_limit": "5"})
    oa = SideView("oa", FIELDS, FIELDS, snapshot=None, linked=False)
    result = merge(None, [erp, oa], policy(owners={"credit_limit": "oa"}))
    assert result.golden["credit_limit"] == "5"
    assert "credit_limit" in result.writes["oa"]
