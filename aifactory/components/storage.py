"""The factory's one definition of a secure storage account (lake, service and agent storage alike)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from aifactory.components.arm import AzureResource
from aifactory.components.base import FactoryComponent, insecure_tags
from aifactory.components.stateful import Protection, lock_against_delete

STORAGE_ACCOUNT = "azure-native:storage:StorageAccount"


@dataclass(frozen=True)
class StorageSpec:
    name: str
    resource_group_name: pulumi.Input[str]
    location: str
    sku: str
    hierarchical_namespace: bool
    protection: Protection = Protection()
    allow_public_network_access: bool = False
    lock_note: str = "Data store of the AI factory; remove the lock deliberately."


def secure_storage_account(owner: FactoryComponent, suffix: str, spec: StorageSpec) -> AzureResource:
    """Entra-only (no shared keys), private, HTTPS and TLS 1.2, infrastructure encryption, no anonymous
    or cross-tenant access; protected and locked as ``spec.protection`` says."""
    public = spec.allow_public_network_access
    account = AzureResource(
        STORAGE_ACCOUNT,
        owner.child_name(suffix),
        {
            "accountName": spec.name,
            "resourceGroupName": spec.resource_group_name,
            "location": spec.location,
            "kind": "StorageV2",
            "sku": {"name": spec.sku},
            "accessTier": "Hot",
            "isHnsEnabled": spec.hierarchical_namespace,
            "publicNetworkAccess": "Enabled" if public else "Disabled",
            "networkRuleSet": {"defaultAction": "Allow" if public else "Deny", "bypass": "AzureServices"},
            "allowBlobPublicAccess": False,
            "allowSharedKeyAccess": False,
            "allowCrossTenantReplication": False,
            "defaultToOAuthAuthentication": True,
            "enableHttpsTrafficOnly": True,
            "minimumTlsVersion": "TLS1_2",
            "encryption": {
                "keySource": "Microsoft.Storage",
                "requireInfrastructureEncryption": True,
                "services": {
                    "blob": {"enabled": True, "keyType": "Account"},
                    "file": {"enabled": True, "keyType": "Account"},
                },
            },
            "tags": insecure_tags(owner.tags, public=public),
        },
        owner.child_opts(protect=spec.protection.protect),
    )
    if spec.protection.delete_lock:
        lock_against_delete(owner, suffix, account, spec.lock_note)
    return account
