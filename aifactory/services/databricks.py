"""Azure Databricks: premium, VNet-injected, no public IPs, private front end."""

from __future__ import annotations

from aifactory.core.access import Persona, Role
from aifactory.core.naming import ResourceKind
from aifactory.core.spec import EgressRule, Footprint, NameClaim, ServiceSpec

HOST_SUBNET, CONTAINER_SUBNET = "dbx-host", "dbx-container"
DELEGATION = "Microsoft.Databricks/workspaces"

DATABRICKS = ServiceSpec(
    key="databricks",
    title="Azure Databricks",
    summary="Premium workspace injected into the spoke (host and container subnets), secure cluster "
    "connectivity (no public IPs), private front end",
    builder="aifactory.components.databricks:build",
    abbreviation="dbw",
    endpoint_groups=("databricks_ui_api",),
    roles={Persona.OWNER: (Role.READER,), Persona.MEMBER: (Role.READER,), Persona.READER: (Role.READER,)},
    resource_types=("azure-native:databricks:Workspace",),
    diagnosed_types=("azure-native:databricks:Workspace",),
    outputs={"workspaceId": "the workspace's resource id", "workspaceUrl": "the workspace's URL"},
    subnets=(HOST_SUBNET, CONTAINER_SUBNET),
    names=(NameClaim(ResourceKind.RESOURCE_GROUP, "dbw-managed"),),
    footprint=Footprint(private_endpoints=1, resource_groups=1),
    egress=(
        EgressRule(
            "databricks-control-plane",
            "network",
            (HOST_SUBNET, CONTAINER_SUBNET),
            ("TCP",),
            destinations=("AzureDatabricks",),
            ports=("443", "3306", "8443-8451"),
            reason="clusters reach the Databricks control plane, its metastore and its relay",
        ),
        EgressRule(
            "databricks-storage",
            "network",
            (HOST_SUBNET, CONTAINER_SUBNET),
            ("TCP",),
            destinations=("Storage.{location}",),
            ports=("443",),
            reason="workspace root storage and artifacts",
        ),
        EgressRule(
            "databricks-eventhub",
            "network",
            (HOST_SUBNET, CONTAINER_SUBNET),
            ("TCP",),
            destinations=("EventHub.{location}",),
            ports=("9093",),
            reason="cluster logs to the control plane's Event Hubs",
        ),
        EgressRule(
            "databricks-sql",
            "network",
            (HOST_SUBNET, CONTAINER_SUBNET),
            ("TCP",),
            destinations=("Sql.{location}",),
            ports=("3306",),
            reason="the legacy Hive metastore",
        ),
    ),
)
