"""Azure AI Services (Azure OpenAI): Entra-only, private, with model deployments (the pre-Foundry GenAI setup)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from aifactory.core.access import Persona, Role
from aifactory.core.naming import ResourceKind
from aifactory.core.spec import Footprint, NameClaim, ServiceSettings, ServiceSpec

DeploymentSku = Literal["Standard", "GlobalStandard", "DataZoneStandard", "ProvisionedManaged", "GlobalProvisionedManaged"]


class ModelDeployment(ServiceSettings):
    """One model deployment: model name and version, SKU, capacity (thousands of tokens per minute)."""

    name: str = Field(pattern=r"^[a-zA-Z0-9][a-zA-Z0-9._-]{1,63}$")
    model: str = Field(min_length=1, max_length=100, pattern=r"^[a-zA-Z0-9][a-zA-Z0-9._-]*$")
    version: str = Field(min_length=1, max_length=40, pattern=r"^[a-zA-Z0-9][a-zA-Z0-9._-]*$")
    capacity: int = Field(default=10, ge=1, le=10_000)
    sku: DeploymentSku = "GlobalStandard"
    model_format: str = Field(default="OpenAI", pattern=r"^[A-Za-z][A-Za-z0-9-]*$")
    """The model's publisher format (``OpenAI``, ``Microsoft``, ``Meta``, ...)."""


def distinct_deployments(value: tuple[ModelDeployment, ...]) -> tuple[ModelDeployment, ...]:
    """Deployment names are unique in an account: a repeated name is an error naming it."""
    seen: set[str] = set()
    for deployment in value:
        if deployment.name in seen:
            raise ValueError(f"model deployment {deployment.name!r} is listed twice; deployment names are unique")
        seen.add(deployment.name)
    return value


Deployments = Annotated[tuple[ModelDeployment, ...], Field(max_length=20), AfterValidator(distinct_deployments)]


class AiServicesSettings(ServiceSettings):
    deployments: Deployments = ()
    kind: Literal["AIServices", "OpenAI"] = "AIServices"


AISERVICES = ServiceSpec(
    key="aiservices",
    title="Azure AI Services",
    summary="An AI Services (Azure OpenAI) account: custom subdomain, Entra ID only, private, model deployments",
    builder="aifactory.components.ai_services:build",
    abbreviation="ais",
    endpoint_groups=("account",),
    roles={
        Persona.OWNER: (Role.COGNITIVE_SERVICES_OPENAI_CONTRIBUTOR,),
        Persona.MEMBER: (Role.COGNITIVE_SERVICES_OPENAI_USER,),
        Persona.WORKLOAD: (Role.COGNITIVE_SERVICES_OPENAI_USER,),
    },
    resource_types=("azure-native:cognitiveservices:Account", "azure-native:cognitiveservices:Deployment"),
    diagnosed_types=("azure-native:cognitiveservices:Account",),
    settings=AiServicesSettings,
    outputs={"endpoint": "the account's endpoint", "id": "the account's resource id"},
    names=(NameClaim(ResourceKind.AI_SERVICES),),
    footprint=Footprint(private_endpoints=1),
)
