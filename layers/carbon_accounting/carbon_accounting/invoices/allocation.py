"""How an invoice is split across facilities: ``facility_percentages`` made into checked allocations.

A distributed invoice is written in one DynamoDB transaction: the parent, one child per facility,
and a check per facility that it is still active. TransactWriteItems takes at most 100 actions, so
an invoice can be split across at most ``MAX_FACILITIES`` facilities (2 x 49 + 1 = 99 actions).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from uuid import UUID

from carbon_accounting import repository
from carbon_accounting.errors import BadRequest, Forbidden, OrganizationNotFound
from carbon_accounting.invoices.models import FacilityPercentage, InvoiceCreate
from carbon_accounting.models import Caller, Facility, FacilityStatus, Organization
from carbon_accounting.repository import Reads

MAX_FACILITIES = 49
PERCENTAGE_TOLERANCE = 1e-9
_SHARES = "facility_percentages"


@dataclass(frozen=True)
class Allocation:
    """One facility's share of an invoice, after every check. Its names are the records' own: the
    ``company_name`` and ``facility_name`` a request may send are ignored (a client could otherwise
    label a share with another organization's name, or markup)."""

    facility: Facility
    percentage: float
    organization: Organization


def allocate(caller: Caller, data: InvoiceCreate, reads: Reads = repository) -> list[Allocation]:
    """Check the requested shares and the facilities they name; raise the API's error otherwise."""
    shares = _requested_shares(caller, data)
    if len(shares) > MAX_FACILITIES:
        raise BadRequest(
            f"An invoice can be split across at most {MAX_FACILITIES} facilities",
            "TOO_MANY_FACILITIES",
            _SHARES,
        )
    seen: set[UUID] = set()
    for share in shares:
        if share.facility_id in seen:
            raise BadRequest(
                f"Facility {share.facility_id} appears more than once", "INVALID_FACILITY", _SHARES
            )
        seen.add(share.facility_id)
    total = math.fsum(share.percentage for share in shares)
    if abs(total - 1.0) > PERCENTAGE_TOLERANCE:
        raise BadRequest(
            f"Percentages add up to {total:g}; they must add up to 1.0", "INVALID_TOTAL_PERCENTAGE", _SHARES
        )

    organizations, facilities = reads.get_organizations_and_facilities(
        {share.organization_id for share in shares},
        [(share.organization_id, share.facility_id) for share in shares],
    )
    for share in shares:
        organization = organizations.get(share.organization_id)
        if organization is None:
            raise OrganizationNotFound(share.organization_id)
        if caller.organization_id not in organization.lineage:
            raise Forbidden()
    allocations = []
    for share in shares:
        facility = facilities.get(share.facility_id)
        if facility is None or facility.organization_id != share.organization_id:
            raise BadRequest(
                f"Facility {share.facility_id} does not belong to organization {share.organization_id}",
                "INVALID_FACILITY",
                _SHARES,
            )
        if facility.status is not FacilityStatus.ACTIVE:
            raise BadRequest(f"Facility {share.facility_id} is archived", "INVALID_FACILITY", _SHARES)
        allocations.append(Allocation(facility, share.percentage, organizations[share.organization_id]))
    return allocations


def _requested_shares(caller: Caller, data: InvoiceCreate) -> list[FacilityPercentage]:
    """The shares asked for; the deprecated ``facility_id`` alone means that facility at 1.0."""
    if data.facility_percentages:
        return data.facility_percentages
    if data.facility_id:
        return [
            FacilityPercentage(
                organization_id=caller.organization_id, facility_id=data.facility_id, percentage=1
            )
        ]
    raise BadRequest("facility_percentages is required", "MISSING_REQUIRED_FIELD", _SHARES)
