"""Load a seed file of tenants into the table: organizations, API keys, users and facilities.

The seed format is a contract (black-box tests outside the repo use it): extend it, don't change it.

    {"organizations": [{"id": "<uuid>", "name": "Acme", "parent_id": null,
      "api_keys": ["sk_test_..."], "users": [{"id": "<uuid>", "email": "a@acme.test"}],
      "facilities": [{"id": "<uuid>", "name": "Madrid Office", "country": "ES", "status": "active"}]}]}

Facilities are validated with the API's own request model, so a seed cannot hold what the API
would refuse. Writes go through the repository, so the seeded items have the API's key layout.
"""

from __future__ import annotations

import json
from pathlib import Path
from uuid import UUID

from pydantic import BaseModel, Field

from carbon_accounting import repository
from carbon_accounting.auth import hash_api_key
from carbon_accounting.facilities import register_facility
from carbon_accounting.models import ApiKey, FacilityCreate, FacilityStatus, Organization, User


class SeedFacility(FacilityCreate):
    id: UUID
    status: FacilityStatus = FacilityStatus.ACTIVE


class SeedOrganization(BaseModel):
    id: UUID
    name: str
    parent_id: UUID | None = None
    api_keys: list[str] = Field(default_factory=list)
    users: list[User] = Field(default_factory=list)
    facilities: list[SeedFacility] = Field(default_factory=list)


class Seed(BaseModel):
    organizations: list[SeedOrganization]


def load_seed(path: Path) -> Seed:
    """Write every tenant of the seed file at ``path``; parents are written before subsidiaries."""
    seed = Seed.model_validate(json.loads(path.read_text()))
    ancestors: dict[UUID, list[UUID]] = {}
    for org in _parents_first(seed.organizations):
        ancestors[org.id] = [org.parent_id, *ancestors[org.parent_id]] if org.parent_id else []
        repository.put_organization(
            Organization(id=org.id, name=org.name, parent_id=org.parent_id, ancestors=ancestors[org.id])
        )
        for api_key in org.api_keys:
            key_hash = hash_api_key(api_key)
            repository.put_api_key(ApiKey(key_hash=key_hash, key_id=key_hash[:12], organization_id=org.id))
        for user in org.users:
            repository.put_user(org.id, user)
        for facility in org.facilities:
            data = FacilityCreate.model_validate(facility.model_dump(exclude={"id", "status"}))
            register_facility(org.id, data, facility_id=facility.id, status=facility.status)
    return seed


def _parents_first(organizations: list[SeedOrganization]) -> list[SeedOrganization]:
    by_id = {org.id: org for org in organizations}
    ordered: list[SeedOrganization] = []
    placed: set[UUID] = set()

    def place(org: SeedOrganization, path: tuple[UUID, ...]) -> None:
        if org.id in placed:
            return
        if org.id in path:
            raise ValueError(f"organization {org.id} is its own ancestor")
        if org.parent_id is not None:
            if org.parent_id not in by_id:
                raise ValueError(f"organization {org.id} names an unknown parent {org.parent_id}")
            place(by_id[org.parent_id], (*path, org.id))
        placed.add(org.id)
        ordered.append(org)

    for org in organizations:
        place(org, ())
    return ordered
