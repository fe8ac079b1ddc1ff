"""AgentService: the Foundry Agent Service's standard setup for one Foundry project.

The project's threads go to its own Cosmos DB, its files to its own storage account, its vector
stores to its own AI Search, each private and keyless. The Foundry project connects to the three
with Entra ID (connections of auth type ``AAD``), and a project capability host names the three
connections. Order, as Azure needs it: the dependencies and their private endpoints; the project
identity's roles (Cosmos DB Operator, Storage Blob Data Contributor, Search Index Data Contributor
and Search Service Contributor) and the connections, one after another; then the capability host
(replaced, never updated: Azure refuses updates); then Cosmos DB's data role on the thread database,
which must come after the capability host. No key is read or exported.
"""

from __future__ import annotations

from typing import Literal, Optional

import pulumi
from pydantic import InstanceOf

from aifactory.components.ai_search import AiSearch, AiSearchArgs
from aifactory.components.arm import AzureResource
from aifactory.components.base import ComponentArgs, ComponentSettings
from aifactory.components.cosmos import DATA_CONTRIBUTOR, CosmosDb, CosmosDbArgs
from aifactory.components.rbac import Grantee, grant
from aifactory.components.service import BuiltService, ServiceComponent, ServiceContext, ServicePlacement
from aifactory.components.stateful import Protection
from aifactory.components.storage import StorageSpec, secure_storage_account
from aifactory.core.access import Role
from aifactory.core.config import StorageSku
from aifactory.core.naming import ResourceKind
from aifactory.core.types import StrictFlag
from aifactory.services.agents import THREAD_DATABASE, AgentSettings
from aifactory.services.search import SearchSku

CONNECTION = "azure-native:cognitiveservices:ProjectConnection"
CAPABILITY_HOST = "azure-native:cognitiveservices:ProjectCapabilityHost"
CAPABILITY_HOST_NAME = "agents"
THREADS, FILES, VECTORS = "cosmos-threads", "storage-files", "search-vectors"
"""Connection names (3-33 characters): what the capability host names."""


class AgentServiceArgs(ComponentArgs):
    placement: InstanceOf[ServicePlacement]
    account_name: str
    """The Foundry resource (account) the project belongs to."""
    project_name: str
    """The Foundry project whose agents this serves."""
    project_identity: InstanceOf[Grantee]
    """The Foundry project's managed identity: it gets the roles on the three dependencies."""
    search_sku: SearchSku = "basic"
    storage_sku: StorageSku = "Standard_LRS"
    cosmos_backup: Literal["Continuous7Days", "Continuous30Days"] = "Continuous7Days"
    zone_redundant: StrictFlag = False
    protection: InstanceOf[Protection] = Protection()
    depends_on: tuple[InstanceOf[pulumi.Resource], ...] = ()
    """What must exist first (the Foundry project and its account's endpoint)."""
    settings: InstanceOf[ComponentSettings] = ComponentSettings()


class AgentService(ServiceComponent):
    capability_host: AzureResource

    def __init__(self, name: str, args: AgentServiceArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("aifactory:ai:AgentService", name, args.placement, args.settings, opts)
        placement = args.placement
        location = placement.location  # one region for the account, its dependencies and their endpoints
        identity = args.project_identity
        subscription = placement.naming.subscription_id

        self.cosmos = CosmosDb(
            self.child_name("cosmos"),
            CosmosDbArgs(
                placement=placement, zone_redundant=args.zone_redundant, backup=args.cosmos_backup,
                protection=args.protection, settings=args.settings,
            ),
            opts=self.child_opts(),
        )
        self._expose(self.cosmos.account, self.cosmos.account_name, "cosmos")
        storage_name = placement.name(ResourceKind.STORAGE_ACCOUNT, "agents")
        self.storage = secure_storage_account(
            self,
            "st",
            StorageSpec(
                name=storage_name,
                resource_group_name=placement.resource_group_name,
                location=location,
                sku=args.storage_sku,
                hierarchical_namespace=False,
                protection=args.protection,
                lock_note="Agent Service files of the AI factory; remove the lock deliberately.",
            ),
        )
        self._private_endpoints(self.storage.id, ("blob",), "agentst")
        self._diagnostics("st", self.storage.id, logs=False)
        self.search = AiSearch(
            self.child_name("search"),
            AiSearchArgs(placement=placement, sku=args.search_sku, qualifier="agents", settings=args.settings),
            opts=self.child_opts(),
        )

        roles = [
            grant(name=self.child_name("ra-cosmos"), scope=self.cosmos.account_id, scope_key=f"cosmos:{subscription}/{self.cosmos.account_name}",
                  grantee=identity, role=Role.COSMOS_DB_OPERATOR, subscription_id=subscription, parent=self),
            grant(name=self.child_name("ra-storage"), scope=self.storage.id, scope_key=f"storage:{subscription}/{storage_name}",
                  grantee=identity, role=Role.STORAGE_BLOB_DATA_CONTRIBUTOR, subscription_id=subscription, parent=self),
            grant(name=self.child_name("ra-search-data"), scope=self.search.service_id, scope_key=f"search:{subscription}/{self.search.service_name}",
                  grantee=identity, role=Role.SEARCH_INDEX_DATA_CONTRIBUTOR, subscription_id=subscription, parent=self),
            grant(name=self.child_name("ra-search-service"), scope=self.search.service_id, scope_key=f"search:{subscription}/{self.search.service_name}",
                  grantee=identity, role=Role.SEARCH_SERVICE_CONTRIBUTOR, subscription_id=subscription, parent=self),
        ]

        targets = (
            (THREADS, "CosmosDb", self.cosmos.endpoint, self.cosmos.account_id),
            (FILES, "AzureStorageAccount", f"https://{storage_name}.blob.core.windows.net/", self.storage.id),
            (VECTORS, "CognitiveSearch", self.search.endpoint, self.search.service_id),
        )
        previous: list[pulumi.Resource] = [self.cosmos, self.search, *args.depends_on]
        connections = []
        for connection, category, target, resource_id in targets:  # one at a time: Azure reports conflicts otherwise
            created = AzureResource(
                CONNECTION,
                self.child_name(f"conn-{connection}"),
                {
                    "accountName": args.account_name,
                    "projectName": args.project_name,
                    "resourceGroupName": placement.resource_group_name,
                    "connectionName": connection,
                    "properties": {
                        "authType": "AAD",
                        "category": category,
                        "target": target,
                        "metadata": {"ApiType": "Azure", "ResourceId": resource_id, "location": location},
                    },
                },
                self.child_opts(depends_on=previous),
            )
            connections.append(created)
            previous = [created]

        self.capability_host = AzureResource(
            CAPABILITY_HOST,
            self.child_name("caphost"),
            {
                "accountName": args.account_name,
                "projectName": args.project_name,
                "resourceGroupName": placement.resource_group_name,
                "capabilityHostName": CAPABILITY_HOST_NAME,
                "projectCapabilityHostProperties": {
                    "threadStorageConnections": [THREADS],
                    "vectorStoreConnections": [VECTORS],
                    "storageConnections": [FILES],
                },
            },
            self.child_opts(depends_on=[*connections, *roles], delete_before_replace=True, replace_on_changes=["*"]),
        )
        self.cosmos.grant_data(
            identity,
            role=DATA_CONTRIBUTOR,
            database=THREAD_DATABASE,
            parent=self,
            opts=pulumi.ResourceOptions(depends_on=[self.capability_host]),
        )
        self.register_outputs({"capabilityHost": CAPABILITY_HOST_NAME, "cosmosAccountId": self.cosmos.account_id})


def build(context: ServiceContext) -> BuiltService:
    """The standard setup for the project's Foundry project (built first: this service needs ``foundry``)."""
    settings: AgentSettings = context.settings
    foundry = context.needed("foundry")
    agents = AgentService(
        context.name,
        AgentServiceArgs(
            placement=context.placement,
            account_name=foundry.outputs["accountName"],
            project_name=foundry.outputs["projectName"],
            project_identity=foundry.identities["project"],
            search_sku=settings.search_sku,
            storage_sku=context.profile.storage_sku,
            cosmos_backup=settings.cosmos_backup,
            zone_redundant=context.profile.zone_redundant,
            protection=context.protection,
            depends_on=(foundry.component,),
            settings=context.component_settings,
        ),
        opts=context.opts(),
    )
    outputs = {
        "cosmosAccountId": agents.cosmos.account_id,
        "storageAccountId": agents.storage.id,
        "searchServiceId": agents.search.service_id,
        "capabilityHost": CAPABILITY_HOST_NAME,
    }
    return BuiltService(agents, outputs)
