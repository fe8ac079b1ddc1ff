"""Microsoft Foundry: a Foundry resource (an AIServices account) with the team's Foundry project."""

from __future__ import annotations

from pydantic import Field

from aifactory.core.access import Persona, Role
from aifactory.core.naming import ResourceKind
from aifactory.core.spec import Footprint, NameClaim, ServiceSettings, ServiceSpec
from aifactory.services.aiservices import Deployments


class FoundrySettings(ServiceSettings):
    deployments: Deployments = ()
    """Model deployments on the project's Foundry resource."""
    project_display_name: str | None = Field(default=None, max_length=100)


FOUNDRY = ServiceSpec(
    key="foundry",
    title="Microsoft Foundry",
    summary="A Foundry resource per project (AIServices account with project management, custom subdomain, "
    "Entra ID only, private, network ACLs deny) with the request's model deployments and one Foundry project "
    "with its own managed identity; the agent subnet is injected when the Agent Service is on",
    builder="aifactory.components.foundry:build",
    abbreviation="aif",
    endpoint_groups=("account",),
    roles={
        Persona.OWNER: (Role.AZURE_AI_PROJECT_MANAGER,),
        Persona.MEMBER: (Role.AZURE_AI_USER,),
        Persona.READER: (Role.READER,),
        Persona.WORKLOAD: (Role.AZURE_AI_USER,),
    },
    resource_types=(
        "azure-native:cognitiveservices:Account",
        "azure-native:cognitiveservices:Deployment",
        "azure-native:cognitiveservices:Project",
    ),
    diagnosed_types=("azure-native:cognitiveservices:Account",),
    settings=FoundrySettings,
    outputs={
        "accountName": "the Foundry resource's (account's) name",
        "projectName": "the Foundry project's name",
        "endpoint": "the Foundry resource's endpoint (https://<name>.services.ai.azure.com/)",
        "projectEndpoint": "the Foundry project's endpoint (agents, evaluations, connections)",
        "accountId": "the Foundry resource's id",
        "projectId": "the Foundry project's id",
        "projectPrincipalId": "the Foundry project's managed identity",
    },
    identities=("project",),
    names=(NameClaim(ResourceKind.FOUNDRY_ACCOUNT),),
    footprint=Footprint(private_endpoints=1),
)
