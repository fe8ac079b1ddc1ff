"""DataFactory: managed identity, no public access, managed VNet integration runtime, private endpoints."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import pulumi
from pulumi_azure_native import datafactory, resources

from aifactory.access import Role
from aifactory.components.base import ComponentSettings
from aifactory.components.rbac import Grantee
from aifactory.components.service import ServiceComponent, ServicePlacement, system_identity_grantee
from aifactory.naming import ResourceKind

MANAGED_VNET = "default"
MANAGED_RUNTIME = "managed-vnet-ir"


@dataclass(frozen=True)
class LakeLink:
    """The project's lake area that the factory reads and writes through its identity."""

    account_id: pulumi.Input[str]
    dfs_endpoint: str


@dataclass(frozen=True)
class DataFactoryArgs:
    placement: ServicePlacement
    lake: Optional[LakeLink] = None
    settings: ComponentSettings = field(default_factory=ComponentSettings)


class DataFactory(ServiceComponent):
    factory_id: pulumi.Output[str]

    def __init__(self, name: str, args: DataFactoryArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("aifactory:data:DataFactory", name, args.placement, args.settings, opts)
        placement = args.placement
        self.factory_name = placement.name(ResourceKind.DATA_FACTORY)
        self.factory = datafactory.Factory(
            self.child_name("adf"),
            factory_name=self.factory_name,
            resource_group_name=placement.resource_group_name,
            location=placement.location,
            identity=datafactory.FactoryIdentityArgs(type="SystemAssigned"),
            public_network_access="Disabled",
            tags=self.tags,
            opts=self.child_opts(),
        )
        self.factory_id = self.factory.id
        self.identity = system_identity_grantee(self.factory, f"adf:{self.factory_name}")
        self._expose(self.factory, self.factory_name, "datafactory")
        # azure-native has no typed resource for a factory's managed VNet: use the generic one.
        managed_vnet = resources.Resource(
            self.child_name("managed-vnet"),
            resource_group_name=placement.resource_group_name,
            resource_provider_namespace="Microsoft.DataFactory",
            parent_resource_path=f"factories/{self.factory_name}",
            resource_type="managedVirtualNetworks",
            resource_name_=MANAGED_VNET,
            api_version="2018-06-01",
            properties={},
            opts=self.child_opts(depends_on=[self.factory]),
        )
        runtime = datafactory.IntegrationRuntime(
            self.child_name("ir"),
            factory_name=self.factory.name,
            resource_group_name=placement.resource_group_name,
            integration_runtime_name=MANAGED_RUNTIME,
            properties=datafactory.ManagedIntegrationRuntimeArgs(
                type="Managed",
                managed_virtual_network=datafactory.ManagedVirtualNetworkReferenceArgs(
                    reference_name=MANAGED_VNET, type="ManagedVirtualNetworkReference"
                ),
                compute_properties=datafactory.IntegrationRuntimeComputePropertiesArgs(location="AutoResolve"),
            ),
            opts=self.child_opts(depends_on=[managed_vnet]),
        )
        if args.lake is not None:
            datafactory.ManagedPrivateEndpoint(
                self.child_name("mpe-lake-dfs"),
                factory_name=self.factory.name,
                resource_group_name=placement.resource_group_name,
                managed_virtual_network_name=MANAGED_VNET,
                managed_private_endpoint_name="lake-dfs",
                properties=datafactory.ManagedPrivateEndpointArgs(group_id="dfs", private_link_resource_id=args.lake.account_id),
                opts=self.child_opts(depends_on=[managed_vnet]),
            )
            datafactory.LinkedService(
                self.child_name("ls-lake"),
                factory_name=self.factory.name,
                resource_group_name=placement.resource_group_name,
                linked_service_name="lake",
                properties=datafactory.AzureBlobFSLinkedServiceArgs(
                    type="AzureBlobFS",
                    url=args.lake.dfs_endpoint,  # no key, no SAS: the factory's managed identity
                    connect_via=datafactory.IntegrationRuntimeReferenceArgs(
                        reference_name=MANAGED_RUNTIME, type="IntegrationRuntimeReference"
                    ),
                ),
                opts=self.child_opts(depends_on=[runtime]),
            )
        self._private_endpoints(self.factory.id, ("dataFactory", "portal"), "adf")
        self._diagnostics("adf", self.factory.id)
        self.register_outputs({"factoryId": self.factory_id})

    def grant_contributor(self, grantee: Grantee, parent: Optional[pulumi.Resource] = None) -> None:
        self.grant_role(grantee, Role.DATA_FACTORY_CONTRIBUTOR, parent)
