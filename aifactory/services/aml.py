"""Azure Machine Learning: a private workspace with a managed network, its own storage and registry."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from aifactory.core.access import Persona, Role
from aifactory.core.naming import ResourceKind
from aifactory.core.spec import LAKE_TARGET, Footprint, NameClaim, ServiceSettings, ServiceSpec, Wiring


class AmlSettings(ServiceSettings):
    max_nodes: int = Field(default=2, ge=0, le=100)
    """Nodes of the CPU cluster (it scales to zero); 0: no cluster."""
    vm_size: str = Field(default="Standard_DS3_v2", pattern=r"^Standard_[A-Za-z0-9_]+$")
    isolation_mode: Literal["AllowInternetOutbound", "AllowOnlyApprovedOutbound"] = "AllowOnlyApprovedOutbound"
    """The managed network's outbound mode (transitions are one-way in Azure)."""


AML = ServiceSpec(
    key="aml",
    title="Azure Machine Learning",
    summary="Private workspace, managed network, identity-based datastores, its own storage and registry, "
    "a CPU cluster that scales to zero, the project's lake area as a datastore",
    builder="aifactory.components.machine_learning:build",
    abbreviation="mlw",
    endpoint_groups=("amlworkspace", "blob", "file", "registry"),
    roles={
        Persona.OWNER: (Role.AZUREML_DATA_SCIENTIST, Role.AZUREML_COMPUTE_OPERATOR),
        Persona.MEMBER: (Role.AZUREML_DATA_SCIENTIST,),
        Persona.READER: (Role.READER,),
        Persona.WORKLOAD: (Role.AZUREML_DATA_SCIENTIST,),
    },
    resource_types=(
        "azure-native:machinelearningservices:Workspace",
        "azure-native:machinelearningservices:Compute",
        "azure-native:machinelearningservices:Datastore",
        "azure-native:storage:StorageAccount",
        "azure-native:containerregistry:Registry",
        "azure-native:applicationinsights:Component",
    ),
    diagnosed_types=(
        "azure-native:machinelearningservices:Workspace",
        "azure-native:storage:StorageAccount",
        "azure-native:containerregistry:Registry",
    ),
    protected_types=("azure-native:storage:StorageAccount",),
    settings=AmlSettings,
    defaults={"dev": {"maxNodes": 2}, "test": {"maxNodes": 4}, "prod": {"maxNodes": 10}},
    outputs={"workspaceId": "the workspace's resource id", "workspaceName": "the workspace's name"},
    needs=("keyvault",),
    identities=("system",),
    wiring=(Wiring("aml", "system", LAKE_TARGET, Role.STORAGE_BLOB_DATA_CONTRIBUTOR, "the lake datastore reads and writes the project's area"),),
    names=(NameClaim(ResourceKind.STORAGE_ACCOUNT, "ml"), NameClaim(ResourceKind.CONTAINER_REGISTRY, "ml")),
    footprint=Footprint(storage_accounts=1, private_endpoints=4),
)
