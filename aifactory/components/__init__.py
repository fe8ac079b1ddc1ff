"""Reusable Pulumi components of the AI factory, importable from any Pulumi program."""

from aifactory.components.ai_search import AiSearch, AiSearchArgs
from aifactory.components.ai_services import AiServices, AiServicesArgs, ModelDeployment
from aifactory.components.aks import AksCluster, AksClusterArgs, NodePool
from aifactory.components.base import ComponentSettings, FactoryComponent, drop_legacy_aliases
from aifactory.components.container_registry import ContainerRegistry, ContainerRegistryArgs
from aifactory.components.data_factory import DataFactory, DataFactoryArgs, LakeLink
from aifactory.components.databricks import DatabricksSubnets, DatabricksWorkspace, DatabricksWorkspaceArgs
from aifactory.components.event_hubs import EventHubs, EventHubsArgs, EventHubSpec
from aifactory.components.machine_learning import (
    ComputeCluster,
    LakeDatastore,
    MachineLearningRegistry,
    MachineLearningRegistryArgs,
    MachineLearningWorkspace,
    MachineLearningWorkspaceArgs,
)
from aifactory.components.service import ServiceComponent, ServicePlacement
from aifactory.components.datalake import DataLake, DataLakeArgs, LakeAccountRef, LakeArea, LifecyclePolicy
from aifactory.components.hub import ExistingHubIds, HubNetwork, HubNetworkArgs
from aifactory.components.keyvault import KeyVault, KeyVaultArgs
from aifactory.components.monitoring import Monitoring, MonitoringArgs, application_insights, attach_diagnostics
from aifactory.components.private_endpoint import EndpointPlacement, PrivateEndpoint, PrivateEndpointArgs, add_endpoints
from aifactory.components.project import Project
from aifactory.components.rbac import Grantee, grant
from aifactory.components.spoke import HubConnection, ProjectSpoke, ProjectSpokeArgs
from aifactory.components.stateful import Protection

__all__ = [
    "AiSearch",
    "AiSearchArgs",
    "AiServices",
    "AiServicesArgs",
    "AksCluster",
    "AksClusterArgs",
    "ComputeCluster",
    "ContainerRegistry",
    "ContainerRegistryArgs",
    "DataFactory",
    "DataFactoryArgs",
    "DatabricksSubnets",
    "DatabricksWorkspace",
    "DatabricksWorkspaceArgs",
    "EventHubSpec",
    "EventHubs",
    "EventHubsArgs",
    "LakeDatastore",
    "LakeLink",
    "MachineLearningRegistry",
    "MachineLearningRegistryArgs",
    "MachineLearningWorkspace",
    "MachineLearningWorkspaceArgs",
    "ModelDeployment",
    "NodePool",
    "ServiceComponent",
    "ServicePlacement",
    "ComponentSettings",
    "DataLake",
    "DataLakeArgs",
    "EndpointPlacement",
    "ExistingHubIds",
    "FactoryComponent",
    "Grantee",
    "HubConnection",
    "HubNetwork",
    "HubNetworkArgs",
    "KeyVault",
    "KeyVaultArgs",
    "LakeAccountRef",
    "LakeArea",
    "LifecyclePolicy",
    "Monitoring",
    "MonitoringArgs",
    "PrivateEndpoint",
    "PrivateEndpointArgs",
    "Project",
    "ProjectSpoke",
    "ProjectSpokeArgs",
    "Protection",
    "add_endpoints",
    "application_insights",
    "attach_diagnostics",
    "drop_legacy_aliases",
    "grant",
]
