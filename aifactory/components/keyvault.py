"""KeyVault: RBAC mode, purge protection, no public access, private endpoint, diagnostics, grants."""

from __future__ import annotations

from typing import Literal, Optional

import pulumi
from pydantic import Field, InstanceOf

from aifactory.components.arm import AzureResource
from aifactory.components.base import ComponentArgs, ComponentSettings, StrInput, insecure_tags
from aifactory.components.rbac import Grantee
from aifactory.components.service import BuiltService, ServiceComponent, ServiceContext, ServicePlacement
from aifactory.components.stateful import Protection, lock_against_delete
from aifactory.core.access import Role
from aifactory.core.naming import ResourceKind
from aifactory.core.types import Qualifier, StrictFlag
from aifactory.services.keyvault import KEYVAULT, KeyVaultSettings


class KeyVaultArgs(ComponentArgs):
    placement: InstanceOf[ServicePlacement]
    tenant_id: StrInput
    qualifier: Optional[Qualifier] = None
    soft_delete_days: int = Field(default=90, ge=7, le=90)
    """Soft-delete retention, 7-90 days."""
    sku: Literal["standard", "premium"] = "standard"
    protection: InstanceOf[Protection] = Protection()
    allow_public_network_access: StrictFlag = False
    """Insecure: only for break-glass scenarios; policies flag it."""
    settings: InstanceOf[ComponentSettings] = ComponentSettings()


class KeyVault(ServiceComponent):
    vault_id: pulumi.Output[str]
    vault_uri: pulumi.Output[str]

    def __init__(self, name: str, args: KeyVaultArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("aifactory:security:KeyVault", name, args.placement, args.settings, opts)
        placement = args.placement
        public = args.allow_public_network_access
        self.vault_name = placement.name(ResourceKind.KEY_VAULT, args.qualifier)
        self.vault = AzureResource(
            "azure-native:keyvault:Vault",
            self.child_name("kv"),
            {
                "vaultName": self.vault_name,
                "resourceGroupName": placement.resource_group_name,
                "location": placement.location,
                "properties": {
                    "tenantId": args.tenant_id,
                    "sku": {"family": "A", "name": args.sku},
                    "enableRbacAuthorization": True,
                    "enableSoftDelete": True,
                    "softDeleteRetentionInDays": args.soft_delete_days,
                    "enablePurgeProtection": True,
                    "enabledForDeployment": False,
                    "enabledForDiskEncryption": False,
                    "enabledForTemplateDeployment": False,
                    "publicNetworkAccess": "Enabled" if public else "Disabled",
                    "networkAcls": {"defaultAction": "Allow" if public else "Deny", "bypass": "AzureServices"},
                },
                "tags": insecure_tags(self.tags, public=public),
            },
            self.child_opts(protect=args.protection.protect),
        )
        self.vault_id = self.vault.id
        self.vault_uri = pulumi.Output.from_input(f"https://{self.vault_name}.vault.azure.net/")
        if args.protection.delete_lock:
            lock_against_delete(self, "kv", self.vault, "Key vault of the AI factory; remove the lock deliberately.")
        self._expose(self.vault, self.vault_name, "keyvault")
        self._private_endpoints(self.vault.id, KEYVAULT.endpoint_groups, args.qualifier or "kv")
        self._diagnostics("kv", self.vault.id)
        self.register_outputs({"vaultId": self.vault_id, "vaultUri": self.vault_uri})

    def grant_secrets_read(self, grantee: Grantee, parent: Optional[pulumi.Resource] = None) -> None:
        self.grant_role(grantee, Role.KEY_VAULT_SECRETS_USER, parent)

    def grant_secrets_write(self, grantee: Grantee, parent: Optional[pulumi.Resource] = None) -> None:
        self.grant_role(grantee, Role.KEY_VAULT_SECRETS_OFFICER, parent)

    def grant_admin(self, grantee: Grantee, parent: Optional[pulumi.Resource] = None) -> None:
        self.grant_role(grantee, Role.KEY_VAULT_ADMINISTRATOR, parent)


def build(context: ServiceContext) -> BuiltService:
    """The project's key vault, with the profile's vault soft-delete retention."""
    settings: KeyVaultSettings = context.settings
    vault = KeyVault(
        context.name,
        KeyVaultArgs(
            placement=context.placement,
            tenant_id=context.tenant_id,
            sku=settings.sku,
            allow_public_network_access=context.profile.insecure.public_network_access,
            soft_delete_days=context.profile.vault_soft_delete_days,
            protection=context.protection,
            settings=context.component_settings,
        ),
        opts=context.opts(),
    )
    return BuiltService(vault, {"uri": vault.vault_uri, "id": vault.vault_id})
