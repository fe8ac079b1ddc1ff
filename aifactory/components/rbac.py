"""Role assignments: who gets a role (a Grantee) and the one function that assigns it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi

from aifactory.components.arm import AzureResource
from aifactory.core.access import Role, principal_key, role_assignment_name, role_definition_id
from aifactory.core.arm_ids import subscription_of

ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"


@dataclass(frozen=True)
class Grantee:
    """A principal to grant roles to.

    ``key`` identifies the principal deterministically at plan time (an Entra object id, or a
    managed identity's :func:`~aifactory.core.access.principal_key`), so assignment names are known
    before anything exists.
    """

    principal_id: pulumi.Input[str]
    principal_type: str
    key: str

    @staticmethod
    def entra(object_id: str, principal_type: str) -> "Grantee":
        return Grantee(principal_id=object_id, principal_type=principal_type, key=object_id.lower())

    @staticmethod
    def identity(principal_id: pulumi.Input[str], kind: str, subscription_id: str, name: str) -> "Grantee":
        """A managed identity (user-assigned, or a resource's system-assigned one), known by kind and name."""
        return Grantee(principal_id=principal_id, principal_type="ServicePrincipal", key=principal_key(kind, subscription_id, name))


def grant(
    *,
    name: str,
    scope: pulumi.Input[str],
    scope_key: str,
    grantee: Grantee,
    role: Role,
    subscription_id: Optional[str],
    parent: pulumi.Resource,
    opts: Optional[pulumi.ResourceOptions] = None,
) -> AzureResource:
    """Assign ``role`` to ``grantee`` at ``scope``; the assignment name is a deterministic GUID.

    The role definition is named in the scope's subscription: ``subscription_id``, or, when None (a scope in
    another subscription, known only as an output), the subscription the scope's id names.
    """
    assignment = role_assignment_name(scope_key, grantee.key, role)
    definition: pulumi.Input[str] = (
        role_definition_id(subscription_id, role)
        if subscription_id is not None
        else pulumi.Output.from_input(scope).apply(lambda s: role_definition_id(subscription_of(s) or "", role))
    )
    return AzureResource(
        ROLE_ASSIGNMENT,
        f"{name}-{assignment[:8]}",
        {
            "roleAssignmentName": assignment,
            "scope": scope,
            "principalId": grantee.principal_id,
            "principalType": grantee.principal_type,
            "roleDefinitionId": definition,
        },
        pulumi.ResourceOptions.merge(pulumi.ResourceOptions(parent=parent), opts),
    )


def optional_parent(parent: Optional[pulumi.Resource], default: pulumi.Resource) -> pulumi.Resource:
    return parent if parent is not None else default
