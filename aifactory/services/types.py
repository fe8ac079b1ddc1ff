"""The built-in project types, as data: a subnet template, the services, the wiring between them."""

from __future__ import annotations

from aifactory.core.access import Role
from aifactory.core.addressing import SubnetSpec
from aifactory.core.spec import Inclusion, ProjectTypeSpec, Wiring
from aifactory.services.agents import AGENT_DELEGATION, AGENT_SUBNET
from aifactory.services.aks import NODE_SUBNET
from aifactory.services.databricks import CONTAINER_SUBNET, DELEGATION, HOST_SUBNET

PRIVATE_ENDPOINT_SUBNET = "pep"
"""Every type's template has it: the project's private endpoints."""
DATABRICKS_MIN_PREFIX = 26
"""Databricks host and container subnets are each at least a /26."""

REQUIRED, DEFAULT, OPTIONAL = Inclusion.REQUIRED, Inclusion.DEFAULT, Inclusion.OPTIONAL


def databricks_subnets() -> tuple[SubnetSpec, SubnetSpec]:
    return (
        SubnetSpec(HOST_SUBNET, 26, min_prefix_length=DATABRICKS_MIN_PREFIX, delegation=DELEGATION),
        SubnetSpec(CONTAINER_SUBNET, 26, min_prefix_length=DATABRICKS_MIN_PREFIX, delegation=DELEGATION),
    )


ESML = ProjectTypeSpec(
    name="esml",
    description="Enterprise-scale ML: lake area, Azure Machine Learning, Databricks, Data Factory, key vault",
    subnets=(SubnetSpec(PRIVATE_ENDPOINT_SUBNET, 26, private_endpoints=True), SubnetSpec("aml", 26), *databricks_subnets()),
    services={"keyvault": REQUIRED, "aml": DEFAULT, "databricks": DEFAULT, "datafactory": DEFAULT},
)

GENAI = ProjectTypeSpec(
    name="genai",
    description="GenAI on Microsoft Foundry: a Foundry project with models and the Agent Service (standard setup), "
    "lake area, key vault; the earlier AI Services + AI Search + Azure ML setup as optional services",
    subnets=(
        SubnetSpec(PRIVATE_ENDPOINT_SUBNET, 25, private_endpoints=True),
        SubnetSpec("aml", 26),
        SubnetSpec("apps", 26),
        SubnetSpec(AGENT_SUBNET, 24, delegation=AGENT_DELEGATION),
    ),
    services={
        "keyvault": REQUIRED,
        "foundry": REQUIRED,
        "agents": DEFAULT,
        "aiservices": OPTIONAL,
        "search": OPTIONAL,
        "aml": OPTIONAL,
    },
)

STREAMING = ProjectTypeSpec(
    name="streaming",
    description="Streaming (lambda architecture): lake area, Event Hubs, Databricks, AKS, container registry, key vault",
    subnets=(SubnetSpec(PRIVATE_ENDPOINT_SUBNET, 26, private_endpoints=True), SubnetSpec(NODE_SUBNET, 24), *databricks_subnets()),
    services={"keyvault": REQUIRED, "eventhubs": REQUIRED, "databricks": DEFAULT, "aks": DEFAULT, "registry": DEFAULT},
    wiring=(Wiring("aks", "kubelet", "registry", Role.ACR_PULL, "the cluster pulls the project's images"),),
)

BUILTIN_TYPES: tuple[ProjectTypeSpec, ...] = (ESML, GENAI, STREAMING)
