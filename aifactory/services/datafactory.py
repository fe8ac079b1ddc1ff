"""Azure Data Factory: managed identity, managed VNet runtime, private endpoints."""

from __future__ import annotations

from aifactory.core.access import Persona, Role
from aifactory.core.naming import ResourceKind
from aifactory.core.spec import LAKE_TARGET, Footprint, NameClaim, ServiceSpec, Wiring

DATAFACTORY = ServiceSpec(
    key="datafactory",
    title="Azure Data Factory",
    summary="Managed identity, managed VNet integration runtime, the project's lake area as a linked service, "
    "private endpoints for the factory and its portal",
    builder="aifactory.components.data_factory:build",
    abbreviation="adf",
    endpoint_groups=("dataFactory", "portal"),
    roles={
        Persona.OWNER: (Role.DATA_FACTORY_CONTRIBUTOR,),
        Persona.MEMBER: (Role.READER,),
        Persona.READER: (Role.READER,),
    },
    resource_types=(
        "azure-native:datafactory:Factory",
        "azure-native:datafactory:IntegrationRuntime",
        "azure-native:datafactory:ManagedPrivateEndpoint",
        "azure-native:datafactory:LinkedService",
        "azure-native:resources:Resource",
    ),
    diagnosed_types=("azure-native:datafactory:Factory",),
    outputs={"factoryId": "the factory's resource id"},
    identities=("system",),
    wiring=(Wiring("datafactory", "system", LAKE_TARGET, Role.STORAGE_BLOB_DATA_CONTRIBUTOR, "pipelines read and write the project's area"),),
    names=(NameClaim(ResourceKind.DATA_FACTORY),),
    footprint=Footprint(private_endpoints=2),
)
