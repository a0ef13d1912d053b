"""Custom emission factors: an organization's own kg CO2e per unit (a supplier's disclosed mix, a
process's measured intensity). They override the default factors of heat, electricity and recharge
invoices and are the only factor of process invoices. Invoices keep a copy of the factor they were
created with, so an audited figure never changes behind the user's back.
"""

from __future__ import annotations

from uuid import UUID

from carbon_accounting import clock, emissions, ids, repository
from carbon_accounting.errors import BadRequest
from carbon_accounting.models import Caller, CustomEmissionFactor, CustomEmissionFactorCreate
from carbon_accounting.repository import Reads


def create_custom_emission_factor(caller: Caller, data: CustomEmissionFactorCreate) -> CustomEmissionFactor:
    if emissions.unit(data.unit_id) is None:
        raise BadRequest(f"Unknown unit_id {data.unit_id}", "INVALID_UNIT")
    if data.valid_from and data.valid_to and data.valid_to < data.valid_from:
        raise BadRequest("valid_to is before valid_from", "INVALID_DATE_RANGE")
    now = clock.now()
    factor = CustomEmissionFactor(
        id=ids.new_id(),
        organization_id=caller.organization_id,
        version=1,
        created_at=now,
        updated_at=now,
        **dict(data),
    )
    repository.put_custom_emission_factor(factor)
    return factor


def list_custom_emission_factors(caller: Caller) -> list[CustomEmissionFactor]:
    """The organization's factors, by name."""
    factors = repository.list_custom_emission_factors(caller.organization_id)
    return sorted(factors, key=lambda factor: (factor.name.casefold(), str(factor.id)))


def get_custom_emission_factor(
    caller: Caller, factor_id: UUID, reads: Reads = repository
) -> CustomEmissionFactor:
    """A factor of the caller's organization, for an invoice to use; 400 if there is none."""
    factor = reads.get_custom_emission_factor(caller.organization_id, factor_id)
    if factor is None:
        raise BadRequest(
            f"Unknown custom_emission_factor_id {factor_id}",
            "INVALID_CUSTOM_EMISSION_FACTOR",
            "custom_emission_factor_id",
        )
    return factor
