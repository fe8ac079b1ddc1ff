"""Subnet templates of the hub and the built-in project types (pure data for the address planner)."""

from __future__ import annotations

from aifactory.addressing import SubnetSpec

PRIVATE_ENDPOINT_SUBNET = "pep"
DATABRICKS_DELEGATION = "Microsoft.Databricks/workspaces"

DATABRICKS_MIN_PREFIX = 26
"""Databricks host and container subnets are each at least a /26."""

ESML_SUBNETS: tuple[SubnetSpec, ...] = (
    SubnetSpec(PRIVATE_ENDPOINT_SUBNET, 26, private_endpoints=True),
    SubnetSpec("aml", 26),
    SubnetSpec("dbx-host", 26, min_prefix_length=DATABRICKS_MIN_PREFIX, delegation=DATABRICKS_DELEGATION),
    SubnetSpec("dbx-container", 26, min_prefix_length=DATABRICKS_MIN_PREFIX, delegation=DATABRICKS_DELEGATION),
)

GENAI_SUBNETS: tuple[SubnetSpec, ...] = (
    SubnetSpec(PRIVATE_ENDPOINT_SUBNET, 25, private_endpoints=True),
    SubnetSpec("aml", 26),
    SubnetSpec("apps", 26),
)

STREAMING_SUBNETS: tuple[SubnetSpec, ...] = (
    SubnetSpec(PRIVATE_ENDPOINT_SUBNET, 26, private_endpoints=True),
    SubnetSpec("aks", 24),
    SubnetSpec("dbx-host", 26, min_prefix_length=DATABRICKS_MIN_PREFIX, delegation=DATABRICKS_DELEGATION),
    SubnetSpec("dbx-container", 26, min_prefix_length=DATABRICKS_MIN_PREFIX, delegation=DATABRICKS_DELEGATION),
)

HUB_SUBNETS: tuple[SubnetSpec, ...] = (
    SubnetSpec("AzureFirewallSubnet", 26, min_prefix_length=26),
    SubnetSpec("AzureBastionSubnet", 26, min_prefix_length=26),
    SubnetSpec("GatewaySubnet", 27, min_prefix_length=27),
    SubnetSpec(PRIVATE_ENDPOINT_SUBNET, 26, private_endpoints=True),
)
"""Fixed hub layout: switching the firewall or bastion on later never moves another subnet."""
