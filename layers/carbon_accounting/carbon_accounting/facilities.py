"""Facilities: the sites of an organization that invoices are allocated to."""

from __future__ import annotations

import re
from uuid import UUID

from carbon_accounting import clock, ids, repository
from carbon_accounting.cups import normalize_cups
from carbon_accounting.errors import BadRequest, FacilityNotFound
from carbon_accounting.models import (
    Caller,
    Facility,
    FacilityCreate,
    FacilityStatus,
    FacilityUpdate,
    Page,
)
from carbon_accounting.versions import parse_if_match


def _normalized_cups_list(cups_list: list[str]) -> list[str]:
    """Each CUPS validated and compacted, duplicates dropped, order kept."""
    return list(dict.fromkeys(normalize_cups(cups) for cups in cups_list))


US_ZIP_PATTERN = re.compile(r"^(\d{5})(?:-\d{4})?$")


def _check_location(country: str, subdivision: str | None, postal_code: str | None) -> None:
    """A subdivision of the facility's country; a US ZIP code that eGRID's map knows, in that state.

    These choose the facility's grid factor (docs/methodology.md), so a wrong one is refused rather
    than silently computed with the national rate.
    """
    if subdivision and not subdivision.startswith(f"{country}-"):
        raise BadRequest(
            f"subdivision {subdivision} is not in {country}: ISO 3166-2 codes start with the country",
            "INVALID_SUBDIVISION",
            "subdivision",
        )
    if country != "US" or not postal_code:
        return
    zip_code = US_ZIP_PATTERN.match(postal_code)
    if zip_code is None:
        raise BadRequest(
            f"postal_code {postal_code!r} is not a US ZIP code (12345 or 12345-6789)",
            "INVALID_POSTAL_CODE",
            "postal_code",
        )
    from carbon_accounting.emissions.factors import egrid_zip

    found = egrid_zip(zip_code.group(1))
    if found is None:
        raise BadRequest(
            f"ZIP code {zip_code.group(1)} is not in EPA eGRID's ZIP code map",
            "UNKNOWN_POSTAL_CODE",
            "postal_code",
        )
    state, _ = found
    if subdivision and subdivision != f"US-{state}":
        raise BadRequest(
            f"ZIP code {zip_code.group(1)} is in US-{state}, not {subdivision}",
            "INVALID_SUBDIVISION",
            "subdivision",
        )


def register_facility(
    organization_id: UUID,
    data: FacilityCreate,
    *,
    facility_id: UUID | None = None,
    status: FacilityStatus = FacilityStatus.ACTIVE,
) -> Facility:
    """Store a new facility of the organization (the API and the seed loader both come here)."""
    _check_location(data.country, data.subdivision, data.postal_code)
    now = clock.now()
    facility = Facility(
        id=facility_id or ids.new_id(),
        organization_id=organization_id,
        name=data.name,
        country=data.country,
        type=data.type,
        address=data.address,
        cups_list=_normalized_cups_list(data.cups_list),
        subdivision=data.subdivision,
        postal_code=data.postal_code,
        status=status,
        version=1,
        created_at=now,
        updated_at=now,
    )
    repository.put_facility(facility)
    return facility


def create_facility(caller: Caller, data: FacilityCreate) -> Facility:
    """Register a new, active facility for the caller's organization."""
    return register_facility(caller.organization_id, data)


def get_facility(caller: Caller, facility_id: UUID) -> Facility:
    facility = repository.get_facility(caller.organization_id, facility_id)
    if facility is None:
        raise FacilityNotFound()
    return facility


def list_facilities(
    caller: Caller,
    page: int,
    size: int,
    statuses: list[FacilityStatus] | None = None,
    country: str | None = None,
    name: str | None = None,
) -> Page[Facility]:
    """One page of the organization's facilities, by name, after filtering.

    Reads the organization's facilities with one Query on its own partition: the cost follows
    the organization's number of facilities, never the size of the table.
    """
    needle = name.casefold() if name else None
    matching = [
        facility
        for facility in repository.list_facilities(caller.organization_id)
        if (not statuses or facility.status in statuses)
        and (country is None or facility.country == country)
        and (needle is None or needle in facility.name.casefold())
    ]
    matching.sort(key=lambda facility: (facility.name.casefold(), str(facility.id)))
    return Page[Facility].of(matching, page, size)


def update_facility(
    caller: Caller, facility_id: UUID, update: FacilityUpdate, if_match: str | None = None
) -> Facility:
    """Apply a partial update in one conditional write; ``If-Match`` makes it optimistic."""
    changes = update.changes()
    expected_version = parse_if_match(if_match)
    if changes.keys() & {"country", "subdivision", "postal_code"}:
        # The location is checked as a whole, so the write is conditional on the version it was read at.
        current = get_facility(caller, facility_id)
        if expected_version is None:
            expected_version = current.version
        location = {
            name: changes.get(name, getattr(current, name))
            for name in ("country", "subdivision", "postal_code")
        }
        _check_location(**location)
    if "cups_list" in changes:
        changes["cups_list"] = _normalized_cups_list(update.cups_list or [])
    if "status" in changes:
        changes["status"] = str(changes["status"])
    return repository.update_facility(
        caller.organization_id,
        facility_id,
        changes,
        updated_at=clock.now(),
        expected_version=expected_version,
    )
