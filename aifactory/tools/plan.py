"""The offline plan: run the real program in-process under Pulumi mocks and record what it registers.

No Azure, no Pulumi CLI, no credentials. Invokes such as ``getClientConfig`` are answered from
configuration; resource ids are the ARM ids Azure would assign (names are deterministic, and each
resource's subscription is its provider's), so scopes, peerings and zone links are the real
strings. The recorded plan is then checked: no two resources may land on the same Azure resource
id, no two role assignments may give one principal one role at one scope (Azure refuses the
second; removing one would remove both), and every policy rule runs over it.
"""

from __future__ import annotations

import asyncio
import contextvars
import gc
import json
import multiprocessing
import os
import threading
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Optional, Sequence, TypeVar

import pulumi
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import resource as resource_runtime
from pulumi.runtime.proto import source_pb2
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from aifactory.build import program
from aifactory.core.arm_ids import arm_id, canonical
from aifactory.core.config import CONFIG_NAMESPACE
from aifactory.core.errors import FactoryError, Problem
from aifactory.core.factory import Factory, assemble_factory, overridden_keys, stack_values
from aifactory.core.limits import environment_usage, findings
from aifactory.core.policies import Finding, PolicyContext, ResourceView, evaluate, limit_findings
from aifactory.core.spec import Catalog
from aifactory.services import load_catalog

T = TypeVar("T")

STACK_TYPE = "pulumi:pulumi:Stack"
PROJECT_TYPE = "aifactory:project:Project"
PROVIDER_TYPE = "pulumi:providers:azure-native"
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
MOCK_NAMESPACE = uuid.UUID("6d1c7f4e-2f0a-4c55-9a43-0d9f3e1b8a77")


@dataclass(frozen=True)
class PlannedResource:
    urn: str
    type: str
    name: str
    parent: Optional[str]
    inputs: dict[str, Any]
    custom: bool
    protect: bool = False
    id: Optional[str] = None
    """The Azure resource id it would get (custom resources)."""
    dependencies: tuple[str, ...] = ()
    """URNs it waits for (explicit ``depends_on`` and those its inputs come from); not in the plan JSON."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "parent": self.parent,
            "custom": self.custom,
            "protect": self.protect,
            "id": self.id,
            "inputs": self.inputs,
        }


class PlanMocks(pulumi.runtime.Mocks):
    """Answers registrations with ARM ids (in the subscription of each resource's provider) and invokes
    from configuration."""

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
        self.provider_subscriptions: dict[str, str] = {}
        self.answering = threading.local()
        """Per monitor thread: the inputs of the registration being answered (read back by the recording
        monitor, so each registration's inputs are deserialized once)."""

    def _subscription(self, provider: Optional[str]) -> str:
        """The subscription of a resource's provider (a reference ``<urn>::<id>``); the default otherwise."""
        if provider:
            return self.provider_subscriptions.get(provider.rsplit("::", 1)[-1], self.subscription_id)
        return self.subscription_id

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[Optional[str], dict]:
        if args.typ == "pulumi:pulumi:StackReference":  # a read, so not marked custom
            name = args.inputs.get("name") or args.resource_id or args.name
            return name, {"name": name, "outputs": dict(self.stack_outputs.get(name, {})), "secretOutputNames": []}
        if args.typ == PROVIDER_TYPE:
            provider_id = f"provider-{args.name}"
            self.provider_subscriptions[provider_id] = str(args.inputs.get("subscriptionId", self.subscription_id))
            return provider_id, dict(args.inputs)
        self.answering.inputs = args.inputs
        if not args.custom:
            return None, {}
        subscription = self._subscription(args.provider)
        resource_id = arm_id(args.typ, args.name, args.inputs, subscription)
        state = dict(args.inputs)
        state.setdefault("name", resource_id.rsplit("/", 1)[-1])
        derived = str(uuid.uuid5(MOCK_NAMESPACE, resource_id))
        if args.typ == "azure-native:managedidentity:UserAssignedIdentity":
            state.update(principalId=derived, clientId=str(uuid.uuid5(MOCK_NAMESPACE, derived)), tenantId=self.tenant_id)
        if args.typ == "azure-native:containerservice:ManagedCluster":
            kubelet = str(uuid.uuid5(MOCK_NAMESPACE, f"kubelet|{resource_id}"))
            state["identityProfile"] = {"kubeletidentity": {"objectId": kubelet, "clientId": kubelet}}
            state["oidcIssuerProfile"] = {"enabled": True, "issuerURL": f"https://{self.location}.oic.prod-aks.azure.com/{derived}/"}
        if args.typ == "azure-native:databricks:Workspace":
            state["workspaceUrl"] = f"adb-{int(derived[:8], 16)}.azuredatabricks.net"
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

    def call(self, args: pulumi.runtime.MockCallArgs) -> Any:
        if args.token == "azure-native:authorization:getClientConfig":
            return {
                "subscriptionId": self.subscription_id,
                "tenantId": self.tenant_id,
                "clientId": str(uuid.UUID(int=0)),
                "objectId": str(uuid.uuid5(MOCK_NAMESPACE, "deployer")),
            }
        return {}


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """The SDK's mock monitor, also recording each registration's parent, inputs, options and id."""

    def __init__(self, mocks: PlanMocks) -> None:
        super().__init__(mocks)
        self.plan_mocks = mocks
        self.recorded: list[PlannedResource] = []
        self.stack_urn: Optional[str] = None
        self._lock = threading.Lock()

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (gRPC name)
        response = super().RegisterResource(request)
        if request.type == STACK_TYPE:
            self.stack_urn = response.urn
            return response
        if request.type.startswith("pulumi:providers:"):
            return response
        inputs = _plain(self.plan_mocks.answering.inputs) if request.custom else {}
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
                    id=response.id or None if request.custom else None,
                    dependencies=tuple(sorted(set(request.dependencies))),
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

        def find(urn: str) -> Optional[str]:
            if urn in owner:
                return owner[urn]
            resource = by_urn.get(urn)
            if resource is None:
                return None
            found = resource.name if resource.type == PROJECT_TYPE else find(resource.parent) if resource.parent else None
            owner[urn] = found
            return found

        for resource in self.resources:
            find(resource.urn)
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
                "roleAssignments": by_type.get(ROLE_ASSIGNMENT, 0),
                "byProject": self.by_project(),
            },
            "network": self.network,
            "projects": self.projects,
            "resources": [r.to_dict() for r in self.resources],
            "outputs": self.outputs,
            "violations": [v.to_dict() for v in self.violations],
        }


ONE_LINE_LISTS = ("resources", "violations")
"""Lists of a plan written one item per line: diffs show a changed resource as one changed line, and
json's C encoder writes each item (an indented document goes through the pure-Python one: 3x slower
on a 500-project plan)."""


def render_plan_json(data: Mapping[str, Any]) -> str:
    """A plan (``Plan.to_dict()``) as the text ``aifactory plan --json`` writes: the same data as
    ``json.dumps(data, indent=2)``, with each resource and violation on a line of its own."""
    parts = []
    for key, value in data.items():
        if key in ONE_LINE_LISTS and isinstance(value, list) and value:
            body = "[\n" + ",\n".join("    " + json.dumps(item) for item in value) + "\n  ]"
        else:
            body = json.dumps(value, indent=2).replace("\n", "\n  ")
        parts.append(f"  {json.dumps(key)}: {body}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


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


_EMPTY_TRACE = source_pb2.StackTrace()


@contextmanager
def plan_engine() -> Iterator[None]:
    """The SDK as the offline plan runs it: no source positions, and no cyclic garbage collection.

    Source positions: the SDK captures the whole Python stack of every resource it registers so that
    ``pulumi up`` can point at the line that made it; that costs a third of a plan's time and tells a plan
    nothing. The switch is the SDK's private ``_get_stack_trace``; if a later SDK renames it, nothing
    changes but speed.

    Garbage collection: a plan allocates millions of short-lived objects while holding every resource it
    registered, so each collection scans more than the last; at 200 projects in one process collections
    took 40% of the time (74 s against 43 s without; benchmarks/README.md). What is registered stays
    referenced until the plan ends, so there is little cyclic garbage to find: memory grew 10%. The objects
    alive before the plan are frozen out of the collector's way, and collection resumes after.
    """
    original = getattr(resource_runtime, "_get_stack_trace", None)
    if original is not None:
        resource_runtime._get_stack_trace = lambda: _EMPTY_TRACE
    try:
        with collection_paused():
            yield
    finally:
        if original is not None:
            resource_runtime._get_stack_trace = original


@contextmanager
def collection_paused() -> Iterator[None]:
    """No cyclic garbage collection inside (see :func:`plan_engine`); nests, and restores what it found."""
    if not gc.isenabled():
        yield
        return
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.unfreeze()


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
    with plan_engine():
        outputs = contextvars.Context().run(run)
    return Recording(resources=sorted(monitor.recorded, key=lambda r: r.urn), outputs=outputs)


def _current_loop() -> Optional[asyncio.AbstractEventLoop]:
    try:
        return asyncio.get_event_loop_policy().get_event_loop()
    except RuntimeError:
        return None


def ownership_problems(resources: list[PlannedResource]) -> list[Problem]:
    """No two resources on one Azure id; no two assignments of one role to one principal at one scope."""
    problems: list[Problem] = []
    seen: dict[str, PlannedResource] = {}
    grants: dict[tuple[str, str, str], PlannedResource] = {}
    for resource in resources:
        if not resource.custom or not resource.id:
            continue
        key = canonical(resource.id)
        earlier = seen.setdefault(key, resource)
        if earlier is not resource:
            problems.append(
                Problem(
                    f"{resource.id} would be owned by two resources, {earlier.urn} and {resource.urn}: "
                    "one Azure resource, one owner",
                    "plan",
                )
            )
        if resource.type == ROLE_ASSIGNMENT:
            inputs = resource.inputs
            triple = (
                canonical(str(inputs.get("scope"))),
                str(inputs.get("principalId")).lower(),
                str(inputs.get("roleDefinitionId", "")).rsplit("/", 1)[-1].lower(),
            )
            first = grants.setdefault(triple, resource)
            if first is not resource:
                problems.append(
                    Problem(
                        f"{first.urn} and {resource.urn} give principal {triple[1]} role {triple[2]} at {inputs.get('scope')}: "
                        "Azure keeps one, so removing either would remove the other's access",
                        "plan",
                    )
                )
    return problems


def _checked_plan(factory: Factory, recording: Recording) -> Plan:
    """The recording as a plan: ownership checked (a FactoryError if two resources share an Azure id),
    policies and Azure's limits evaluated over everything it holds."""
    problems = ownership_problems(recording.resources)
    if problems:
        raise FactoryError(problems=problems)
    projects = {
        p.name: {
            "type": p.project_type.name,
            "services": sorted(p.services),
            "source": p.source,
            "subscription": p.subscription_id,
        }
        for p in factory.included_projects()
    }
    context = PolicyContext(diagnosed_types=factory.catalog.diagnosed_types())
    violations = evaluate([ResourceView(r.urn, r.type, r.name, r.inputs) for r in recording.resources if r.custom], context)
    violations = sorted(
        violations + limit_findings(findings(environment_usage(factory))), key=lambda f: (f.level != "mandatory", f.policy, f.urn)
    )
    return Plan(
        stack=factory.stack,
        environment=factory.environment,
        scope=factory.scope,
        resources=recording.resources,
        network=factory.network.to_dict(),
        outputs=recording.outputs,
        projects=projects,
        violations=violations,
    )


def _record(
    factory: Factory,
    config: Mapping[str, str],
    *,
    references: Mapping[str, Mapping[str, Any]] | None = None,
    only_projects: Optional[Sequence[str]] = None,
    platform_values: Optional[Mapping[str, Any]] = None,
) -> Recording:
    settings = factory.settings
    return record(
        lambda: program.build(factory, only_projects=only_projects, platform_values=platform_values),
        stack=factory.stack,
        subscription_id=settings.subscription_id,
        tenant_id=settings.tenant_id,
        location=settings.location,
        config=config,
        stack_outputs=references,
    )


def _platform_outputs(factory: Factory, config: Mapping[str, str]) -> dict[str, Any]:
    """The platform's stack outputs, planned without the projects: they do not depend on them (a sharded
    plan checks it against the whole platform, and tests/test_project_types.py checks that the slices
    add up to the whole), while what grows with the projects (shared-area grants, egress rules) would
    make a 500-project slice plan a thousand resources it does not need."""
    return _record(replace(factory, projects=()), config, only_projects=()).outputs


def _record_share(
    connection: Any, factory: Factory, config: Mapping[str, str], platform_values: Mapping[str, Any], names: tuple[str, ...]
) -> None:
    """A worker process: record one share of the projects and send the recording back (or the error)."""
    try:
        connection.send(("ok", _record(factory, config, only_projects=names, platform_values=platform_values)))
    except BaseException as error:  # noqa: BLE001 - reported by the parent, never lost
        connection.send(("error", f"{type(error).__name__}: {error}"))
    finally:
        connection.close()


def _record_shares(
    factory: Factory,
    config: Mapping[str, str],
    platform_values: Mapping[str, Any],
    shares: Sequence[tuple[str, ...]],
    meanwhile: Callable[[], T],
) -> tuple[T, list[Recording]]:
    """One forked process per share: the assembled factory is inherited, not pickled; recordings come back.
    ``meanwhile`` runs in this process while the workers run."""
    context = multiprocessing.get_context("fork")
    running = []
    for names in shares:
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(target=_record_share, args=(sender, factory, config, platform_values, names), daemon=True)
        process.start()
        sender.close()
        running.append((process, receiver))
    own = meanwhile()
    results = []
    for process, receiver in running:
        status, value = receiver.recv()
        process.join()
        if status != "ok":
            raise RuntimeError(f"a planning worker failed: {value}")
        results.append(value)
    return own, results


def _shares(names: Sequence[str], count: int) -> list[tuple[str, ...]]:
    """Projects dealt round-robin (the types interleave, so shares cost alike)."""
    return [tuple(names[index::count]) for index in range(count)]


def default_workers(projects: int) -> int:
    """One process per core once there is enough to share: below ~40 projects starting a worker costs more."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(cores, projects // 40))


def plan_factory(
    factory: Factory,
    config: Mapping[str, str],
    *,
    references: Mapping[str, Mapping[str, Any]] | None = None,
    workers: int = 1,
) -> Plan:
    """Plan an assembled factory under mocks; raises FactoryError if two resources share an Azure id.

    With ``workers`` > 1 (scope ``all`` only) the platform is planned first, then the projects in
    shares, one worker process each, every share handed the platform's outputs; the parts are merged
    into the same plan one process makes (same resources, inputs, outputs and findings), in less time
    and with less memory per process.
    """
    names = [p.name for p in factory.included_projects()]
    if workers <= 1 or factory.scope != "all" or len(names) < 2:
        return _checked_plan(factory, _record(factory, config, references=references))
    # The workers need the platform's outputs at once; the whole platform is recorded here meanwhile.
    values = _platform_outputs(factory, config)
    platform, parts = _record_shares(
        factory, config, values, _shares(names, min(workers, len(names))), lambda: _record(factory, config, only_projects=())
    )
    handed = {key: value for key, value in values.items() if key != "network"}  # the address plan is the stack's, not the platform's
    if {key: platform.outputs.get(key) for key in handed} != handed:
        raise RuntimeError("the platform's outputs depend on its projects; the sharded plan would differ from one process's")
    projects: dict[str, Any] = {}
    for part in parts:
        projects.update(part.outputs.get("projects") or {})
    outputs = {**platform.outputs, "projects": {name: projects[name] for name in names}}
    resources = sorted([*platform.resources, *(r for part in parts for r in part.resources)], key=lambda r: r.urn)
    return _checked_plan(factory, Recording(resources=resources, outputs=outputs))


def run_plan(
    root: Path,
    stack: str,
    *,
    overrides: Mapping[str, str] | None = None,
    projects_dir: Path | None = None,
    catalog: Catalog | None = None,
    workers: int | None = None,
) -> Plan:
    """Validate the stack (raising FactoryError on bad input) and plan it under mocks.

    ``workers``: processes to plan in (default: one per core once the environment is large enough).
    The whole plan runs with garbage collection paused (:func:`plan_engine` says why): checking and
    merging hold as many objects as recording does.
    """
    with collection_paused():
        return _run_plan(root, stack, overrides=overrides, projects_dir=projects_dir, catalog=catalog, workers=workers)


def _run_plan(
    root: Path,
    stack: str,
    *,
    overrides: Mapping[str, str] | None,
    projects_dir: Path | None,
    catalog: Catalog | None,
    workers: int | None,
) -> Plan:
    overrides = dict(overrides or {})
    if projects_dir is not None:
        overrides["projectsDir"] = str(projects_dir.resolve())
    catalog = catalog or load_catalog()
    config = stack_values(root, stack, overrides)
    factory = assemble_factory(config, stack=stack, root=root, catalog=catalog, overridden=overridden_keys(overrides))
    references: dict[str, Mapping[str, Any]] = {}
    if not factory.includes_platform:
        # A project slice reads the platform stack: answer the stack reference with the platform's outputs.
        platform_factory = replace(factory, settings=factory.settings.model_copy(update={"scope": "platform"}))
        references[factory.platform_stack] = _platform_outputs(platform_factory, {**config, "scope": "platform"})
    chosen = default_workers(len(factory.included_projects())) if workers is None else workers
    return plan_factory(factory, config, references=references, workers=chosen)
