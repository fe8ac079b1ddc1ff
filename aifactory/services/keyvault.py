"""Key Vault: the project's secrets, RBAC mode, purge protection, private."""

from __future__ import annotations

from typing import Literal

from aifactory.core.access import Persona, Role
from aifactory.core.naming import ResourceKind
from aifactory.core.spec import Footprint, NameClaim, ServiceSettings, ServiceSpec


class KeyVaultSettings(ServiceSettings):
    sku: Literal["standard", "premium"] = "standard"
    """``premium`` adds HSM-backed keys."""


KEYVAULT = ServiceSpec(
    key="keyvault",
    title="Key Vault",
    summary="The project's secrets: Azure RBAC, soft delete and purge protection, private endpoint only",
    builder="aifactory.components.keyvault:build",
    abbreviation="kv",
    endpoint_groups=("vault",),
    roles={
        Persona.OWNER: (Role.KEY_VAULT_SECRETS_OFFICER,),
        Persona.MEMBER: (Role.KEY_VAULT_SECRETS_USER,),
        Persona.WORKLOAD: (Role.KEY_VAULT_SECRETS_USER,),
    },
    resource_types=("azure-native:keyvault:Vault",),
    diagnosed_types=("azure-native:keyvault:Vault",),
    protected_types=("azure-native:keyvault:Vault",),
    settings=KeyVaultSettings,
    outputs={"uri": "the vault's URI (https://<name>.vault.azure.net/)", "id": "the vault's resource id"},
    names=(NameClaim(ResourceKind.KEY_VAULT),),
    footprint=Footprint(key_vaults_with_endpoints=1, private_endpoints=1),
)
