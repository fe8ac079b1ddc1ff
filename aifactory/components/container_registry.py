"""ContainerRegistry: Premium (private link), no admin user, no anonymous pull, private endpoint."""

from __future__ import annotations

from typing import Optional

import pulumi
from pydantic import InstanceOf

from aifactory.components.arm import AzureResource
from aifactory.components.base import ComponentArgs, ComponentSettings
from aifactory.components.rbac import Grantee
from aifactory.components.service import BuiltService, ServiceComponent, ServiceContext, ServicePlacement
from aifactory.core.access import Role
from aifactory.core.naming import ResourceKind
from aifactory.core.types import Qualifier, StrictFlag
from aifactory.services.registry import REGISTRY


class ContainerRegistryArgs(ComponentArgs):
    placement: InstanceOf[ServicePlacement]
    qualifier: Optional[Qualifier] = None
    zone_redundant: StrictFlag = False
    settings: InstanceOf[ComponentSettings] = ComponentSettings()


class ContainerRegistry(ServiceComponent):
    registry_id: pulumi.Output[str]
    login_server: str

    def __init__(self, name: str, args: ContainerRegistryArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("aifactory:containers:ContainerRegistry", name, args.placement, args.settings, opts)
        placement = args.placement
        self.registry_name = placement.name(ResourceKind.CONTAINER_REGISTRY, args.qualifier)
        self.registry = AzureResource(
            "azure-native:containerregistry:Registry",
            self.child_name("cr"),
            {
                "registryName": self.registry_name,
                "resourceGroupName": placement.resource_group_name,
                "location": placement.location,
                "sku": {"name": "Premium"},
                "adminUserEnabled": False,
                "anonymousPullEnabled": False,
                "dataEndpointEnabled": False,
                "publicNetworkAccess": "Disabled",
                "networkRuleBypassOptions": "AzureServices",
                "zoneRedundancy": "Enabled" if args.zone_redundant else "Disabled",
                "tags": self.tags,
            },
            self.child_opts(),
        )
        self.registry_id = self.registry.id
        self.login_server = f"{self.registry_name}.azurecr.io"
        self._expose(self.registry, self.registry_name, "registry")
        self._private_endpoints(self.registry.id, REGISTRY.endpoint_groups, args.qualifier or "cr")
        self._diagnostics("cr", self.registry.id)
        self.register_outputs({"registryId": self.registry_id, "loginServer": self.login_server})

    def grant_pull(self, grantee: Grantee, parent: Optional[pulumi.Resource] = None) -> None:
        self.grant_role(grantee, Role.ACR_PULL, parent)

    def grant_push(self, grantee: Grantee, parent: Optional[pulumi.Resource] = None) -> None:
        self.grant_role(grantee, Role.ACR_PUSH, parent)


def build(context: ServiceContext) -> BuiltService:
    registry = ContainerRegistry(
        context.name,
        ContainerRegistryArgs(placement=context.placement, zone_redundant=context.profile.zone_redundant, settings=context.component_settings),
        opts=context.opts(),
    )
    return BuiltService(registry, {"loginServer": registry.login_server, "id": registry.registry_id})
