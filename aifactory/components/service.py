"""What every data and AI service component shares: where it lives, how it hands out access, and
what a service's build step receives inside a project.

A service in the catalog names a build function (``module:function``) that takes a
:class:`ServiceContext` and returns a :class:`BuiltService`. The generic project builder
(``aifactory.build.services``) makes the context, calls the function, then applies the spec's role
rows and wiring through :meth:`ServiceComponent.grant_role`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

import pulumi

from aifactory.components.base import ComponentSettings, FactoryComponent
from aifactory.components.datalake import LakeAccountRef
from aifactory.components.monitoring import attach_diagnostics
from aifactory.components.private_endpoint import EndpointPlacement, add_endpoints
from aifactory.components.rbac import Grantee, grant, optional_parent
from aifactory.components.stateful import Protection
from aifactory.core.access import Role
from aifactory.core.naming import NamingContext, ResourceKind, resource_name
from aifactory.core.profiles import EnvironmentProfile


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

    def _private_endpoints(
        self,
        resource_id: pulumi.Input[str],
        group_ids: tuple[str, ...],
        qualifier: str,
        depends_on: Optional[list[pulumi.Resource]] = None,
    ) -> None:
        add_endpoints(
            self,
            resource_id=resource_id,
            group_ids=group_ids,
            placement=self.placement.endpoints,
            naming=self.placement.naming,
            qualifier=qualifier,
            project=self.placement.project,
            settings=self._settings,
            depends_on=depends_on,
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


def system_identity_grantee(resource: Any, kind: str, naming: NamingContext, name: str) -> Grantee:
    """The system-assigned identity of ``resource`` as a grantee (its key known at plan time)."""
    principal = resource.output("identity").apply(lambda identity: (identity or {}).get("principalId"))
    return Grantee.identity(principal, kind, naming.subscription_id, name)


@dataclass(frozen=True)
class SpokeNetwork:
    """The project's spoke as its services see it: VNet, subnets by template name, egress."""

    vnet_id: pulumi.Input[str]
    subnet_ids: Mapping[str, pulumi.Input[str]]
    subnet_names: Mapping[str, str]
    subnet_cidrs: Mapping[str, str]
    route_table_id: Optional[pulumi.Input[str]] = None
    """Set when the spoke sends 0.0.0.0/0 to a hub firewall (services then egress through it)."""


@dataclass(frozen=True)
class BuiltService:
    """What a service's build step hands back: its component, contract outputs and identities."""

    component: ServiceComponent
    outputs: Mapping[str, Any]
    identities: Mapping[str, Grantee] = field(default_factory=dict)


@dataclass(frozen=True)
class ServiceContext:
    """Everything a service's build step gets for one project in one environment."""

    name: str
    """The component's logical name (``<project>-<abbreviation>``)."""
    placement: ServicePlacement
    settings: Any
    """The service's resolved settings (its spec's settings model)."""
    profile: EnvironmentProfile
    network: SpokeNetwork
    tenant_id: pulumi.Input[str]
    lake: LakeAccountRef
    lake_area: str
    """The project's own lake area (container name)."""
    dns_zone_ids: Mapping[str, pulumi.Input[str]]
    protection: Protection
    component_settings: ComponentSettings
    parent: pulumi.Resource
    built: Mapping[str, BuiltService] = field(default_factory=dict)
    """Services of the project built before this one (at least those it needs)."""
    enabled: frozenset[str] = frozenset()
    """Every service the project has in this environment (built or still to come)."""

    def opts(self) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self.parent)

    def needed(self, key: str) -> BuiltService:
        if key not in self.built:
            raise KeyError(f"{self.name} needs service {key!r}, which was not built before it")
        return self.built[key]
