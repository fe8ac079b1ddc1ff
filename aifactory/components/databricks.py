"""DatabricksWorkspace: premium, VNet-injected, no public IP, back-end private link, private UI/API."""

from __future__ import annotations

from ipaddress import IPv4Network
from typing import Optional

import pulumi
from pydantic import InstanceOf, model_validator

from aifactory.components.arm import AzureResource
from aifactory.components.base import ComponentArgs, ComponentSettings, Invalid, StrInput
from aifactory.components.rbac import Grantee
from aifactory.components.service import BuiltService, ServiceComponent, ServiceContext, ServicePlacement
from aifactory.core.access import Role
from aifactory.core.naming import ResourceKind
from aifactory.core.types import Cidr
from aifactory.services.databricks import CONTAINER_SUBNET, DATABRICKS, HOST_SUBNET

DATABRICKS_MAX_SUBNET_PREFIX = 26
COMPUTE_MODE = "Hybrid"
"""Classic compute in the customer's VNet (what VNet injection is); required on create, immutable."""


class DatabricksSubnets(ComponentArgs):
    """The two delegated subnets of the spoke (names as in the VNet) and their ranges."""

    vnet_id: StrInput
    host_subnet_name: str
    host_subnet_cidr: Cidr
    container_subnet_name: str
    container_subnet_cidr: Cidr

    @model_validator(mode="after")
    def _sizes(self) -> "DatabricksSubnets":
        for label, cidr in (("host", self.host_subnet_cidr), ("container", self.container_subnet_cidr)):
            if IPv4Network(cidr).prefixlen > DATABRICKS_MAX_SUBNET_PREFIX:
                raise Invalid(
                    f"{label}_subnet_cidr",
                    f"Databricks {label} subnet {cidr} is smaller than /{DATABRICKS_MAX_SUBNET_PREFIX}; "
                    "each Databricks subnet needs at least a /26"
                )
        if IPv4Network(self.host_subnet_cidr).overlaps(IPv4Network(self.container_subnet_cidr)):
            raise Invalid("container_subnet_cidr", "Databricks host and container subnets must be distinct")
        return self


class DatabricksWorkspaceArgs(ComponentArgs):
    placement: InstanceOf[ServicePlacement]
    subnets: DatabricksSubnets
    settings: InstanceOf[ComponentSettings] = ComponentSettings()


class DatabricksWorkspace(ServiceComponent):
    workspace_id: pulumi.Output[str]

    def __init__(self, name: str, args: DatabricksWorkspaceArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("aifactory:data:DatabricksWorkspace", name, args.placement, args.settings, opts)
        placement = args.placement
        naming = placement.naming
        self.workspace_name = placement.name(ResourceKind.DATABRICKS_WORKSPACE)
        managed_group = placement.name(ResourceKind.RESOURCE_GROUP, "dbw-managed")
        self.workspace = AzureResource(
            "azure-native:databricks:Workspace",
            self.child_name("dbw"),
            {
                "workspaceName": self.workspace_name,
                "resourceGroupName": placement.resource_group_name,
                "location": placement.location,
                "sku": {"name": "premium"},
                "computeMode": COMPUTE_MODE,
                "managedResourceGroupId": f"/subscriptions/{naming.subscription_id}/resourceGroups/{managed_group}",
                "parameters": {
                    "customVirtualNetworkId": {"value": args.subnets.vnet_id},
                    "customPublicSubnetName": {"value": args.subnets.host_subnet_name},
                    "customPrivateSubnetName": {"value": args.subnets.container_subnet_name},
                    "enableNoPublicIp": {"value": True},
                },
                "publicNetworkAccess": "Disabled",
                "requiredNsgRules": "NoAzureDatabricksRules",
                "tags": self.tags,
            },
            self.child_opts(),
            outputs=("workspaceUrl",),
        )
        self.workspace_id = self.workspace.id
        self.workspace_url = self.workspace.output("workspaceUrl")
        self._expose(self.workspace, self.workspace_name, "databricks")
        self._private_endpoints(self.workspace.id, DATABRICKS.endpoint_groups, "dbw")
        self._diagnostics("dbw", self.workspace.id)
        self.register_outputs({"workspaceId": self.workspace_id})

    def grant_reader(self, grantee: Grantee, parent: Optional[pulumi.Resource] = None) -> None:
        """Workspace access itself is managed in Databricks (SCIM/Unity Catalog); ARM gives Reader."""
        self.grant_role(grantee, Role.READER, parent)


def build(context: ServiceContext) -> BuiltService:
    network = context.network
    workspace = DatabricksWorkspace(
        context.name,
        DatabricksWorkspaceArgs(
            placement=context.placement,
            subnets=DatabricksSubnets(
                vnet_id=network.vnet_id,
                host_subnet_name=network.subnet_names[HOST_SUBNET],
                host_subnet_cidr=network.subnet_cidrs[HOST_SUBNET],
                container_subnet_name=network.subnet_names[CONTAINER_SUBNET],
                container_subnet_cidr=network.subnet_cidrs[CONTAINER_SUBNET],
            ),
            settings=context.component_settings,
        ),
        opts=context.opts(),
    )
    return BuiltService(workspace, {"workspaceId": workspace.workspace_id, "workspaceUrl": workspace.workspace_url})
