"""Supply points: those registered (``SUPPLY#<facility>#<id>``, stored as their model), and the
rollup cells their invoices keep (``rollups.supply``): which supply points are billed, and what each
month's bills cover."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID

from carbon_accounting.repository.records import RollupRecord
from carbon_accounting.repository.rollups import rollup_cells
from carbon_accounting.repository.table import (
    batch_get,
    client,
    get_item,
    item_key,
    org_pk,
    query_prefix,
    to_item,
)
from carbon_accounting.rollups.supply import COVERAGE, POINT, coverage_sk, point_sk
from carbon_accounting.settings import get_settings
from carbon_accounting.supply.models import SupplyPoint

SUPPLY = "SUPPLY#"


def supply_point_sk(facility_id: UUID, point_id: UUID | str = "") -> str:
    return f"{SUPPLY}{facility_id}#{point_id}"


def _put(point: SupplyPoint, expected_version: int | None) -> bool:
    """Write a supply point: new (``expected_version`` None), or over that version."""
    item = {
        "pk": org_pk(point.organization_id),
        "sk": supply_point_sk(point.facility_id, point.id),
        "entity": "supply_point",
        **point.model_dump(mode="json"),
    }
    condition: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(pk)"}
    if expected_version is not None:
        condition = {
            "ConditionExpression": "version = :expected",
            "ExpressionAttributeValues": {":expected": {"N": str(expected_version)}},
        }
    try:
        client().put_item(TableName=get_settings().table_name, Item=to_item(item), **condition)
    except client().exceptions.ConditionalCheckFailedException:
        return False
    return True


def put_supply_point(point: SupplyPoint) -> bool:
    """Register a supply point; False, writing nothing, if it is registered already."""
    return _put(point, None)


def save_supply_point(point: SupplyPoint, expected_version: int) -> bool:
    """Write a supply point over the version read (0: not registered); False if it changed since."""
    return _put(point, expected_version or None)


def get_supply_point(organization_id: UUID, facility_id: UUID, point_id: UUID) -> SupplyPoint | None:
    item = get_item(item_key(org_pk(organization_id), supply_point_sk(facility_id, point_id)))
    return SupplyPoint.model_validate(item) if item else None


def stored_supply_points(organization_id: UUID, facility_id: UUID | None = None) -> Iterator[SupplyPoint]:
    """The registered supply points of the organization (of one facility): one Query."""
    prefix = supply_point_sk(facility_id) if facility_id else SUPPLY
    return (SupplyPoint.model_validate(item) for item in query_prefix(org_pk(organization_id), prefix))


def supply_point_cells(
    organization_id: UUID, facility_id: UUID | None = None
) -> Iterator[tuple[UUID, UUID, RollupRecord]]:
    """``(facility id, supply point id, cell)`` of each supply point the organization's (a facility's)
    invoices name: one Query."""
    prefix = point_sk(str(facility_id)) if facility_id else POINT
    for item in query_prefix(org_pk(organization_id), prefix):
        facility, _, point = item["sk"].removeprefix(POINT).partition("#")
        yield UUID(facility), UUID(point), item


def get_supply_point_cell(organization_id: UUID, facility_id: UUID, point_id: UUID) -> RollupRecord | None:
    return get_item(item_key(org_pk(organization_id), point_sk(str(facility_id), str(point_id))))


def _coverage_cell(item: RollupRecord) -> tuple[str, UUID, RollupRecord]:
    month, _, point = item["sk"].removeprefix(COVERAGE).partition("#")
    return month, UUID(point), item


def coverage_cells(
    organization_id: UUID, first_month: str, last_month: str
) -> Iterator[tuple[str, UUID, RollupRecord]]:
    """``(month, supply point id, cell)`` of every supply point billed in ``first_month``..``last_month``
    (``YYYY-MM``): one Query, whatever the organization's invoices."""
    cells = rollup_cells(organization_id, coverage_sk(first_month), coverage_sk(last_month, "~"))
    return map(_coverage_cell, cells)


def coverage_cells_of(
    organization_id: UUID, keys: list[tuple[str, UUID]]
) -> Iterator[tuple[str, UUID, RollupRecord]]:
    """``(month, supply point id, cell)`` of the ``(month, supply point id)`` cells that exist: one
    BatchGetItem a hundred."""
    for start in range(0, len(keys), 100):
        chunk = keys[start : start + 100]
        found = batch_get(
            [item_key(org_pk(organization_id), coverage_sk(month, str(point))) for month, point in chunk]
        )
        yield from map(_coverage_cell, found)
