"""The repository reads items with its own decoder: it must give what boto3's TypeDeserializer gives,
numbers excepted, which it reads as the exact decimal stored."""

from decimal import Decimal

from boto3.dynamodb.types import Binary, TypeDeserializer
from hypothesis import given, settings
from hypothesis import strategies as st

from carbon_accounting.repository.table import from_item

NAMES = st.text(max_size=8)
NUMBERS = st.decimals(min_value=-(10**20), max_value=10**20, places=6).map(str)  # within boto3's 38 digits
SCALARS = st.one_of(
    st.builds(lambda text: {"S": text}, st.text(max_size=20)),
    st.builds(lambda number: {"N": number}, NUMBERS),
    st.builds(lambda flag: {"BOOL": flag}, st.booleans()),
    st.just({"NULL": True}),
    st.builds(lambda texts: {"SS": texts}, st.lists(st.text(max_size=5), min_size=1, unique=True)),
    st.builds(lambda numbers: {"NS": numbers}, st.lists(NUMBERS, min_size=1, unique=True)),
    st.builds(lambda data: {"B": data}, st.binary(max_size=8)),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.builds(lambda values: {"L": values}, st.lists(inner, max_size=4)),
        st.builds(lambda values: {"M": values}, st.dictionaries(NAMES, inner, max_size=4)),
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(item=st.dictionaries(NAMES, VALUES, max_size=6))
def test_an_item_reads_as_boto3_reads_it(item):
    assert from_item(item) == {name: TypeDeserializer().deserialize(value) for name, value in item.items()}


def test_a_number_longer_than_38_digits_reads_exactly():
    long = "1." + "3" * 45

    assert from_item({"n": {"N": long}, "l": {"L": [{"N": long}]}}) == {
        "n": Decimal(long),
        "l": [Decimal(long)],
    }


def test_binary_reads_as_boto3_binary():
    assert from_item({"b": {"B": b"\x00\x01"}}) == {"b": Binary(b"\x00\x01")}
