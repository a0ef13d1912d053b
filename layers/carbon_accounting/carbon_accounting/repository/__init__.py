"""The DynamoDB repository: the only package that speaks DynamoDB.

One table; every item of an organization lives in that organization's partition, so a request
scoped to organization A cannot address B's items by key (docs/data-model.md has the layout):

    pk                     sk                      item
    ORG#<org>              ORG                     organization (name, parent_id, ancestors)
    ORG#<org>              USER#<user>             a user's membership of the organization
    ORG#<org>              FACILITY#<facility>     facility
    ORG#<org>              CEF#<factor>            custom emission factor
    ORG#<org>              INVOICE#<invoice>       invoice (a distributed invoice's children live
                                                   under their facility's organization)
    ORG#<org>              FILE#<file>             an attachment's record (the object is in S3)
    ORG#<org>              IMPORT#<job>            a bulk import job (the CSV is in S3)
    ORG#<org>              HISTORY#<invoice>#<v>   an invoice's figures after its calculation at version v
    ORG#<org>              RECALC#<job>            a requested recalculation
    ORG#<org>              IDEMPOTENCY#<fn>#<md5>  an Idempotency-Key's record (carbon_accounting.idempotency)
    ORG#<org>              ROLLUP#...              counts and monthly figures (carbon_accounting.rollups)
    ORG#<org>              APPLIED#<invoice>       the last change of the invoice the rollups have applied
    ORG#<org>              SUPPLY#<facility>#<id>  a registered supply point (carbon_accounting.supply)
    APIKEY#<sha256>        APIKEY                  credential index: the key's organization
    RECALCULATION          SCHEDULE                the scheduled recalculation's run and checkpoint

The API-key index and the schedule's run are the items outside an organization: the key is what
tells us the organization, and it can only be addressed by someone who already holds the key; the
run is the system's own.

One module per aggregate (``organizations``, ``facilities``, ``invoices``, ``documents``, ``files``,
``imports``, ``history``, ``recalculation``, ``rollups``,
``supply_points``) over ``table``, the shared core: the client,
the item codec (numbers stored at a fixed precision and read back exactly, for reads and stream
images alike), keys, paging, conditional writes and transactions. ``records`` names the shape of
every stored item kind; every function here takes and returns those. Callers use the functions this
package exports, as ``repository.get_invoice(...)``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol
from uuid import UUID

from carbon_accounting.models import CustomEmissionFactor, Facility, Organization
from carbon_accounting.repository.facilities import (
    get_custom_emission_factor,
    get_facilities,
    get_facility,
    get_organizations_and_facilities,
    list_custom_emission_factors,
    list_facilities,
    put_custom_emission_factor,
    put_facility,
    update_facility,
)
from carbon_accounting.repository.files import get_file, put_files, settle_file
from carbon_accounting.repository.history import delete_invoice_history, invoice_history
from carbon_accounting.repository.imports import (
    claim_import_job,
    get_import_job,
    put_import_job,
    update_import_job,
    write_import_chunk,
)
from carbon_accounting.repository.invoices import (
    InvoiceUpdate,
    create_invoices,
    delete_invoices,
    facility_invoices,
    fix_status_index,
    get_invoice,
    get_invoices,
    index_position,
    organization_invoices,
    settle_invoice,
    stale_status_index,
    update_invoices,
)
from carbon_accounting.repository.organizations import (
    delete_user,
    find_api_key,
    get_api_key_and_organization,
    get_organization,
    get_organizations,
    get_users,
    list_api_keys,
    list_organizations,
    list_subsidiaries,
    list_users,
    member_of_any,
    put_api_key,
    put_organization,
    put_user,
    record_api_key_use,
    rename_organization,
    revoke_api_key,
    rotate_api_key,
    set_factor_policy,
    set_stale_after_months,
)
from carbon_accounting.repository.recalculation import (
    IndexRange,
    abandoned_imports_range,
    abandoned_recalculations_range,
    get_recalculation,
    get_stored_recalculation,
    index_page,
    put_recalculation,
    stale_range,
    stuck_ranges,
    update_recalculation,
)
from carbon_accounting.repository.rollups import (
    Mark,
    MarkMove,
    MarkMoved,
    RollupWrite,
    changed_organizations,
    get_rollup,
    get_rollup_marks,
    note_changed_organizations,
    organization_invoice_items,
    organization_rollup_marks,
    organization_rollups,
    rollup_cells,
    write_rollups,
)
from carbon_accounting.repository.supply_points import (
    coverage_cells,
    coverage_cells_of,
    get_supply_point,
    get_supply_point_cell,
    put_supply_point,
    save_supply_point,
    stored_supply_points,
    supply_point_cells,
)
from carbon_accounting.repository.table import client, stream_images


class Reads(Protocol):
    """The reads an invoice's checks make: this module itself, or a cache of it (a bulk import)."""

    def get_organizations(self, organization_ids: Iterable[UUID]) -> dict[UUID, Organization]: ...

    def get_facilities(self, keys: Iterable[tuple[UUID, UUID]]) -> dict[UUID, Facility]: ...

    def get_organizations_and_facilities(
        self, organization_ids: Iterable[UUID], keys: Iterable[tuple[UUID, UUID]]
    ) -> tuple[dict[UUID, Organization], dict[UUID, Facility]]: ...

    def get_custom_emission_factor(
        self, organization_id: UUID, factor_id: UUID
    ) -> CustomEmissionFactor | None: ...


__all__ = [
    "IndexRange",
    "InvoiceUpdate",
    "Mark",
    "MarkMove",
    "MarkMoved",
    "Reads",
    "RollupWrite",
    "abandoned_imports_range",
    "abandoned_recalculations_range",
    "changed_organizations",
    "claim_import_job",
    "client",
    "coverage_cells",
    "coverage_cells_of",
    "create_invoices",
    "delete_invoice_history",
    "delete_invoices",
    "delete_user",
    "facility_invoices",
    "find_api_key",
    "fix_status_index",
    "get_api_key_and_organization",
    "get_custom_emission_factor",
    "get_facilities",
    "get_facility",
    "get_file",
    "get_import_job",
    "get_invoice",
    "get_invoices",
    "get_organization",
    "get_organizations",
    "get_organizations_and_facilities",
    "get_recalculation",
    "get_rollup",
    "get_rollup_marks",
    "get_stored_recalculation",
    "get_supply_point",
    "get_supply_point_cell",
    "get_users",
    "index_page",
    "index_position",
    "invoice_history",
    "list_api_keys",
    "list_custom_emission_factors",
    "list_facilities",
    "list_organizations",
    "list_subsidiaries",
    "list_users",
    "member_of_any",
    "note_changed_organizations",
    "organization_invoice_items",
    "organization_invoices",
    "organization_rollup_marks",
    "organization_rollups",
    "put_api_key",
    "put_custom_emission_factor",
    "put_facility",
    "put_files",
    "put_import_job",
    "put_organization",
    "put_recalculation",
    "put_supply_point",
    "put_user",
    "record_api_key_use",
    "rename_organization",
    "revoke_api_key",
    "rollup_cells",
    "rotate_api_key",
    "save_supply_point",
    "set_factor_policy",
    "set_stale_after_months",
    "settle_file",
    "settle_invoice",
    "stale_range",
    "stale_status_index",
    "stored_supply_points",
    "stream_images",
    "stuck_ranges",
    "supply_point_cells",
    "update_facility",
    "update_import_job",
    "update_invoices",
    "update_recalculation",
    "write_import_chunk",
    "write_rollups",
]
