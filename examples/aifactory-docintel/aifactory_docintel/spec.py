"""The service and the project type, as data (no Pulumi here: the catalog loads this without it)."""

from __future__ import annotations

from typing import Literal

from aifactory.core.access import Persona, Role
from aifactory.core.addressing import PRIVATE_ENDPOINT_SUBNET, SubnetSpec
from aifactory.core.naming import ResourceKind
from aifactory.core.spec import Footprint, Inclusion, NameClaim, ProjectTypeSpec, ServiceSettings, ServiceSpec


class DocIntelSettings(ServiceSettings):
    sku: Literal["S0"] = "S0"
    """Document Intelligence's standard tier (F0 has no private endpoints)."""


DOCINTEL = ServiceSpec(
    key="docintel",
    title="Azure AI Document Intelligence",
    summary="A Document Intelligence account (kind FormRecognizer): custom subdomain, Entra ID only, private, "
    "network ACLs deny, a managed identity",
    builder="aifactory_docintel.component:build",
    abbreviation="di",
    endpoint_groups=("account",),
    roles={
        Persona.OWNER: (Role.COGNITIVE_SERVICES_USER,),
        Persona.MEMBER: (Role.COGNITIVE_SERVICES_USER,),
        Persona.WORKLOAD: (Role.COGNITIVE_SERVICES_USER,),
    },
    resource_types=("azure-native:cognitiveservices:Account",),
    diagnosed_types=("azure-native:cognitiveservices:Account",),
    settings=DocIntelSettings,
    outputs={"endpoint": "the account's endpoint", "id": "the account's resource id"},
    names=(NameClaim(ResourceKind.AI_SERVICES, "di"),),
    footprint=Footprint(private_endpoints=1),
)

DOCUMENTS = ProjectTypeSpec(
    name="documents",
    description="Document processing: Document Intelligence, a lake area and a key vault",
    subnets=(SubnetSpec(PRIVATE_ENDPOINT_SUBNET, 26, private_endpoints=True), SubnetSpec("apps", 26)),
    services={"keyvault": Inclusion.REQUIRED, "docintel": Inclusion.REQUIRED},
)
