"""Facilities and custom emission factors: an organization's own records."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from carbon_accounting.errors import FacilityNotFound, VersionConflict
from carbon_accounting.models import CustomEmissionFactor, Facility, Organization
from carbon_accounting.repository.records import Changes
from carbon_accounting.repository.table import (
    Stale,
    batch_get,
    get_item,
    item_key,
    org_pk,
    put_new,
    query,
    query_prefix,
    update,
)


def facility_sk(facility_id: UUID) -> str:
    return f"FACILITY#{facility_id}"


def put_facility(facility: Facility) -> None:
    put_new(
        org_pk(facility.organization_id),
        facility_sk(facility.id),
        "facility",
        facility.model_dump(mode="json"),
    )


def get_facility(organization_id: UUID, facility_id: UUID) -> Facility | None:
    item = get_item(item_key(org_pk(organization_id), facility_sk(facility_id)))
    return Facility.model_validate(item) if item else None


def get_facilities(keys: Iterable[tuple[UUID, UUID]]) -> dict[UUID, Facility]:
    """The facilities that exist among ``(organization id, facility id)`` keys, in one request."""
    items = batch_get([item_key(org_pk(org), facility_sk(facility)) for org, facility in set(keys)])
    return {facility.id: facility for facility in map(Facility.model_validate, items)}


def get_organizations_and_facilities(
    organization_ids: Iterable[UUID], keys: Iterable[tuple[UUID, UUID]]
) -> tuple[dict[UUID, Organization], dict[UUID, Facility]]:
    """``get_organizations`` and ``get_facilities`` in one request (at most 100 keys together): what
    an invoice's allocation reads."""
    organization_keys = [item_key(org_pk(org), "ORG") for org in set(organization_ids)]
    items = batch_get(
        organization_keys + [item_key(org_pk(org), facility_sk(facility)) for org, facility in set(keys)]
    )
    organizations = [Organization.model_validate(item) for item in items if item["sk"] == "ORG"]
    facilities = [Facility.model_validate(item) for item in items if item["sk"] != "ORG"]
    return {each.id: each for each in organizations}, {each.id: each for each in facilities}


def list_facilities(organization_id: UUID) -> list[Facility]:
    """Every facility of one organization: one Query on its partition, never a Scan."""
    return [Facility.model_validate(item) for item in query_prefix(org_pk(organization_id), "FACILITY#")]


def update_facility(
    organization_id: UUID,
    facility_id: UUID,
    changes: Changes,
    updated_at: str,
    expected_version: int | None = None,
) -> Facility:
    """Apply ``changes`` to a facility; with ``expected_version``, only if it still has that version.

    Raises ``FacilityNotFound`` or ``VersionConflict``.
    """
    key = item_key(org_pk(organization_id), facility_sk(facility_id))
    try:
        return Facility.model_validate(update(key, changes, updated_at, expected_version))
    except Stale as stale:
        if stale.current is None:
            raise FacilityNotFound() from None
        raise VersionConflict(int(stale.current["version"])) from None


def put_custom_emission_factor(factor: CustomEmissionFactor) -> None:
    put_new(
        org_pk(factor.organization_id),
        f"CEF#{factor.id}",
        "custom_emission_factor",
        factor.model_dump(mode="json"),
    )


def get_custom_emission_factor(organization_id: UUID, factor_id: UUID) -> CustomEmissionFactor | None:
    item = get_item(item_key(org_pk(organization_id), f"CEF#{factor_id}"))
    return CustomEmissionFactor.model_validate(item) if item else None


def list_custom_emission_factors(organization_id: UUID) -> list[CustomEmissionFactor]:
    """Every custom factor of one organization: one Query on its partition."""
    items = query(
        KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues={":pk": {"S": org_pk(organization_id)}, ":prefix": {"S": "CEF#"}},
    )
    return [CustomEmissionFactor.model_validate(item) for item in items]
