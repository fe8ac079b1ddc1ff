"""KeyVault: RBAC mode, purge protection, no public access, private endpoint, diagnostics, grants."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import pulumi
from pulumi_azure_native import keyvault

from aifactory.access import Role
from aifactory.components.base import ComponentSettings, insecure_tags
from aifactory.components.rbac import Grantee
from aifactory.components.service import ServiceComponent, ServicePlacement
from aifactory.components.stateful import Protection, lock_against_delete
from aifactory.naming import ResourceKind


@dataclass(frozen=True)
class KeyVaultArgs:
    placement: ServicePlacement
    tenant_id: pulumi.Input[str]
    qualifier: Optional[str] = None
    soft_delete_days: int = 90
    sku: str = "standard"
    protection: Protection = field(default_factory=Protection)
    allow_public_network_access: bool = False
    """Insecure: only for break-glass scenarios; policies flag it."""
    settings: ComponentSettings = field(default_factory=ComponentSettings)

    def __post_init__(self) -> None:
        if not 7 <= self.soft_delete_days <= 90:
            raise ValueError("Key Vault soft-delete retention is between 7 and 90 days")
        if self.sku not in ("standard", "premium"):
            raise ValueError("Key Vault sku is standard or premium")


class KeyVault(ServiceComponent):
    vault_id: pulumi.Output[str]
    vault_uri: pulumi.Output[str]

    def __init__(self, name: str, args: KeyVaultArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("aifactory:security:KeyVault", name, args.placement, args.settings, opts)
        placement = args.placement
        public = args.allow_public_network_access
        self.vault_name = placement.name(ResourceKind.KEY_VAULT, args.qualifier)
        self.vault = keyvault.Vault(
            self.child_name("kv"),
            vault_name=self.vault_name,
            resource_group_name=placement.resource_group_name,
            location=placement.location,
            properties=keyvault.VaultPropertiesArgs(
                tenant_id=args.tenant_id,
                sku=keyvault.SkuArgs(family="A", name=args.sku),
                enable_rbac_authorization=True,
                enable_soft_delete=True,
                soft_delete_retention_in_days=args.soft_delete_days,
                enable_purge_protection=True,
                public_network_access="Enabled" if public else "Disabled",
                network_acls=keyvault.NetworkRuleSetArgs(default_action="Allow" if public else "Deny", bypass="AzureServices"),
            ),
            tags=insecure_tags(self.tags, public=public),
            opts=self.child_opts(protect=args.protection.protect),
        )
        self.vault_id = self.vault.id
        self.vault_uri = pulumi.Output.from_input(f"https://{self.vault_name}.vault.azure.net/")
        if args.protection.delete_lock:
            lock_against_delete(self, "kv", self.vault, "Key vault of the AI factory; remove the lock deliberately.")
        self._expose(self.vault, self.vault_name, "keyvault")
        self._private_endpoints(self.vault.id, ("vault",), args.qualifier or "kv")
        self._diagnostics("kv", self.vault.id)
        self.register_outputs({"vaultId": self.vault_id, "vaultUri": self.vault_uri})

    def grant_secrets_read(self, grantee: Grantee, parent: Optional[pulumi.Resource] = None) -> None:
        self.grant_role(grantee, Role.KEY_VAULT_SECRETS_USER, parent)

    def grant_secrets_write(self, grantee: Grantee, parent: Optional[pulumi.Resource] = None) -> None:
        self.grant_role(grantee, Role.KEY_VAULT_SECRETS_OFFICER, parent)

    def grant_admin(self, grantee: Grantee, parent: Optional[pulumi.Resource] = None) -> None:
        self.grant_role(grantee, Role.KEY_VAULT_ADMINISTRATOR, parent)
