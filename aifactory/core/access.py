"""Access model: built-in roles, personas, deterministic assignment names.

Pure module (no Pulumi imports). The persona x role rows of each service live in its spec in the
service catalog (``aifactory.services``); the lake's rows (every project has a lake area) live here.
An assignment's name is a uuid5 of scope, principal and role, so re-running a plan or a deployment
never creates a duplicate (the old accelerator failed with RoleAssignmentExists).
"""

from __future__ import annotations

import uuid
from enum import Enum
from types import MappingProxyType
from typing import Mapping


class Role(str, Enum):
    """Built-in Azure roles the factory assigns, by role definition GUID."""

    READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
    NETWORK_CONTRIBUTOR = "4d97b98b-1d4f-4787-a291-c67834d212e7"
    PRIVATE_DNS_ZONE_CONTRIBUTOR = "b12aa53e-6015-4669-85d0-8515ebb3ae7f"
    STORAGE_BLOB_DATA_OWNER = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b"
    STORAGE_BLOB_DATA_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
    STORAGE_BLOB_DATA_READER = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"
    KEY_VAULT_ADMINISTRATOR = "00482a5a-887f-4fb3-b363-3b7fe8e74483"
    KEY_VAULT_SECRETS_OFFICER = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7"
    KEY_VAULT_SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6"
    AZUREML_DATA_SCIENTIST = "f6c7c914-8db3-469d-8ca1-694a8f32e121"
    AZUREML_COMPUTE_OPERATOR = "e503ece1-11d0-4e8e-8e2c-7a6c3bf38815"
    AZURE_AI_DEVELOPER = "64702f94-c441-49e6-a78b-ef80e0188fee"
    AKS_RBAC_WRITER = "a7ffa36f-339b-4b5c-8bdf-e2c188b2c0eb"
    AKS_RBAC_READER = "7f6c6a51-bcf8-42ba-9220-52d62157d7db"
    AKS_CLUSTER_USER = "4abbcc35-e782-43d8-92c5-2d3f1bd2253f"
    COGNITIVE_SERVICES_OPENAI_USER = "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd"
    COGNITIVE_SERVICES_OPENAI_CONTRIBUTOR = "a001fd3d-188f-4b5d-821b-7da978bf7442"
    COGNITIVE_SERVICES_USER = "a97b65f3-24c7-4388-baec-2e87135dc908"
    SEARCH_INDEX_DATA_CONTRIBUTOR = "8ebe5a00-799e-43f5-93ac-243d3dce84a7"
    SEARCH_INDEX_DATA_READER = "1407120a-92aa-4202-b7e9-c0e197c71c8f"
    ACR_PULL = "7f951dda-4ed3-4680-a7ca-43fe172d538d"
    ACR_PUSH = "8311e382-0749-4cb8-b61a-304f252e45ec"
    EVENT_HUBS_DATA_SENDER = "2b629674-e913-4c01-ae53-ef4638d8f975"
    EVENT_HUBS_DATA_RECEIVER = "a638d3c7-ab3a-418d-83e6-5f17a39d4fde"
    DATA_FACTORY_CONTRIBUTOR = "673868aa-7521-48a0-acc6-0f60742d39f5"
    AZURE_AI_USER = "53ca6127-db72-4b80-b1b0-d745d6d5456d"
    AZURE_AI_PROJECT_MANAGER = "eadc314b-1a2d-4efa-be10-5d325db5065e"
    AZURE_AI_ADMINISTRATOR = "b78c5d69-af96-48a3-bf8d-a8b4d589de94"
    SEARCH_SERVICE_CONTRIBUTOR = "7ca78c08-252a-4471-8644-bb5ff32d4ba0"
    COSMOS_DB_OPERATOR = "230815da-be43-4aae-9cb4-875f7bd000aa"


PRIVILEGED_ROLES = frozenset(
    {
        "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",  # Owner
        "b24988ac-6180-42a0-ab88-20f7382dd24c",  # Contributor
        "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",  # User Access Administrator
        "f58310d9-a9f6-439a-9e8d-f62e7b41a168",  # Role Based Access Control Administrator
    }
)
"""Roles the factory never hands out by default: broad control or the right to grant roles."""


class Persona(str, Enum):
    OWNER = "owner"
    MEMBER = "member"
    READER = "reader"
    WORKLOAD = "workload"
    """The project's user-assigned managed identity, used by its pipelines."""


LAKE_ROLES: Mapping[Persona, tuple[Role, ...]] = MappingProxyType(
    {
        Persona.OWNER: (Role.STORAGE_BLOB_DATA_CONTRIBUTOR,),
        Persona.MEMBER: (Role.STORAGE_BLOB_DATA_CONTRIBUTOR,),
        Persona.READER: (Role.STORAGE_BLOB_DATA_READER,),
        Persona.WORKLOAD: (Role.STORAGE_BLOB_DATA_CONTRIBUTOR,),
    }
)
"""Every project's own lake area: the team reads and writes, readers read."""

SHARED_LAKE_ROLES: Mapping[Persona, tuple[Role, ...]] = MappingProxyType(
    {persona: (Role.STORAGE_BLOB_DATA_READER,) for persona in Persona}
)
"""The lake's shared areas (curated data): everyone of every project reads, nobody writes."""

ROLE_ASSIGNMENT_NAMESPACE = uuid.UUID("0b5b7a57-3a0e-4c2d-9d3c-6f1e2a4b8c90")


def principal_key(kind: str, subscription_id: str, name: str) -> str:
    """How a managed identity is known at plan time (before it exists): kind, subscription, Azure name.

    The key feeds role-assignment names, so it must be the same string everywhere for the same identity.
    """
    return f"{kind}:{subscription_id}/{name}".lower()


def role_assignment_name(scope_key: str, principal_key: str, role: Role | str) -> str:
    """A deterministic GUID for one (scope, principal, role): same inputs, same name, every run."""
    role_id = role.value if isinstance(role, Role) else role
    return str(uuid.uuid5(ROLE_ASSIGNMENT_NAMESPACE, f"{scope_key.lower()}|{principal_key.lower()}|{role_id.lower()}"))


def role_definition_id(subscription_id: str, role: Role | str) -> str:
    role_id = role.value if isinstance(role, Role) else role
    return f"/subscriptions/{subscription_id}/providers/Microsoft.Authorization/roleDefinitions/{role_id}"
