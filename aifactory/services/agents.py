"""The Foundry Agent Service, standard setup: the project's threads, files and vector stores in its own
private Cosmos DB, storage and AI Search, and agent compute injected into a subnet of its spoke."""

from __future__ import annotations

from typing import Literal

from aifactory.core.naming import ResourceKind
from aifactory.core.spec import EgressRule, Footprint, NameClaim, ServiceSettings, ServiceSpec
from aifactory.services.search import SearchSku

AGENT_SUBNET = "agents"
AGENT_DELEGATION = "Microsoft.App/environments"
"""Exactly this spelling: the service compares it case-sensitively."""
THREAD_DATABASE = "enterprise_memory"
"""The Cosmos DB database the Agent Service creates for threads (its containers come and go)."""


class AgentSettings(ServiceSettings):
    search_sku: SearchSku = "basic"
    """The vector store's search SKU."""
    cosmos_backup: Literal["Continuous7Days", "Continuous30Days"] = "Continuous7Days"


AGENTS = ServiceSpec(
    key="agents",
    title="Foundry Agent Service (standard setup)",
    summary="The project's own Cosmos DB (threads), storage account (files) and AI Search (vector stores), each "
    "private and keyless, connected to the Foundry project with Entra ID, a project capability host naming them, "
    "and agent compute in a delegated subnet of the spoke",
    builder="aifactory.components.agents:build",
    abbreviation="agents",
    endpoint_groups=("Sql", "blob", "searchService"),
    resource_types=(
        "azure-native:cosmosdb:DatabaseAccount",
        "azure-native:cosmosdb:SqlResourceSqlRoleAssignment",
        "azure-native:storage:StorageAccount",
        "azure-native:search:Service",
        "azure-native:cognitiveservices:ProjectConnection",
        "azure-native:cognitiveservices:ProjectCapabilityHost",
    ),
    diagnosed_types=("azure-native:cosmosdb:DatabaseAccount", "azure-native:storage:StorageAccount", "azure-native:search:Service"),
    protected_types=("azure-native:cosmosdb:DatabaseAccount", "azure-native:storage:StorageAccount"),
    settings=AgentSettings,
    defaults={"prod": {"searchSku": "standard", "cosmosBackup": "Continuous30Days"}},
    outputs={
        "cosmosAccountId": "the threads' Cosmos DB account",
        "storageAccountId": "the files' storage account",
        "searchServiceId": "the vector stores' search service",
        "capabilityHost": "the project capability host's name",
    },
    needs=("foundry",),
    subnets=(AGENT_SUBNET,),
    names=(
        NameClaim(ResourceKind.COSMOS_DB),
        NameClaim(ResourceKind.STORAGE_ACCOUNT, "agents"),
        NameClaim(ResourceKind.AI_SEARCH, "agents"),
    ),
    footprint=Footprint(storage_accounts=1, private_endpoints=3, fixed_role_assignments=4),
    agent_network=True,
    egress=(
        EgressRule(
            "agents-identity",
            "application",
            (AGENT_SUBNET,),
            ("Https:443",),
            fqdns=("*.identity.azure.net", "login.microsoftonline.com", "*.login.microsoftonline.com", "*.login.microsoft.com"),
            reason="agent compute gets Entra ID tokens for its managed identity",
        ),
    ),
)
