"""Azure Container Registry: Premium (private link), no admin user, no anonymous pull."""

from __future__ import annotations

from aifactory.core.access import Persona, Role
from aifactory.core.naming import ResourceKind
from aifactory.core.spec import Footprint, NameClaim, ServiceSpec

REGISTRY = ServiceSpec(
    key="registry",
    title="Container registry",
    summary="Premium registry (private link), no admin user, no anonymous pull, zone redundant where the profile says",
    builder="aifactory.components.container_registry:build",
    abbreviation="cr",
    endpoint_groups=("registry",),
    roles={Persona.OWNER: (Role.ACR_PUSH,), Persona.MEMBER: (Role.ACR_PULL,), Persona.WORKLOAD: (Role.ACR_PUSH,)},
    resource_types=("azure-native:containerregistry:Registry",),
    diagnosed_types=("azure-native:containerregistry:Registry",),
    outputs={"loginServer": "the registry's login server (<name>.azurecr.io)", "id": "the registry's resource id"},
    names=(NameClaim(ResourceKind.CONTAINER_REGISTRY),),
    footprint=Footprint(private_endpoints=1),
)
