"""The broken-mapping corpus: every file, every error, exact path:line:col and message."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hub.errors import MappingError
from hub.mapping import check_paths, load_mapping

BROKEN = Path(os.path.relpath(Path(__file__).parent / "broken"))  # as an integrator types it

EXPECTED: dict[str, list[str]] = {
    "ambiguous_lookup.yaml": [
        "{dir}/ambiguous_lookup.yaml:13:17: error[ambiguous-lookup]: lookup 'countries' cannot be reversed for outbound: 'CN' comes from 'China', 'PRC'; add reverse: {CN: …} to the table",
    ],
    "bad_arguments.yaml": [
        "{dir}/bad_arguments.yaml:7:49: error[unknown-transform]: transform 'round' needs an argument: write {round: …}",
        "{dir}/bad_arguments.yaml:11:28: error[bad-transform]: unknown time zone 'Mars/Olympus' (use an IANA name such as 'Asia/Shanghai')",
        '{dir}/bad_arguments.yaml:14:33: error[bad-transform]: cannot convert mass (t) to length (m)',
        "{dir}/bad_arguments.yaml:18:24: error[bad-transform]: format fields must be {} or {0}, {1}…, not '{0.__class__}' (no names, attributes or indexes)",
    ],
    "bad_direction.yaml": [
        "{dir}/bad_direction.yaml:8:54: error[bad-value]: 'inbond' is not one of: both, inbound, outbound (did you mean 'inbound'?)",
    ],
    "bad_expression.yaml": [
        "{dir}/bad_expression.yaml:12:22: error[bad-transform]: not allowed in an expression: attribute access ('.') (at column 1 of the expression)",
        "{dir}/bad_expression.yaml:16:22: error[bad-transform]: not allowed in an expression: attribute access ('.') (at column 1 of the expression)",
        '{dir}/bad_expression.yaml:20:22: error[bad-transform]: not allowed in an expression: comprehensions (at column 1 of the expression)',
    ],
    "bad_lookup_value.yaml": [
        "{dir}/bad_lookup_value.yaml:10:10: error[bad-value]: lookup 'statuses' maps 'B' to 'confirmd', which is not a valid 'status' (did you mean 'confirmed'?)",
        "{dir}/bad_lookup_value.yaml:11:10: error[bad-value]: lookup 'statuses' maps 'C' to 'shiped', which is not a valid 'status' (did you mean 'shipped'?)",
        "{dir}/bad_lookup_value.yaml:20:56: error[bad-value]: default 'payed' is not a valid value for 'payment_status' (text) (did you mean 'paid'?)",
    ],
    "bad_path.yaml": [
        "{dir}/bad_path.yaml:9:17: error[not-an-object]: 'contacts' is a list of Contact; write contacts[0].… for one item or contacts[].… for every item",
        "{dir}/bad_path.yaml:10:17: error[not-a-list]: 'name' of Customer is not a list; remove the [n]",
        "{dir}/bad_path.yaml:11:5: error[missing-required]: required field 'name' of Contact in 'contacts[0]' has no inbound rule",
        "{dir}/bad_path.yaml:11:17: error[unknown-field]: 'emial' is not a field of Contact (did you mean 'email'?)",
        "{dir}/bad_path.yaml:12:31: error[bad-path]: 'labels..x' is not a valid path (write names joined by '.', with [n] or [] after a list, e.g. contacts[0].email or lines[].sku)",
    ],
    "duplicate_target.yaml": [
        "{dir}/duplicate_target.yaml:9:17: error[duplicate-target]: 'name' is already written inbound by the rule at line 7",
        "{dir}/duplicate_target.yaml:10:31: error[duplicate-target]: 'country' is already written outbound by the rule at line 8",
        "{dir}/duplicate_target.yaml:13:17: error[conflicting-target]: 'contacts[].name' overlaps 'contacts[0].name' written inbound by the rule at line 11",
    ],
    "duplicate_yaml_key.yaml": [
        "{dir}/duplicate_yaml_key.yaml:9:5: error[duplicate-key]: 'remote' is written twice in this mapping (first at line 8)",
    ],
    "flow_brackets.yaml": [
        '{dir}/flow_brackets.yaml:7:22: error[yaml-syntax]: invalid YAML: while parsing a flow mapping expected \',\' or \'}\', but got \'[\' (inside {…}, quote a path that has [ ]: "lines[].sku")',
    ],
    "list_mismatch.yaml": [
        "{dir}/list_mismatch.yaml:10:5: error[missing-required]: required field 'sku' of SalesOrderLine in 'lines[]' has no inbound rule",
        "{dir}/list_mismatch.yaml:11:5: error[list-mismatch]: use [] on both sides or on neither: 'lines[].sku' ↔ 'items.sku'",
        "{dir}/list_mismatch.yaml:12:5: error[list-mismatch]: 'lines[]' is paired with 'items[]' by the rule at line 10, so it cannot be paired with 'entries[]' here",
    ],
    "many_errors.yaml": [
        '{dir}/many_errors.yaml:3:12: error[wrong-type]: expected a string, got the number 42',
        "{dir}/many_errors.yaml:5:18: error[unknown-field]: 'numbr' is not a field of Customer (did you mean 'number'?)",
        "{dir}/many_errors.yaml:6:1: error[unknown-key]: unknown key 'extra_thing' in the mapping",
        "{dir}/many_errors.yaml:7:1: error[missing-required]: required field 'country' of Customer has no inbound rule",
        "{dir}/many_errors.yaml:8:49: error[type-mismatch]: 'decimal' produces a decimal but 'name' is text",
        "{dir}/many_errors.yaml:9:17: error[unknown-field]: 'countri' is not a field of Customer (did you mean 'country'?)",
        "{dir}/many_errors.yaml:10:5: error[incomplete-rule]: an outbound rule needs one 'remote' path to write",
    ],
    "missing_keys.yaml": [
        "{dir}/missing_keys.yaml:2:1: error[missing-key]: the mapping needs 'key'",
        "{dir}/missing_keys.yaml:2:1: error[missing-key]: the mapping needs 'remote_object'",
    ],
    "missing_line_fields.yaml": [
        "{dir}/missing_line_fields.yaml:10:5: error[missing-required]: required field 'line_key' of SalesOrderLine in 'lines[]' has no inbound rule",
        "{dir}/missing_line_fields.yaml:10:5: error[missing-required]: required field 'unit_price' of SalesOrderLine in 'lines[]' has no inbound rule",
    ],
    "missing_required.yaml": [
        "{dir}/missing_required.yaml:6:1: error[missing-required]: required field 'country' of Customer has no inbound rule",
        "{dir}/missing_required.yaml:6:1: error[missing-required]: required field 'name' of Customer has no inbound rule",
    ],
    "not_a_mapping.yaml": [
        '{dir}/not_a_mapping.yaml:2:1: error[wrong-type]: a mapping file must be a YAML mapping, got list',
    ],
    "not_invertible.yaml": [
        "{dir}/not_invertible.yaml:11:17: error[not-invertible]: 'concat' cannot be undone for outbound; move it under 'inbound:' or set direction: inbound",
        "{dir}/not_invertible.yaml:14:17: error[not-invertible]: 'expr' cannot be undone for outbound; move it under 'inbound:' or set direction: inbound",
    ],
    "type_mismatch.yaml": [
        "{dir}/type_mismatch.yaml:9:17: error[type-mismatch]: 'decimal' produces a decimal but 'name' is text",
        "{dir}/type_mismatch.yaml:13:29: error[type-mismatch]: 'upper' needs text but gets a decimal here",
        "{dir}/type_mismatch.yaml:16:17: error[type-mismatch]: 'date' produces a date but 'last_shipment_date' is a date-time",
    ],
    "unknown_entity.yaml": [
        "{dir}/unknown_entity.yaml:2:9: error[bad-value]: 'custmer' is not one of: activity, approval, customer, inventory, lead, payment, product, sales_order, shipment, trade_record (did you mean 'customer'?)",
    ],
    "unknown_field.yaml": [
        "{dir}/unknown_field.yaml:9:16: error[unknown-field]: 'credit_limt' is not a field of Customer (did you mean 'credit_limit'?)",
    ],
    "unknown_key.yaml": [
        "{dir}/unknown_key.yaml:10:5: error[unknown-key]: unknown key 'tranform' in a field rule (did you mean 'transform'?)",
    ],
    "unknown_lookup.yaml": [
        "{dir}/unknown_lookup.yaml:12:26: error[unknown-lookup]: unknown lookup 'countrys' (did you mean 'countries'?)",
    ],
    "unknown_transform.yaml": [
        "{dir}/unknown_transform.yaml:9:17: error[unknown-transform]: unknown transform 'trimm' (did you mean 'trim'?)",
        "{dir}/unknown_transform.yaml:12:18: error[unknown-transform]: unknown transform 'lowr' (did you mean 'lower'?)",
    ],
    "unused_steps.yaml": [
        "{dir}/unused_steps.yaml:10:15: error[unused-steps]: 'outbound' steps never run on a rule with direction: inbound",
    ],
    "yaml_boolean.yaml": [
        '{dir}/yaml_boolean.yaml:5:34: error[wrong-type]: expected a string, got a boolean (YAML reads yes/no/on/off as booleans; quote it)',
        '{dir}/yaml_boolean.yaml:9:31: error[wrong-type]: expected a string, got a boolean (YAML reads yes/no/on/off as booleans; quote it)',
    ],
    "yaml_syntax.yaml": [
        "{dir}/yaml_syntax.yaml:6:7: error[yaml-syntax]: invalid YAML: while parsing a flow mapping expected ',' or '}', but got ':'",
    ],
}


def test_the_corpus_is_large_enough() -> None:
    assert len(EXPECTED) >= 15
    assert sorted(p.name for p in BROKEN.glob("*.yaml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_error_is_reported_with_its_location(name: str) -> None:
    count, issues = check_paths([BROKEN / name])
    assert count == 1
    got = [str(i) for i in issues]
    assert got == [e.replace("{dir}", str(BROKEN)) for e in EXPECTED[name]]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_loading_raises_with_all_the_same_issues(name: str) -> None:
    with pytest.raises(MappingError) as info:
        load_mapping(BROKEN / name)
    want = [e.replace("{dir}", str(BROKEN)) for e in EXPECTED[name]]
    assert [str(i) for i in info.value.issues] == want
