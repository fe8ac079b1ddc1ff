"""DatabricksWorkspace: premium, VNet-injected, no public IP, back-end private link, private UI/API."""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Network
from typing import Optional

import pulumi
from pulumi_azure_native import databricks

from aifactory.access import Role
from aifactory.components.base import ComponentSettings
from aifactory.components.rbac import Grantee
from aifactory.components.service import ServiceComponent, ServicePlacement
from aifactory.naming import ResourceKind

DATABRICKS_MAX_SUBNET_PREFIX = 26


@dataclass(frozen=True)
class DatabricksSubnets:
    """The two delegated subnets of the spoke (names as in the VNet) and their ranges."""

    vnet_id: pulumi.Input[str]
    host_subnet_name: str
    host_subnet_cidr: str
    container_subnet_name: str
    container_subnet_cidr: str


@dataclass(frozen=True)
class DatabricksWorkspaceArgs:
    placement: ServicePlacement
    subnets: DatabricksSubnets
    settings: ComponentSettings = field(default_factory=ComponentSettings)

    def __post_init__(self) -> None:
        for label, cidr in (("host", self.subnets.host_subnet_cidr), ("container", self.subnets.container_subnet_cidr)):
            if IPv4Network(cidr).prefixlen > DATABRICKS_MAX_SUBNET_PREFIX:
                raise ValueError(
                    f"Databricks {label} subnet {cidr} is smaller than /{DATABRICKS_MAX_SUBNET_PREFIX}; "
                    "each Databricks subnet needs at least a /26"
                )
        if IPv4Network(self.subnets.host_subnet_cidr).overlaps(IPv4Network(self.subnets.container_subnet_cidr)):
            raise ValueError("Databricks host and container subnets must be distinct")


class DatabricksWorkspace(ServiceComponent):
    workspace_id: pulumi.Output[str]

    def __init__(self, name: str, args: DatabricksWorkspaceArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("aifactory:data:DatabricksWorkspace", name, args.placement, args.settings, opts)
        placement = args.placement
        naming = placement.naming
        self.workspace_name = placement.name(ResourceKind.DATABRICKS_WORKSPACE)
        managed_group = placement.name(ResourceKind.RESOURCE_GROUP, "dbw-managed")
        self.workspace = databricks.Workspace(
            self.child_name("dbw"),
            workspace_name=self.workspace_name,
            resource_group_name=placement.resource_group_name,
            location=placement.location,
            sku=databricks.SkuArgs(name="premium"),
            managed_resource_group_id=f"/subscriptions/{naming.subscription_id}/resourceGroups/{managed_group}",
            parameters=databricks.WorkspaceCustomParametersArgs(
                custom_virtual_network_id=databricks.WorkspaceCustomStringParameterArgs(value=args.subnets.vnet_id),
                custom_public_subnet_name=databricks.WorkspaceCustomStringParameterArgs(value=args.subnets.host_subnet_name),
                custom_private_subnet_name=databricks.WorkspaceCustomStringParameterArgs(
                    value=args.subnets.container_subnet_name
                ),
                enable_no_public_ip=databricks.WorkspaceNoPublicIPBooleanParameterArgs(value=True),
            ),
            public_network_access="Disabled",
            required_nsg_rules="NoAzureDatabricksRules",
            tags=self.tags,
            opts=self.child_opts(),
        )
        self.workspace_id = self.workspace.id
        self._expose(self.workspace, self.workspace_name, "databricks")
        self._private_endpoints(self.workspace.id, ("databricks_ui_api",), "dbw")
        self._diagnostics("dbw", self.workspace.id)
        self.register_outputs({"workspaceId": self.workspace_id})

    def grant_reader(self, grantee: Grantee, parent: Optional[pulumi.Resource] = None) -> None:
        """Workspace access itself is managed in Databricks (SCIM/Unity Catalog); ARM gives Reader."""
        self.grant_role(grantee, Role.READER, parent)
