"""CUPS validation, against the vectors python-stdnum's es.cups documents."""

import pytest

from carbon_accounting.cups import normalize_cups
from carbon_accounting.errors import InvalidCups


@pytest.mark.parametrize(
    ("given", "compact"),
    [
        ("ES 1234-123456789012-JY", "ES1234123456789012JY"),
        (" es 1234 123456789012 jy ", "ES1234123456789012JY"),
        ("ES1234123456789012JY1F", "ES1234123456789012JY1F"),
    ],
)
def test_valid_cups_are_compacted_and_upper_cased(given, compact):
    assert normalize_cups(given) == compact


def test_wrong_control_letters_name_the_expected_ones():
    with pytest.raises(InvalidCups) as raised:
        normalize_cups("ES 1234-123456789012-XY 1F")
    assert raised.value.code == "INVALID_CUPS"
    assert "expected JY" in raised.value.detail


@pytest.mark.parametrize(
    "given",
    [
        "ES 1234-123456789012-JY 1T",  # T is not a border-point kind
        "GB1234123456789012JY",  # not Spanish
        "ES123412345678901JY",  # 15 digits
        "ES1234123456789012JY1",  # 21 characters
        "",
    ],
)
def test_malformed_cups_are_refused(given):
    with pytest.raises(InvalidCups):
        normalize_cups(given)
