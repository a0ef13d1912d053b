"""An organization's emission-factor policy: whether its invoices follow newer dataset versions.

``latest`` (the default): the scheduled recalculation recomputes an invoice when a newer dataset
version changes the factors of its type and years. ``pinned``: invoices keep the figures they were
computed with until they are edited or a recalculation is requested. New invoices, edits and requested
recalculations always use the current data, whatever the policy.
"""

from carbon_accounting import clock, repository
from carbon_accounting.base import Model
from carbon_accounting.errors import OrganizationNotFound
from carbon_accounting.models import Caller, FactorPolicy, RequestModel


class FactorPolicySetting(RequestModel):
    policy: FactorPolicy


class FactorPolicyView(Model):
    organization_id: str
    policy: FactorPolicy


def get_policy(caller: Caller) -> FactorPolicyView:
    organization = repository.get_organization(caller.organization_id)
    if organization is None:
        raise OrganizationNotFound(caller.organization_id)
    return FactorPolicyView(organization_id=str(organization.id), policy=organization.emission_factor_policy)


def set_policy(caller: Caller, setting: FactorPolicySetting) -> FactorPolicyView:
    organization = repository.set_factor_policy(caller.organization_id, setting.policy, clock.now())
    if organization is None:
        raise OrganizationNotFound(caller.organization_id)
    return FactorPolicyView(organization_id=str(organization.id), policy=organization.emission_factor_policy)
