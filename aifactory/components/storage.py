"""The factory's one definition of a secure storage account (lake and service storage alike)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import storage

from aifactory.components.base import FactoryComponent, insecure_tags
from aifactory.components.stateful import Protection, lock_against_delete


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


def secure_storage_account(owner: FactoryComponent, suffix: str, spec: StorageSpec) -> storage.StorageAccount:
    """Entra-only (no shared keys), private, HTTPS and TLS 1.2, infrastructure encryption, no anonymous
    or cross-tenant access; protected and locked as ``spec.protection`` says."""
    public = spec.allow_public_network_access
    account = storage.StorageAccount(
        owner.child_name(suffix),
        account_name=spec.name,
        resource_group_name=spec.resource_group_name,
        location=spec.location,
        kind="StorageV2",
        sku=storage.SkuArgs(name=spec.sku),
        access_tier="Hot",
        is_hns_enabled=spec.hierarchical_namespace,
        public_network_access="Enabled" if public else "Disabled",
        network_rule_set=storage.NetworkRuleSetArgs(default_action="Allow" if public else "Deny", bypass="AzureServices"),
        allow_blob_public_access=False,
        allow_shared_key_access=False,
        allow_cross_tenant_replication=False,
        default_to_o_auth_authentication=True,
        enable_https_traffic_only=True,
        minimum_tls_version="TLS1_2",
        encryption=storage.EncryptionArgs(
            key_source="Microsoft.Storage",
            require_infrastructure_encryption=True,
            services=storage.EncryptionServicesArgs(
                blob=storage.EncryptionServiceArgs(enabled=True, key_type="Account"),
                file=storage.EncryptionServiceArgs(enabled=True, key_type="Account"),
            ),
        ),
        tags=insecure_tags(owner.tags, public=public),
        opts=owner.child_opts(protect=spec.protection.protect),
    )
    if spec.protection.delete_lock:
        lock_against_delete(owner, suffix, account, spec.lock_note)
    return account
