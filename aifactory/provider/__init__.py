"""The AI factory's components as a Pulumi package usable from every Pulumi language.

Pulumi hosts these classes as a multi-language (source-based) component package: `provider/` at the
repository root holds the `PulumiPlugin.yaml` and the entry point that calls
`component_provider_host(COMPONENTS, ...)`; consumers run `pulumi package add` and get a typed SDK in
TypeScript, Go, C#, Java or YAML whose schema the SDK's analyzer infers from the annotations and attribute
docstrings here.

Each exported component takes plain, serializable inputs (no Python objects), builds our Args from them
and constructs our component (`aifactory.components`) as its only child, so a TypeScript or YAML caller
gets the same secure defaults and the same checks (`ComponentArgsError`) as a Python caller.
See `docs/components/multi-language.md`.
"""

import pulumi

from aifactory.provider.data import DataLake, ProjectLakeArea
from aifactory.provider.network import HubNetwork, ProjectSpoke
from aifactory.provider.package import MODULE, NAMESPACE, PACKAGE_NAME, package_version, type_token
from aifactory.provider.services import AksCluster, DatabricksWorkspace, EventHubs, FoundryProject, MachineLearningWorkspace

COMPONENTS: list[type[pulumi.ComponentResource]] = [
    HubNetwork,
    ProjectSpoke,
    DataLake,
    ProjectLakeArea,
    MachineLearningWorkspace,
    DatabricksWorkspace,
    EventHubs,
    AksCluster,
    FoundryProject,
]
"""Every exported component, in the order the docs list them; each is `aifactory:index:<ClassName>`."""

__all__ = [
    "COMPONENTS",
    "MODULE",
    "NAMESPACE",
    "PACKAGE_NAME",
    "AksCluster",
    "DataLake",
    "DatabricksWorkspace",
    "EventHubs",
    "FoundryProject",
    "HubNetwork",
    "MachineLearningWorkspace",
    "ProjectLakeArea",
    "ProjectSpoke",
    "package_version",
    "type_token",
]
