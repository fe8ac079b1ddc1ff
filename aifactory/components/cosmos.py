"""CosmosDb: a private, keyless Azure Cosmos DB (NoSQL) account, with data-plane role assignments.

Public network access off, local (key) auth off, key-based metadata writes off, TLS 1.2, continuous
backup, a private endpoint (group ``Sql``) and diagnostics. Management access is Azure RBAC
(:meth:`grant_role`, e.g. Cosmos DB Operator); data access is Cosmos DB's own RBAC
(:meth:`grant_data`, a SQL role assignment of a built-in data role at the account or a database).
"""

from __future__ import annotations

import uuid
from typing import Literal, Optional

import pulumi
from pydantic import InstanceOf

from aifactory.components.arm import AzureResource
from aifactory.components.base import ComponentArgs, ComponentSettings
from aifactory.components.rbac import Grantee
from aifactory.components.service import ServiceComponent, ServicePlacement
from aifactory.components.stateful import Protection, lock_against_delete
from aifactory.core.access import ROLE_ASSIGNMENT_NAMESPACE
from aifactory.core.naming import ResourceKind
from aifactory.core.types import Qualifier, StrictFlag

COSMOS_ACCOUNT = "azure-native:cosmosdb:DatabaseAccount"
SQL_ROLE_ASSIGNMENT = "azure-native:cosmosdb:SqlResourceSqlRoleAssignment"
DATA_READER = "00000000-0000-0000-0000-000000000001"
DATA_CONTRIBUTOR = "00000000-0000-0000-0000-000000000002"
"""Cosmos DB's built-in data roles (SQL role definitions of every account)."""


class CosmosDbArgs(ComponentArgs):
    placement: InstanceOf[ServicePlacement]
    qualifier: Optional[Qualifier] = None
    zone_redundant: StrictFlag = False
    backup: Literal["Continuous7Days", "Continuous30Days"] = "Continuous7Days"
    protection: InstanceOf[Protection] = Protection()
    settings: InstanceOf[ComponentSettings] = ComponentSettings()


class CosmosDb(ServiceComponent):
    account_id: pulumi.Output[str]
    endpoint: str

    def __init__(self, name: str, args: CosmosDbArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("aifactory:data:CosmosDb", name, args.placement, args.settings, opts)
        placement = args.placement
        self.account_name = placement.name(ResourceKind.COSMOS_DB, args.qualifier)
        self.account = AzureResource(
            COSMOS_ACCOUNT,
            self.child_name("cosmos"),
            {
                "accountName": self.account_name,
                "resourceGroupName": placement.resource_group_name,
                "location": placement.location,
                "kind": "GlobalDocumentDB",
                "databaseAccountOfferType": "Standard",
                "locations": [{"locationName": placement.location, "failoverPriority": 0, "isZoneRedundant": args.zone_redundant}],
                "consistencyPolicy": {"defaultConsistencyLevel": "Session"},
                "publicNetworkAccess": "Disabled",
                "disableLocalAuth": True,
                "disableKeyBasedMetadataWriteAccess": True,
                "minimalTlsVersion": "Tls12",
                "networkAclBypass": "None",
                "isVirtualNetworkFilterEnabled": False,
                "enableAutomaticFailover": False,
                "enableMultipleWriteLocations": False,
                "enableFreeTier": False,
                "backupPolicy": {"type": "Continuous", "continuousModeProperties": {"tier": args.backup}},
                "tags": self.tags,
            },
            self.child_opts(protect=args.protection.protect),
        )
        self.account_id = self.account.id
        self.endpoint = f"https://{self.account_name}.documents.azure.com:443/"
        if args.protection.delete_lock:
            lock_against_delete(self, "cosmos", self.account, "Cosmos DB of the AI factory; remove the lock deliberately.")
        self._expose(self.account, self.account_name, "cosmos")
        self._private_endpoints(self.account.id, ("Sql",), args.qualifier or "cosmos")
        self._diagnostics("cosmos", self.account.id)
        self.register_outputs({"accountId": self.account_id, "endpoint": self.endpoint})

    def grant_data(
        self,
        grantee: Grantee,
        *,
        role: str = DATA_CONTRIBUTOR,
        database: Optional[str] = None,
        parent: Optional[pulumi.Resource] = None,
        opts: Optional[pulumi.ResourceOptions] = None,
    ) -> AzureResource:
        """A built-in data role (Cosmos DB RBAC) at the account, or at one database of it; keyless."""
        scope_path = f"/dbs/{database}" if database else ""
        assignment = str(
            uuid.uuid5(ROLE_ASSIGNMENT_NAMESPACE, f"cosmos:{self._scope_key}{scope_path}|{grantee.key}|{role}".lower())
        )
        account_id = self.account.id
        return AzureResource(
            SQL_ROLE_ASSIGNMENT,
            self.child_name(f"sql-ra-{assignment[:8]}"),
            {
                "accountName": self.account.name,
                "resourceGroupName": self.placement.resource_group_name,
                "roleAssignmentId": assignment,
                "principalId": grantee.principal_id,
                "roleDefinitionId": account_id.apply(lambda i: f"{i}/sqlRoleDefinitions/{role}"),
                "scope": account_id.apply(lambda i: f"{i}{scope_path}"),
            },
            pulumi.ResourceOptions.merge(pulumi.ResourceOptions(parent=parent or self), opts),
        )
