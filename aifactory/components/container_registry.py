"""ContainerRegistry: Premium (private link), no admin user, no anonymous pull, private endpoint."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import pulumi
from pulumi_azure_native import containerregistry

from aifactory.access import Role
from aifactory.components.base import ComponentSettings
from aifactory.components.rbac import Grantee
from aifactory.components.service import ServiceComponent, ServicePlacement
from aifactory.naming import ResourceKind


@dataclass(frozen=True)
class ContainerRegistryArgs:
    placement: ServicePlacement
    qualifier: Optional[str] = None
    zone_redundant: bool = False
    settings: ComponentSettings = field(default_factory=ComponentSettings)


class ContainerRegistry(ServiceComponent):
    registry_id: pulumi.Output[str]
    login_server: str

    def __init__(self, name: str, args: ContainerRegistryArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("aifactory:containers:ContainerRegistry", name, args.placement, args.settings, opts)
        placement = args.placement
        self.registry_name = placement.name(ResourceKind.CONTAINER_REGISTRY, args.qualifier)
        self.registry = containerregistry.Registry(
            self.child_name("cr"),
            registry_name=self.registry_name,
            resource_group_name=placement.resource_group_name,
            location=placement.location,
            sku=containerregistry.SkuArgs(name="Premium"),
            admin_user_enabled=False,
            anonymous_pull_enabled=False,
            data_endpoint_enabled=False,
            public_network_access="Disabled",
            network_rule_bypass_options="AzureServices",
            zone_redundancy="Enabled" if args.zone_redundant else "Disabled",
            tags=self.tags,
            opts=self.child_opts(),
        )
        self.registry_id = self.registry.id
        self.login_server = f"{self.registry_name}.azurecr.io"
        self._expose(self.registry, self.registry_name, "registry")
        self._private_endpoints(self.registry.id, ("registry",), args.qualifier or "cr")
        self._diagnostics("cr", self.registry.id)
        self.register_outputs({"registryId": self.registry_id, "loginServer": self.login_server})

    def grant_pull(self, grantee: Grantee, parent: Optional[pulumi.Resource] = None) -> None:
        self.grant_role(grantee, Role.ACR_PULL, parent)

    def grant_push(self, grantee: Grantee, parent: Optional[pulumi.Resource] = None) -> None:
        self.grant_role(grantee, Role.ACR_PUSH, parent)
