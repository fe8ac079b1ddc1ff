"""Role assignments: who gets a role (a Grantee) and the one function that assigns it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi
from pulumi_azure_native import authorization

from aifactory.access import Role, role_assignment_name, role_definition_id


@dataclass(frozen=True)
class Grantee:
    """A principal to grant roles to.

    ``key`` identifies the principal deterministically at plan time (an Entra object id, or a
    managed identity's resource name), so assignment names are known before anything exists.
    """

    principal_id: pulumi.Input[str]
    principal_type: str
    key: str

    @staticmethod
    def entra(object_id: str, principal_type: str) -> "Grantee":
        return Grantee(principal_id=object_id, principal_type=principal_type, key=object_id)

    @staticmethod
    def identity(principal_id: pulumi.Input[str], resource_key: str) -> "Grantee":
        return Grantee(principal_id=principal_id, principal_type="ServicePrincipal", key=resource_key)


def grant(
    *,
    name: str,
    scope: pulumi.Input[str],
    scope_key: str,
    grantee: Grantee,
    role: Role,
    subscription_id: str,
    parent: pulumi.Resource,
) -> authorization.RoleAssignment:
    """Assign ``role`` to ``grantee`` at ``scope``; the assignment name is a deterministic GUID."""
    assignment = role_assignment_name(scope_key, grantee.key, role)
    return authorization.RoleAssignment(
        f"{name}-{assignment[:8]}",
        role_assignment_name=assignment,
        scope=scope,
        principal_id=grantee.principal_id,
        principal_type=grantee.principal_type,
        role_definition_id=role_definition_id(subscription_id, role),
        opts=pulumi.ResourceOptions(parent=parent),
    )


def optional_parent(parent: Optional[pulumi.Resource], default: pulumi.Resource) -> pulumi.Resource:
    return parent if parent is not None else default
