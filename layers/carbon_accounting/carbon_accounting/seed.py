"""Load a seed file of tenants into the table: organizations, API keys, users, facilities and
invoices.

The seed format is a contract (black-box tests outside the repo use it): extend it, don't change it.

    {"organizations": [{"id": "<uuid>", "name": "Acme", "parent_id": null,
      "api_keys": ["sk_test_..."], "users": [{"id": "<uuid>", "email": "a@acme.test"}],
      "facilities": [{"id": "<uuid>", "name": "Madrid Office", "country": "ES", "status": "active"}]}]}

Facilities and invoices (``"invoices": [{"id": "<uuid>", ...POST /v1/invoices body}]``, optional)
are validated with the API's own request models and rules, so a seed cannot hold what the API would
refuse; an invoice is written ``loading``, as the API writes it, and the table's stream computes it.
Writes go through the repository, so the seeded items have the API's key layout. Loading is
idempotent: what exists already is left as it is (``make dev PERSIST=1`` resumes a table, and
``python -m carbon_accounting.admin seed`` may run twice against a deployed one).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

from pydantic import Field

from carbon_accounting import repository, tenants
from carbon_accounting.base import Model
from carbon_accounting.facilities import register_facility
from carbon_accounting.invoices import rules
from carbon_accounting.invoices.models import InvoiceCreate
from carbon_accounting.models import Caller, FacilityCreate, FacilityStatus, User


class SeedFacility(FacilityCreate):
    id: UUID
    status: FacilityStatus = FacilityStatus.ACTIVE


class SeedInvoice(InvoiceCreate):
    id: UUID


class SeedOrganization(Model):
    id: UUID
    name: str
    parent_id: UUID | None = None
    api_keys: list[str] = Field(default_factory=list)
    users: list[User] = Field(default_factory=list)
    facilities: list[SeedFacility] = Field(default_factory=list)
    invoices: list[SeedInvoice] = Field(default_factory=list)


class Seed(Model):
    organizations: list[SeedOrganization]


def load_seed(path: Path) -> Seed:
    """Write every tenant of the seed file at ``path`` that is not in the table yet."""
    seed = read_seed(path)
    write_seed(seed)
    return seed


def read_seed(path: Path) -> Seed:
    return Seed.model_validate(json.loads(path.read_text()))


def write_seed(seed: Seed) -> Counter[str]:
    """Write the seed's items, parents before subsidiaries; how many were ``created`` and how many
    ``existing`` (left as they are)."""
    counts: Counter[str] = Counter()

    def write(put: Callable[..., object], *args: Any, **kwargs: Any) -> None:
        try:
            put(*args, **kwargs)
        except (repository.client().exceptions.ConditionalCheckFailedException, tenants.AlreadyExists):
            counts["existing"] += 1
        else:
            counts["created"] += 1

    for org in _parents_first(seed.organizations):
        write(tenants.create_organization, org.name, org.parent_id, organization_id=org.id)
        for api_key in org.api_keys:
            write(repository.put_api_key, tenants.stored_key(org.id, api_key))
        for user in org.users:
            write(repository.put_user, org.id, user)  # the organization was just written or found
        for facility in org.facilities:
            data = FacilityCreate.model_validate(facility.model_dump(exclude={"id", "status"}))
            write(register_facility, org.id, data, facility_id=facility.id, status=facility.status)
    for org in seed.organizations:  # after every facility: an invoice may share into a subsidiary's
        caller = Caller(organization_id=org.id, principal="seed")
        for invoice in org.invoices:
            if repository.get_invoice(org.id, invoice.id) is not None:
                counts["existing"] += 1
                continue
            request = InvoiceCreate.model_validate(invoice.model_dump(exclude={"id"}))
            prepared = rules.prepare_invoice(caller, request, invoice_id=invoice.id)
            repository.create_invoices(prepared.invoices, prepared.facilities)
            counts["created"] += 1  # loading: the table's stream computes it
    return counts


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
