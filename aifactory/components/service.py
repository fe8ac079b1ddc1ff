"""What every data and AI service component shares: where it lives, and how it hands out access."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi

from aifactory.access import Role
from aifactory.components.base import ComponentSettings, FactoryComponent
from aifactory.components.monitoring import attach_diagnostics
from aifactory.components.private_endpoint import EndpointPlacement, add_endpoints
from aifactory.components.rbac import Grantee, grant, optional_parent
from aifactory.naming import NamingContext, ResourceKind, resource_name


@dataclass(frozen=True)
class ServicePlacement:
    """Where a project's service goes: names, resource group, endpoints, and diagnostics sink."""

    naming: NamingContext
    resource_group_name: pulumi.Input[str]
    endpoints: EndpointPlacement
    log_analytics_workspace_id: pulumi.Input[str]
    project: Optional[str] = None

    @property
    def location(self) -> str:
        return self.endpoints.location

    def name(self, kind: ResourceKind, qualifier: Optional[str] = None) -> str:
        return resource_name(kind, self.naming, project=self.project, qualifier=qualifier)


class ServiceComponent(FactoryComponent):
    """Base of service components: private endpoints, diagnostics, and ``grant_role`` at its scope."""

    _scope: pulumi.Input[str]
    _scope_key: str

    def __init__(
        self,
        type_token: str,
        name: str,
        placement: ServicePlacement,
        settings: ComponentSettings,
        opts: Optional[pulumi.ResourceOptions],
    ) -> None:
        super().__init__(type_token, name, settings, opts)
        self.placement = placement

    def _expose(self, resource: pulumi.CustomResource, azure_name: str, kind: str) -> None:
        """Record the resource that grants are scoped to."""
        self._scope = resource.id
        self._scope_key = f"{kind}:{self.placement.naming.subscription_id}/{azure_name}"

    def _private_endpoints(self, resource_id: pulumi.Input[str], group_ids: tuple[str, ...], qualifier: str) -> None:
        add_endpoints(
            self,
            resource_id=resource_id,
            group_ids=group_ids,
            placement=self.placement.endpoints,
            naming=self.placement.naming,
            qualifier=qualifier,
            project=self.placement.project,
            settings=self._settings,
        )

    def _diagnostics(self, suffix: str, resource_id: pulumi.Input[str], *, logs: bool = True) -> None:
        attach_diagnostics(self, suffix, resource_id, self.placement.log_analytics_workspace_id, logs=logs)

    def grant_role(self, grantee: Grantee, role: Role, parent: Optional[pulumi.Resource] = None) -> None:
        """Assign any role (from the role matrix) at this service's scope."""
        grant(
            name=self.child_name("ra"),
            scope=self._scope,
            scope_key=self._scope_key,
            grantee=grantee,
            role=role,
            subscription_id=self.placement.naming.subscription_id,
            parent=optional_parent(parent, self),
        )


def system_identity_grantee(resource: pulumi.CustomResource, key: str) -> Grantee:
    """The system-assigned identity of ``resource`` as a grantee (key known at plan time)."""
    principal = resource.identity.apply(lambda identity: identity.principal_id if identity else None)  # type: ignore[attr-defined]
    return Grantee.identity(principal, key)
