"""The offline plan: run the real program in-process under Pulumi mocks and record what it registers.

No Azure, no Pulumi CLI, no credentials. Invokes such as ``getClientConfig`` are answered from
configuration; resource ids are the ARM ids Azure would assign (names are deterministic), so
scopes, peerings and zone links are the real strings.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
import uuid
from types import MappingProxyType
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Optional

import pulumi
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from aifactory import program
from aifactory.config import CONFIG_NAMESPACE
from aifactory.factory import assemble_factory, stack_values
from aifactory.policies import Finding, ResourceView, evaluate

STACK_TYPE = "pulumi:pulumi:Stack"
PROJECT_TYPE = "aifactory:project:Project"
MOCK_NAMESPACE = uuid.UUID("6d1c7f4e-2f0a-4c55-9a43-0d9f3e1b8a77")

# ARM provider type and the input that holds the Azure name, where the generic rule is wrong.
_ARM_TYPES: Mapping[str, tuple[str, str]] = MappingProxyType({
    "azure-native:privatedns:PrivateZone": ("Microsoft.Network/privateDnsZones", "privateZoneName"),
    "azure-native:privatedns:VirtualNetworkLink": ("Microsoft.Network/privateDnsZones/virtualNetworkLinks", "virtualNetworkLinkName"),
    "azure-native:network:PublicIPAddress": ("Microsoft.Network/publicIPAddresses", "publicIpAddressName"),
    "azure-native:network:AzureFirewall": ("Microsoft.Network/azureFirewalls", "azureFirewallName"),
    "azure-native:network:BastionHost": ("Microsoft.Network/bastionHosts", "bastionHostName"),
    "azure-native:storage:StorageAccount": ("Microsoft.Storage/storageAccounts", "accountName"),
    "azure-native:keyvault:Vault": ("Microsoft.KeyVault/vaults", "vaultName"),
    "azure-native:operationalinsights:Workspace": ("Microsoft.OperationalInsights/workspaces", "workspaceName"),
    "azure-native:managedidentity:UserAssignedIdentity": ("Microsoft.ManagedIdentity/userAssignedIdentities", "resourceName"),
    "azure-native:containerregistry:Registry": ("Microsoft.ContainerRegistry/registries", "registryName"),
    "azure-native:search:Service": ("Microsoft.Search/searchServices", "searchServiceName"),
    "azure-native:cognitiveservices:Account": ("Microsoft.CognitiveServices/accounts", "accountName"),
    "azure-native:eventhub:Namespace": ("Microsoft.EventHub/namespaces", "namespaceName"),
    "azure-native:databricks:Workspace": ("Microsoft.Databricks/workspaces", "workspaceName"),
    "azure-native:machinelearningservices:Workspace": ("Microsoft.MachineLearningServices/workspaces", "workspaceName"),
    "azure-native:machinelearningservices:Registry": ("Microsoft.MachineLearningServices/registries", "registryName"),
    "azure-native:containerservice:ManagedCluster": ("Microsoft.ContainerService/managedClusters", "resourceName"),
    "azure-native:datafactory:Factory": ("Microsoft.DataFactory/factories", "factoryName"),
    "azure-native:applicationinsights:Component": ("Microsoft.Insights/components", "resourceName"),
})
_NAMESPACES: Mapping[str, str] = MappingProxyType({
    "network": "Microsoft.Network",
    "storage": "Microsoft.Storage",
    "keyvault": "Microsoft.KeyVault",
    "machinelearningservices": "Microsoft.MachineLearningServices",
    "databricks": "Microsoft.Databricks",
    "datafactory": "Microsoft.DataFactory",
    "eventhub": "Microsoft.EventHub",
    "containerservice": "Microsoft.ContainerService",
    "containerregistry": "Microsoft.ContainerRegistry",
    "cognitiveservices": "Microsoft.CognitiveServices",
    "search": "Microsoft.Search",
    "insights": "Microsoft.Insights",
    "monitor": "Microsoft.Insights",
    "applicationinsights": "Microsoft.Insights",
    "operationalinsights": "Microsoft.OperationalInsights",
    "managedidentity": "Microsoft.ManagedIdentity",
    "authorization": "Microsoft.Authorization",
    "consumption": "Microsoft.Consumption",
})


def _lower_camel(text: str) -> str:
    return text[:1].lower() + text[1:]


def arm_id(type_token: str, logical_name: str, inputs: Mapping[str, Any], subscription_id: str) -> str:
    """The ARM id Azure would give a resource of this type with these inputs."""
    if type_token == "azure-native:resources:ResourceGroup":
        return f"/subscriptions/{subscription_id}/resourceGroups/{inputs.get('resourceGroupName', logical_name)}"
    _, module, resource = (type_token.split(":") + ["", ""])[:3]
    provider_type, name_key = _ARM_TYPES.get(
        type_token,
        (f"{_NAMESPACES.get(module, 'Microsoft.' + module.capitalize())}/{_lower_camel(resource)}s", f"{_lower_camel(resource)}Name"),
    )
    name = inputs.get(name_key)
    if name is None:
        name = next(
            (v for k, v in sorted(inputs.items()) if k.endswith("Name") and k != "resourceGroupName" and isinstance(v, str)),
            logical_name,
        )
    if "scope" in inputs and isinstance(inputs["scope"], str):
        return f"{inputs['scope']}/providers/{provider_type}/{name}"
    group = inputs.get("resourceGroupName", "mock-rg")
    return f"/subscriptions/{subscription_id}/resourceGroups/{group}/providers/{provider_type}/{name}"


@dataclass(frozen=True)
class PlannedResource:
    urn: str
    type: str
    name: str
    parent: Optional[str]
    inputs: dict[str, Any]
    custom: bool
    protect: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "parent": self.parent,
            "custom": self.custom,
            "protect": self.protect,
            "inputs": self.inputs,
        }


class PlanMocks(pulumi.runtime.Mocks):
    """Answers registrations with ARM ids and invokes from configuration."""

    def __init__(
        self,
        subscription_id: str,
        tenant_id: str,
        location: str,
        stack_outputs: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        self.subscription_id = subscription_id
        self.tenant_id = tenant_id
        self.location = location
        self.stack_outputs = dict(stack_outputs or {})

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[Optional[str], dict]:
        if args.typ == "pulumi:pulumi:StackReference":  # a read, so not marked custom
            name = args.inputs.get("name") or args.resource_id or args.name
            return name, {"name": name, "outputs": dict(self.stack_outputs.get(name, {})), "secretOutputNames": []}
        if not args.custom:
            return None, {}
        resource_id = arm_id(args.typ, args.name, args.inputs, self.subscription_id)
        state = dict(args.inputs)
        state.setdefault("name", resource_id.rsplit("/", 1)[-1])
        derived = str(uuid.uuid5(MOCK_NAMESPACE, resource_id))
        if args.typ == "azure-native:managedidentity:UserAssignedIdentity":
            state.update(principalId=derived, clientId=str(uuid.uuid5(MOCK_NAMESPACE, derived)), tenantId=self.tenant_id)
        if args.typ == "azure-native:containerservice:ManagedCluster":
            kubelet = str(uuid.uuid5(MOCK_NAMESPACE, f"kubelet|{resource_id}"))
            state["identityProfile"] = {"kubeletidentity": {"objectId": kubelet, "clientId": kubelet}}
            state["oidcIssuerProfile"] = {"enabled": True, "issuerURL": f"https://{self.location}.oic.prod-aks.azure.com/{derived}/"}
        identity = state.get("identity")
        if isinstance(identity, dict):
            identity = dict(identity)
            assigned = identity.get("userAssignedIdentities")
            if isinstance(assigned, list):  # inputs list the ids; Azure answers with a map keyed by id
                identity["userAssignedIdentities"] = {
                    i: {"principalId": str(uuid.uuid5(MOCK_NAMESPACE, i)), "clientId": str(uuid.uuid5(MOCK_NAMESPACE, f"client|{i}"))}
                    for i in assigned
                }
            if "SystemAssigned" in str(identity.get("type", "")):
                identity.update(principalId=derived, tenantId=self.tenant_id)
            state["identity"] = identity
        return resource_id, state

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict:
        if args.token == "azure-native:authorization:getClientConfig":
            return {
                "subscriptionId": self.subscription_id,
                "tenantId": self.tenant_id,
                "clientId": str(uuid.UUID(int=0)),
                "objectId": str(uuid.uuid5(MOCK_NAMESPACE, "deployer")),
            }
        return {}


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """The SDK's mock monitor, also recording each registration's parent, inputs and options."""

    def __init__(self, mocks: PlanMocks) -> None:
        super().__init__(mocks)
        self.recorded: list[PlannedResource] = []
        self.stack_urn: Optional[str] = None
        self._lock = threading.Lock()

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (gRPC name)
        response = super().RegisterResource(request)
        if request.type == STACK_TYPE:
            self.stack_urn = response.urn
            return response
        inputs = _plain(rpc.deserialize_properties(request.object)) if request.custom else {}
        parent = request.parent or None
        with self._lock:
            self.recorded.append(
                PlannedResource(
                    urn=response.urn,
                    type=request.type,
                    name=request.name,
                    parent=None if parent == self.stack_urn else parent,
                    inputs=inputs,
                    custom=bool(request.custom),
                    protect=bool(getattr(request, "protect", False)),
                )
            )
        return response


def _plain(value: Any) -> Any:
    """Deserialized properties as JSON-ready data."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


@dataclass
class Plan:
    """What a stack would create."""

    stack: str
    environment: str
    scope: str
    resources: list[PlannedResource]
    network: dict[str, Any]
    outputs: dict[str, Any]
    projects: dict[str, dict[str, Any]]
    violations: list[Finding] = field(default_factory=list)

    @property
    def custom_resources(self) -> list[PlannedResource]:
        return [r for r in self.resources if r.custom]

    def by_type(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for resource in self.custom_resources:
            counts[resource.type] = counts.get(resource.type, 0) + 1
        return dict(sorted(counts.items()))

    def project_of(self) -> dict[str, Optional[str]]:
        """urn -> name of the project component it belongs to (None for platform resources)."""
        by_urn = {r.urn: r for r in self.resources}
        owner: dict[str, Optional[str]] = {}
        for resource in self.resources:
            cursor: Optional[PlannedResource] = resource
            found: Optional[str] = None
            while cursor is not None:
                if cursor.type == PROJECT_TYPE:
                    found = cursor.name
                    break
                cursor = by_urn.get(cursor.parent) if cursor.parent else None
            owner[resource.urn] = found
        return owner

    def by_project(self) -> dict[str, int]:
        owner = self.project_of()
        counts: dict[str, int] = {"(platform)": 0}
        for name in self.projects:
            counts[name] = 0
        for resource in self.custom_resources:
            key = owner[resource.urn] or "(platform)"
            counts[key] = counts.get(key, 0) + 1
        return counts

    def to_dict(self) -> dict[str, Any]:
        by_type = self.by_type()
        return {
            "stack": self.stack,
            "environment": self.environment,
            "scope": self.scope,
            "summary": {
                "resources": len(self.custom_resources),
                "components": len(self.resources) - len(self.custom_resources),
                "byType": by_type,
                "roleAssignments": by_type.get("azure-native:authorization:RoleAssignment", 0),
                "byProject": self.by_project(),
            },
            "network": self.network,
            "projects": self.projects,
            "resources": [r.to_dict() for r in self.resources],
            "outputs": self.outputs,
            "violations": [v.to_dict() for v in self.violations],
        }


@dataclass
class Recording:
    """What a program registered under mocks: resources (sorted by URN) and stack outputs."""

    resources: list[PlannedResource]
    outputs: dict[str, Any]

    def of_type(self, type_token: str) -> list[PlannedResource]:
        return [r for r in self.resources if r.type == type_token]

    def one(self, type_token: str) -> PlannedResource:
        found = self.of_type(type_token)
        if len(found) != 1:
            raise AssertionError(f"expected one {type_token}, found {len(found)}")
        return found[0]


def record(
    program_fn: Callable[[], Any],
    *,
    stack: str = "dev",
    subscription_id: str = "00000000-0000-0000-0000-000000000000",
    tenant_id: str | None = None,
    location: str = "swedencentral",
    config: Mapping[str, str] | None = None,
    stack_outputs: Mapping[str, Mapping[str, Any]] | None = None,
) -> Recording:
    """Run ``program_fn`` as a Pulumi program under mocks, in a fresh runtime context and event loop.

    This is the offline plan's engine and the test suite's harness.
    """
    tenant = tenant_id or str(uuid.uuid5(MOCK_NAMESPACE, f"tenant|{subscription_id}"))
    mocks = PlanMocks(subscription_id, tenant, location, stack_outputs)
    monitor = RecordingMonitor(mocks)

    def run() -> dict[str, Any]:
        loop = asyncio.new_event_loop()
        previous = _current_loop()
        asyncio.set_event_loop(loop)
        try:
            pulumi.runtime.set_all_config({f"{CONFIG_NAMESPACE}:{k}": v for k, v in (config or {}).items()})
            pulumi.runtime.set_mocks(mocks, project="aifactory", stack=stack, preview=False, monitor=monitor)
            _sync_await(run_pulumi_func(program_fn))
            root_stack = pulumi.runtime.get_root_resource()
            exported = getattr(root_stack, "outputs", {}) or {}
            return _plain(_sync_await(pulumi.Output.from_input(exported).future()) or {})
        finally:
            loop.close()
            asyncio.set_event_loop(previous)

    # Pulumi keeps its runtime state in context variables: a fresh context isolates each run.
    outputs = contextvars.Context().run(run)
    return Recording(resources=sorted(monitor.recorded, key=lambda r: r.urn), outputs=outputs)


def _current_loop() -> Optional[asyncio.AbstractEventLoop]:
    try:
        return asyncio.get_event_loop_policy().get_event_loop()
    except RuntimeError:
        return None


def run_plan(
    root: Path,
    stack: str,
    *,
    overrides: Mapping[str, str] | None = None,
    projects_dir: Path | None = None,
) -> Plan:
    """Validate the stack (raising FactoryError on bad input) and plan it under mocks."""
    overrides = dict(overrides or {})
    if projects_dir is not None:
        overrides["projectsDir"] = str(projects_dir.resolve())
    config = stack_values(root, stack, overrides)
    factory = assemble_factory(config, stack=stack, root=root)
    settings = factory.settings
    references: dict[str, Mapping[str, Any]] = {}
    if not factory.includes_platform:
        # A project slice reads the platform stack: plan that first and answer the reference with its outputs.
        platform_plan = run_plan(root, stack, overrides={**overrides, "scope": "platform"})
        references[factory.platform_stack] = platform_plan.outputs
    recording = record(
        lambda: program.main(root),
        stack=stack,
        subscription_id=settings.subscription_id,
        tenant_id=settings.tenant_id,
        location=settings.location,
        config=config,
        stack_outputs=references,
    )
    projects = {
        p.name: {"type": p.project_type.name, "services": sorted(p.services), "source": p.source}
        for p in factory.included_projects()
    }
    violations = evaluate([ResourceView(r.urn, r.type, r.name, r.inputs) for r in recording.resources if r.custom])
    return Plan(
        stack=stack,
        environment=factory.environment,
        scope=factory.scope,
        resources=recording.resources,
        network=factory.network.to_dict(),
        outputs=recording.outputs,
        projects=projects,
        violations=violations,
    )
