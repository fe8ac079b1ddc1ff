"""DataFactory: managed identity, no public access, managed VNet integration runtime, private endpoints."""

from __future__ import annotations

from typing import Optional

import pulumi
from pydantic import InstanceOf

from aifactory.components.arm import AzureResource
from aifactory.components.base import ComponentArgs, ComponentSettings, StrInput
from aifactory.components.rbac import Grantee
from aifactory.components.service import (
    BuiltService,
    ServiceComponent,
    ServiceContext,
    ServicePlacement,
    system_identity_grantee,
)
from aifactory.core.access import Role
from aifactory.core.naming import ResourceKind
from aifactory.services.datafactory import DATAFACTORY

MANAGED_VNET = "default"
MANAGED_RUNTIME = "managed-vnet-ir"


class LakeLink(ComponentArgs):
    """The project's lake area that the factory reads and writes through its identity."""

    account_id: StrInput
    dfs_endpoint: str


class DataFactoryArgs(ComponentArgs):
    placement: InstanceOf[ServicePlacement]
    lake: Optional[LakeLink] = None
    settings: InstanceOf[ComponentSettings] = ComponentSettings()


class DataFactory(ServiceComponent):
    factory_id: pulumi.Output[str]

    def __init__(self, name: str, args: DataFactoryArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("aifactory:data:DataFactory", name, args.placement, args.settings, opts)
        placement = args.placement
        self.factory_name = placement.name(ResourceKind.DATA_FACTORY)
        self.factory = AzureResource(
            "azure-native:datafactory:Factory",
            self.child_name("adf"),
            {
                "factoryName": self.factory_name,
                "resourceGroupName": placement.resource_group_name,
                "location": placement.location,
                "identity": {"type": "SystemAssigned"},
                "publicNetworkAccess": "Disabled",
                "tags": self.tags,
            },
            self.child_opts(),
            outputs=("identity",),
        )
        self.factory_id = self.factory.id
        self.identity = system_identity_grantee(self.factory, "adf", placement.naming, self.factory_name)
        self._expose(self.factory, self.factory_name, "datafactory")
        # azure-native has no typed resource for a factory's managed VNet: use the generic one.
        managed_vnet = AzureResource(
            "azure-native:resources:Resource",
            self.child_name("managed-vnet"),
            {
                "resourceGroupName": placement.resource_group_name,
                "resourceProviderNamespace": "Microsoft.DataFactory",
                "parentResourcePath": f"factories/{self.factory_name}",
                "resourceType": "managedVirtualNetworks",
                "resourceName": MANAGED_VNET,
                "apiVersion": "2018-06-01",
                "properties": {},
            },
            self.child_opts(depends_on=[self.factory]),
        )
        runtime = AzureResource(
            "azure-native:datafactory:IntegrationRuntime",
            self.child_name("ir"),
            {
                "factoryName": self.factory.name,
                "resourceGroupName": placement.resource_group_name,
                "integrationRuntimeName": MANAGED_RUNTIME,
                "properties": {
                    "type": "Managed",
                    "managedVirtualNetwork": {"referenceName": MANAGED_VNET, "type": "ManagedVirtualNetworkReference"},
                    "computeProperties": {"location": "AutoResolve"},
                },
            },
            self.child_opts(depends_on=[managed_vnet]),
        )
        if args.lake is not None:
            AzureResource(
                "azure-native:datafactory:ManagedPrivateEndpoint",
                self.child_name("mpe-lake-dfs"),
                {
                    "factoryName": self.factory.name,
                    "resourceGroupName": placement.resource_group_name,
                    "managedVirtualNetworkName": MANAGED_VNET,
                    "managedPrivateEndpointName": "lake-dfs",
                    "properties": {"groupId": "dfs", "privateLinkResourceId": args.lake.account_id},
                },
                self.child_opts(depends_on=[managed_vnet]),
            )
            AzureResource(
                "azure-native:datafactory:LinkedService",
                self.child_name("ls-lake"),
                {
                    "factoryName": self.factory.name,
                    "resourceGroupName": placement.resource_group_name,
                    "linkedServiceName": "lake",
                    "properties": {
                        "type": "AzureBlobFS",
                        "url": args.lake.dfs_endpoint,  # no key, no SAS: the factory's managed identity
                        "connectVia": {"referenceName": MANAGED_RUNTIME, "type": "IntegrationRuntimeReference"},
                    },
                },
                self.child_opts(depends_on=[runtime]),
            )
        self._private_endpoints(self.factory.id, DATAFACTORY.endpoint_groups, "adf")
        self._diagnostics("adf", self.factory.id)
        self.register_outputs({"factoryId": self.factory_id})

    def grant_contributor(self, grantee: Grantee, parent: Optional[pulumi.Resource] = None) -> None:
        self.grant_role(grantee, Role.DATA_FACTORY_CONTRIBUTOR, parent)


def build(context: ServiceContext) -> BuiltService:
    factory = DataFactory(
        context.name,
        DataFactoryArgs(
            placement=context.placement,
            lake=LakeLink(account_id=context.lake.account_id, dfs_endpoint=context.lake.dfs_endpoint),
            settings=context.component_settings,
        ),
        opts=context.opts(),
    )
    return BuiltService(factory, {"factoryId": factory.factory_id}, {"system": factory.identity})
