"""Reusable Pulumi components of the AI factory, importable from any Pulumi program.

One module per Azure service, each with one validated ``Args`` model whose defaults are the secure
configuration; children are parented to the component and named after it.
"""

from aifactory.components.ai_search import AiSearch, AiSearchArgs
from aifactory.components.ai_services import AiServices, AiServicesArgs
from aifactory.components.agents import AgentService, AgentServiceArgs
from aifactory.components.aks import AksCluster, AksClusterArgs, NodePool
from aifactory.components.arm import AzureResource, azure_provider
from aifactory.components.base import ComponentArgs, ComponentSettings, FactoryComponent
from aifactory.components.budget import Budget, BudgetArgs
from aifactory.components.container_registry import ContainerRegistry, ContainerRegistryArgs
from aifactory.components.cosmos import CosmosDb, CosmosDbArgs
from aifactory.components.data_factory import DataFactory, DataFactoryArgs, LakeLink
from aifactory.components.databricks import DatabricksSubnets, DatabricksWorkspace, DatabricksWorkspaceArgs
from aifactory.components.datalake import DataLake, DataLakeArgs, LakeAccountRef, LakeArea, LakeAreaAccess, LifecyclePolicy
from aifactory.components.event_hubs import EventHubs, EventHubsArgs
from aifactory.components.foundry import FoundryProject, FoundryProjectArgs
from aifactory.components.hub import ExistingHubIds, FirewallRule, HubNetwork, HubNetworkArgs
from aifactory.components.keyvault import KeyVault, KeyVaultArgs
from aifactory.components.machine_learning import (
    ComputeCluster,
    LakeDatastore,
    MachineLearningRegistry,
    MachineLearningRegistryArgs,
    MachineLearningWorkspace,
    MachineLearningWorkspaceArgs,
)
from aifactory.components.monitoring import Monitoring, MonitoringArgs, application_insights, attach_diagnostics
from aifactory.components.private_endpoint import EndpointPlacement, PrivateEndpoint, PrivateEndpointArgs, add_endpoints
from aifactory.components.project import Project
from aifactory.components.rbac import Grantee, grant
from aifactory.components.service import BuiltService, ServiceComponent, ServiceContext, ServicePlacement, SpokeNetwork
from aifactory.components.spoke import HubConnection, ProjectSpoke, ProjectSpokeArgs
from aifactory.components.stateful import Protection
from aifactory.components.subscription import SubscriptionAlias, SubscriptionAliasArgs
from aifactory.services.aiservices import ModelDeployment
from aifactory.services.eventhubs import EventHub

__all__ = [
    "AgentService",
    "AgentServiceArgs",
    "AiSearch",
    "AiSearchArgs",
    "AiServices",
    "AiServicesArgs",
    "AksCluster",
    "AksClusterArgs",
    "AzureResource",
    "Budget",
    "BudgetArgs",
    "BuiltService",
    "ComponentArgs",
    "ComponentSettings",
    "ComputeCluster",
    "ContainerRegistry",
    "ContainerRegistryArgs",
    "CosmosDb",
    "CosmosDbArgs",
    "DataFactory",
    "DataFactoryArgs",
    "DataLake",
    "DataLakeArgs",
    "DatabricksSubnets",
    "DatabricksWorkspace",
    "DatabricksWorkspaceArgs",
    "EndpointPlacement",
    "EventHub",
    "EventHubs",
    "EventHubsArgs",
    "ExistingHubIds",
    "FactoryComponent",
    "FirewallRule",
    "FoundryProject",
    "FoundryProjectArgs",
    "Grantee",
    "HubConnection",
    "HubNetwork",
    "HubNetworkArgs",
    "KeyVault",
    "KeyVaultArgs",
    "LakeAccountRef",
    "LakeArea",
    "LakeAreaAccess",
    "LakeDatastore",
    "LakeLink",
    "LifecyclePolicy",
    "MachineLearningRegistry",
    "MachineLearningRegistryArgs",
    "MachineLearningWorkspace",
    "MachineLearningWorkspaceArgs",
    "ModelDeployment",
    "Monitoring",
    "MonitoringArgs",
    "NodePool",
    "PrivateEndpoint",
    "PrivateEndpointArgs",
    "Project",
    "ProjectSpoke",
    "ProjectSpokeArgs",
    "Protection",
    "ServiceComponent",
    "ServiceContext",
    "ServicePlacement",
    "SpokeNetwork",
    "SubscriptionAlias",
    "SubscriptionAliasArgs",
    "add_endpoints",
    "application_insights",
    "attach_diagnostics",
    "azure_provider",
    "grant",
]
