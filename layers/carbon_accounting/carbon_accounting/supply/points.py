"""Supply points: what a utility bills, inside a facility (``supply.identifiers`` says how each is
named and what its id is).

A facility's supply points are, merged by id:

- those registered (``POST``, or any ``PATCH``): stored, ``SUPPLY#<facility>#<id>``;
- each CUPS in the facility's ``cups_list``;
- those its invoices name (a CUPS, or the implicit one of a type and fuel), which the rollups keep
  (``ROLLUP#POINT#<facility>#<id>``, ``rollups.supply``) as invoices are written.

So an invoice is linked to its supply point without reading or writing anything but itself, and a
supply point no one registered is listed as soon as it is billed.
"""

from __future__ import annotations

from uuid import UUID

from carbon_accounting import clock, emissions, repository
from carbon_accounting.errors import (
    BadRequest,
    Conflict,
    FacilityNotFound,
    SupplyPointNotFound,
    VersionConflict,
)
from carbon_accounting.models import Caller, Facility, FacilityStatus, Page
from carbon_accounting.repository.records import RollupRecord
from carbon_accounting.supply.identifiers import (
    KINDS_BY_TYPE,
    IdentifierKind,
    implicit_id,
    named_id,
    normalize_identifier,
)
from carbon_accounting.supply.models import (
    SupplyPoint,
    SupplyPointCreate,
    SupplyPointStatus,
    SupplyPointUpdate,
)
from carbon_accounting.versions import parse_if_match


def _derived(
    facility: Facility | UUID,
    organization_id: UUID,
    point_type: str,
    kind: str | None,
    identifier: str | None,
    fuel: str | None,
) -> SupplyPoint:
    """A supply point no one registered, as its identifier (or type and fuel) names it."""
    facility_id = facility.id if isinstance(facility, Facility) else facility
    if kind and identifier:
        point_id, name = named_id(str(facility_id), kind, identifier), f"{kind.upper()} {identifier}"
    else:
        point_id = implicit_id(str(facility_id), point_type, fuel)
        burned = emissions.fuel(UUID(fuel)) if fuel else None
        name = f"{point_type.capitalize()}{f' ({burned.name})' if burned else ''}, no identifier"
    return SupplyPoint(
        id=UUID(point_id),
        organization_id=organization_id,
        facility_id=facility_id,
        type=point_type,
        identifier=identifier or None,
        identifier_kind=IdentifierKind(kind) if kind else None,
        facility_fuel_id=UUID(fuel) if fuel else None,
        name=name,
        status=SupplyPointStatus.ACTIVE,
        registered=False,
        version=0,
    )


def _from_cups_list(facility: Facility) -> list[SupplyPoint]:
    # A Spanish CUPS names an electricity or a gas supply: listed as electricity until billed otherwise.
    return [
        _derived(facility, facility.organization_id, "electricity", "cups", cups, None)
        for cups in facility.cups_list
    ]


def _from_cells(
    organization_id: UUID, facility_id: UUID, point_id: UUID, item: RollupRecord
) -> SupplyPoint | None:
    """The supply point a ``ROLLUP#POINT#`` item names (None once no invoice names it). One its
    invoices were linked to by id is registered: its record says the rest."""
    for name, value in item.items():
        if name.startswith("n|") and value:
            _, point_type, kind, identifier, fuel = name.split("|")
            point = _derived(facility_id, organization_id, point_type, kind or None, identifier, fuel or None)
            return point.model_copy(update={"id": point_id})
    return None


PointCells = list[tuple[UUID, UUID, RollupRecord]]  # (facility id, supply point id, its cell)


def merged(organization_id: UUID, facilities: list[Facility], cells: PointCells) -> list[SupplyPoint]:
    """The supply points of ``facilities`` (of one organization): listed in a ``cups_list``, billed
    (``cells``, ``repository.supply_point_cells``: which says a CUPS's type), registered (which says
    all), each over the one before."""
    by_id: dict[UUID, SupplyPoint] = {}
    wanted = {facility.id for facility in facilities}
    for facility in facilities:
        by_id |= {point.id: point for point in _from_cups_list(facility)}
    for facility_id, point_id, item in cells:
        if facility_id in wanted and (point := _from_cells(organization_id, facility_id, point_id, item)):
            by_id[point.id] = point
    one = facilities[0].id if len(facilities) == 1 else None
    for point in repository.stored_supply_points(organization_id, one):
        if point.facility_id in wanted:
            by_id[point.id] = point
    return sorted(by_id.values(), key=lambda point: (point.type, point.name.casefold(), str(point.id)))


def _facility(caller: Caller, facility_id: UUID) -> Facility:
    facility = repository.get_facility(caller.organization_id, facility_id)
    if facility is None:
        raise FacilityNotFound()
    return facility


def find(organization_id: UUID, facility: Facility, point_id: UUID) -> SupplyPoint | None:
    """One supply point of the facility: registered, billed, or in its ``cups_list`` (as ``merged``
    ranks them)."""
    stored = repository.get_supply_point(organization_id, facility.id, point_id)
    if stored is not None:
        return stored
    cell = repository.get_supply_point_cell(organization_id, facility.id, point_id)
    if cell and (billed := _from_cells(organization_id, facility.id, point_id, cell)):
        return billed
    return next((point for point in _from_cups_list(facility) if point.id == point_id), None)


def _checked_identifier(point_type: str, kind: IdentifierKind, identifier: str) -> str:
    if kind not in KINDS_BY_TYPE[point_type]:
        allowed = ", ".join(sorted(KINDS_BY_TYPE[point_type]))
        raise BadRequest(
            f"A {point_type} supply point is identified by {allowed}, not {kind}",
            "INVALID_IDENTIFIER_KIND",
            "identifier_kind",
        )
    return normalize_identifier(kind, identifier)


def create_supply_point(caller: Caller, facility_id: UUID, data: SupplyPointCreate) -> SupplyPoint:
    """Register a supply point of an active facility; 409 if its identifier is registered already."""
    facility = _facility(caller, facility_id)
    if facility.status is not FacilityStatus.ACTIVE:
        raise BadRequest(f"Facility {facility_id} is archived", "INVALID_FACILITY")
    identifier = _checked_identifier(data.type, data.identifier_kind, data.identifier)
    now = clock.now()
    point = _derived(facility, caller.organization_id, data.type, data.identifier_kind, identifier, None)
    point = SupplyPoint.model_validate(
        point.model_dump()
        | {
            "name": data.name or point.name,
            "status": data.status,
            "registered": True,
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }
    )
    if not repository.put_supply_point(point):
        raise Conflict(
            f"Supply point {point.id} ({data.identifier_kind} {identifier}) is registered already: "
            "PATCH it to rename or close it",
            "SUPPLY_POINT_EXISTS",
        )
    return point


def get_supply_point(caller: Caller, facility_id: UUID, point_id: UUID) -> SupplyPoint:
    point = find(caller.organization_id, _facility(caller, facility_id), point_id)
    if point is None:
        raise SupplyPointNotFound()
    return point


def list_supply_points(
    caller: Caller,
    facility_id: UUID,
    page: int,
    size: int,
    types: list[str] | None = None,
    statuses: list[SupplyPointStatus] | None = None,
) -> Page[SupplyPoint]:
    facility = _facility(caller, facility_id)
    matching = [
        point
        for point in merged(
            caller.organization_id,
            [facility],
            list(repository.supply_point_cells(caller.organization_id, facility.id)),
        )
        if (not types or point.type in types) and (not statuses or point.status in statuses)
    ]
    return Page[SupplyPoint].of(matching, page, size)


def update_supply_point(
    caller: Caller, facility_id: UUID, point_id: UUID, update: SupplyPointUpdate, if_match: str | None
) -> SupplyPoint:
    """Rename or close a supply point; one not registered yet is registered with the changes."""
    expected = parse_if_match(if_match)
    point = get_supply_point(caller, facility_id, point_id)
    if expected is not None and expected != point.version:
        raise VersionConflict(point.version)
    now = clock.now()
    changed = SupplyPoint.model_validate(
        point.model_dump()
        | update.changes()
        | {
            "registered": True,
            "created_at": point.created_at or now,
            "updated_at": now,
            "version": point.version + 1,
        }
    )
    if not repository.save_supply_point(changed, point.version):
        current = repository.get_supply_point(caller.organization_id, facility_id, point_id)
        raise VersionConflict(current.version if current else 0)
    return changed
