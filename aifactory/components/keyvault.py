"""KeyVault: RBAC mode, purge protection, no public access, private endpoint, diagnostics, grants."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import pulumi
from pulumi_azure_native import keyvault

from aifactory.access import Role
from aifactory.components.base import ComponentSettings, FactoryComponent, insecure_tags
from aifactory.components.monitoring import attach_diagnostics
from aifactory.components.private_endpoint import EndpointPlacement, add_endpoints
from aifactory.components.rbac import Grantee, grant, optional_parent
from aifactory.components.stateful import Protection, lock_against_delete
from aifactory.naming import NamingContext, ResourceKind, resource_name


@dataclass(frozen=True)
class KeyVaultArgs:
    naming: NamingContext
    resource_group_name: pulumi.Input[str]
    tenant_id: pulumi.Input[str]
    endpoints: EndpointPlacement
    log_analytics_workspace_id: pulumi.Input[str]
    project: Optional[str] = None
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


class KeyVault(FactoryComponent):
    vault_id: pulumi.Output[str]
    vault_uri: pulumi.Output[str]

    def __init__(self, name: str, args: KeyVaultArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("aifactory:security:KeyVault", name, args.settings, opts)
        self.args = args
        self.vault_name = resource_name(ResourceKind.KEY_VAULT, args.naming, project=args.project, qualifier=args.qualifier)
        self.vault = keyvault.Vault(
            self.child_name("kv"),
            vault_name=self.vault_name,
            resource_group_name=args.resource_group_name,
            location=args.endpoints.location,
            properties=keyvault.VaultPropertiesArgs(
                tenant_id=args.tenant_id,
                sku=keyvault.SkuArgs(family="A", name=args.sku),
                enable_rbac_authorization=True,
                enable_soft_delete=True,
                soft_delete_retention_in_days=args.soft_delete_days,
                enable_purge_protection=True,
                public_network_access="Enabled" if args.allow_public_network_access else "Disabled",
                network_acls=keyvault.NetworkRuleSetArgs(
                    default_action="Allow" if args.allow_public_network_access else "Deny",
                    bypass="AzureServices",
                ),
            ),
            tags=insecure_tags(self.tags, public=args.allow_public_network_access),
            opts=self.child_opts(protect=args.protection.protect),
        )
        self.vault_id = self.vault.id
        self.vault_uri = pulumi.Output.from_input(f"https://{self.vault_name}.vault.azure.net/")
        if args.protection.delete_lock:
            lock_against_delete(self, "kv", self.vault, "Key vault of the AI factory; remove the lock deliberately.")
        add_endpoints(
            self,
            resource_id=self.vault.id,
            group_ids=("vault",),
            placement=args.endpoints,
            naming=args.naming,
            qualifier=args.qualifier or "kv",
            project=args.project,
            settings=args.settings,
        )
        attach_diagnostics(self, "kv", self.vault.id, args.log_analytics_workspace_id)
        self.register_outputs({"vaultId": self.vault_id, "vaultUri": self.vault_uri})

    def _grant(self, grantee: Grantee, role: Role, parent: Optional[pulumi.Resource]) -> None:
        grant(
            name=self.child_name("ra"),
            scope=self.vault.id,
            scope_key=f"keyvault:{self.vault_name}",
            grantee=grantee,
            role=role,
            subscription_id=self.args.naming.subscription_id,
            parent=optional_parent(parent, self),
        )

    def grant_secrets_read(self, grantee: Grantee, parent: Optional[pulumi.Resource] = None) -> None:
        self._grant(grantee, Role.KEY_VAULT_SECRETS_USER, parent)

    def grant_secrets_write(self, grantee: Grantee, parent: Optional[pulumi.Resource] = None) -> None:
        self._grant(grantee, Role.KEY_VAULT_SECRETS_OFFICER, parent)

    def grant_admin(self, grantee: Grantee, parent: Optional[pulumi.Resource] = None) -> None:
        self._grant(grantee, Role.KEY_VAULT_ADMINISTRATOR, parent)

    def grant_role(self, grantee: Grantee, role: Role, parent: Optional[pulumi.Resource] = None) -> None:
        """Any role from the role matrix, at this vault's scope."""
        self._grant(grantee, role, parent)
