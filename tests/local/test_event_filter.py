"""local.event_filter: Lambda event filtering patterns on DynamoDB stream records."""

from __future__ import annotations

import pytest

from local.event_filter import matches, passes, unknown_rules

RECORD = {
    "eventName": "MODIFY",
    "dynamodb": {
        "Keys": {"pk": {"S": "ORG#1"}},
        "NewImage": {"status": {"S": "active"}, "kind": {"S": "invoice"}, "tags": {"SS": ["a", "b"]}},
        "OldImage": {"status": {"S": "draft"}},
        "SizeBytes": 120,
    },
}


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ({"eventName": ["MODIFY"]}, True),
        ({"eventName": ["INSERT", "REMOVE"]}, False),
        ({"dynamodb": {"NewImage": {"status": {"S": ["active"]}}}}, True),
        ({"dynamodb": {"NewImage": {"status": {"S": ["archived"]}}}}, False),
        ({"dynamodb": {"Keys": {"pk": {"S": [{"prefix": "ORG#"}]}}}}, True),
        ({"dynamodb": {"Keys": {"pk": {"S": [{"prefix": "USER#"}]}}}}, False),
        ({"dynamodb": {"NewImage": {"kind": {"S": [{"suffix": "ice"}]}}}}, True),
        ({"dynamodb": {"NewImage": {"kind": {"S": [{"equals-ignore-case": "INVOICE"}]}}}}, True),
        ({"dynamodb": {"NewImage": {"status": [{"exists": True}]}}}, True),
        ({"dynamodb": {"NewImage": {"deleted": [{"exists": False}]}}}, True),
        ({"dynamodb": {"NewImage": {"status": [{"exists": False}]}}}, False),
        ({"dynamodb": {"OldImage": {"status": {"S": [{"anything-but": ["active"]}]}}}}, True),
        ({"dynamodb": {"NewImage": {"status": {"S": [{"anything-but": "active"}]}}}}, False),
        ({"dynamodb": {"NewImage": {"status": {"S": [{"anything-but": {"prefix": "dr"}}]}}}}, True),
        ({"dynamodb": {"SizeBytes": [{"numeric": [">", 100, "<=", 200]}]}}, True),
        ({"dynamodb": {"SizeBytes": [{"numeric": ["<", 100]}]}}, False),
        ({"dynamodb": {"SizeBytes": [120]}}, True),
        ({"dynamodb": {"NewImage": {"tags": {"SS": ["b"]}}}}, True),  # any element of a list
        (
            {"eventName": ["MODIFY"], "dynamodb": {"NewImage": {"kind": {"S": ["other"]}}}},
            False,
        ),  # all fields
        ({"missing": {"deeper": ["x"]}}, False),
    ],
)
def test_patterns(pattern, expected):
    assert matches(pattern, RECORD) is expected


def test_true_is_not_one():
    assert not matches({"flag": [1]}, {"flag": True})
    assert matches({"flag": [True]}, {"flag": True})
    assert matches({"value": [None]}, {"value": None})


def test_any_filter_passes_and_no_filters_pass_everything():
    assert passes([], RECORD)
    assert passes([{"eventName": ["INSERT"]}, {"eventName": ["MODIFY"]}], RECORD)
    assert not passes([{"eventName": ["INSERT"]}], RECORD)


def test_unknown_rules_are_found_for_the_template_to_refuse():
    pattern = {
        "eventName": [{"wildcard": "M*"}],
        "dynamodb": {"Keys": [{"cidr": "10.0.0.0/8"}, {"exists": True}]},
    }
    assert unknown_rules(pattern) == {"wildcard", "cidr"}
    assert unknown_rules({"dynamodb": {"SizeBytes": [{"numeric": [">", 1]}, {"prefix": "a"}, 3]}}) == set()
