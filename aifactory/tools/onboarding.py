"""Onboarding and offboarding: a request comes in, is validated, gets its addresses, is recorded.

``onboard`` allocates the project's spoke in one environment (the lowest free aligned block of the
size its type needs, from the agent pool when its services need one) and, where the environment
lists project subscriptions, the least-loaded subscription with room under every limit. It records
both in the request file by editing only those lines (comments, key order, quoting and the file's
mode survive). Running it again with the same request changes nothing; a different request under
an existing name is refused.

Offboarding is three steps, so that no stack is orphaned and no block is reused while its
resources still exist: ``offboard`` marks the project *retiring* (nothing of it is built any more,
its block stays reserved, its stack can still be destroyed); ``deploy --project NAME --destroy``
destroys its stack; ``offboard --release`` checks that the stack holds nothing (through the Pulumi
CLI) and only then frees the block. A project whose spoke held the Foundry Agent Service's
subnet is released only an hour after its destroy, since Azure keeps such a subnet in use that long.

Every change validates the whole environment with the change applied *before* touching any file
(bad input changes nothing), and holds a lock on the projects folder.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Optional, Protocol

from aifactory.core.addressing import SpokePlan, allocate, carve_subnets
from aifactory.core.config import ProjectRequest, decode_pulumi_config, load_projects, parse_project, project_files
from aifactory.core.errors import ConfigError
from aifactory.core.factory import ADDRESS_POOL, AGENT_POOL, Factory, PlannedProject, load_factory, read_stack_settings
from aifactory.core.limits import environment_usage, findings, headroom, project_usage
from aifactory.core.naming import ResourceKind, project_stack, resource_name
from aifactory.core.spec import Catalog
from aifactory.core.yamlio import delete_value, edit_file, load_yaml, set_value
from aifactory.services import load_catalog

LOCK_FILE = ".aifactory.lock"
AGENT_SUBNET_HOLD = dt.timedelta(hours=1)
"""Azure keeps an agent subnet in use for about an hour after its Foundry account is purged."""


@dataclass(frozen=True)
class Allocation:
    project: str
    environment: str
    cidr: str
    subnets: dict[str, str]
    file: str
    new_project: bool
    subscription: Optional[str] = None
    changed: bool = True


@contextmanager
def projects_lock(directory: Path) -> Iterator[None]:
    """An exclusive lock on the projects folder for the duration of one change (a hidden file, ignored by git)."""
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / LOCK_FILE, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def projects_dir_of(root: Path, stack: str, projects_dir: Path | None) -> Path:
    if projects_dir is not None:
        return projects_dir
    return root / str(decode_pulumi_config(read_stack_settings(root, stack)).get("projectsDir", "projects"))


def _same_file(left: Path, right: Path) -> bool:
    try:
        return left.resolve() == right.resolve()
    except OSError:
        return False


def _trial(directory: Path, changes: Mapping[str, Optional[str]], load: Callable[[Path], Factory]) -> Factory:
    """The environment as it would be with ``changes`` (file name -> new text, None: removed): nothing is written."""
    with tempfile.TemporaryDirectory() as scratch:
        trial = Path(scratch) / "projects"
        shutil.copytree(directory, trial, ignore=shutil.ignore_patterns(LOCK_FILE), symlinks=False)
        for name, text in changes.items():
            target = trial / name
            if text is None:
                target.unlink(missing_ok=True)
            else:
                target.write_text(text, encoding="utf-8")
        return load(trial)


def _recorded(directory: Path, name: str, exclude: Path | None) -> tuple[ProjectRequest, Path] | None:
    for request, source in load_projects(directory):
        if request.name == name and not (exclude is not None and _same_file(Path(source), exclude)):
            return request, Path(source)
    return None


def _comparable(request: ProjectRequest) -> dict[str, Any]:
    return request.model_dump(exclude={"environments"})


def _refuse_limits(factory: Factory, source: str) -> None:
    over = [f for f in findings(environment_usage(factory)) if f.mandatory]
    if over:
        raise ConfigError(problems=[ConfigError(f.message, file=source).problems[0] for f in over])


def choose_subscription(factory: Factory, draft: PlannedProject) -> str:
    """The least-loaded listed subscription that still has room for the project under every limit."""
    usage = environment_usage(factory)
    candidates = []
    for subscription in factory.settings.project_subscriptions:
        after = usage.merged(project_usage(factory, draft, subscription_id=subscription))
        if not any(f.mandatory for f in findings(after)):
            candidates.append((headroom(usage, subscription, factory.location), subscription))
    if not candidates:
        raise ConfigError(
            f"no subscription in aifactory:projectSubscriptions has room for project {draft.name!r} under Azure's limits; "
            "add a subscription to the list",
            file=factory.source,
            field="projectSubscriptions",
        )
    return min(candidates)[1]


def onboard(
    request_path: Path,
    *,
    root: Path,
    environment: str,
    projects_dir: Path | None = None,
    catalog: Catalog | None = None,
) -> Allocation:
    """Validate ``request_path``, allocate its spoke (and subscription) in ``environment``, record them."""
    catalog = catalog or load_catalog()
    directory = projects_dir_of(root, environment, projects_dir)
    source = str(request_path)
    try:
        request_text = request_path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"cannot read the request: {error.strerror}", file=source) from None
    document = load_yaml(request_text, source=source)
    if not isinstance(document, dict):
        raise ConfigError("a project request must be a mapping of fields (name, type, ...)", file=source)
    environments = dict(document.get("environments") or {})
    entry = dict(environments.get(environment) or {})
    environments[environment] = entry
    request = parse_project({**document, "environments": environments}, source=source)
    field_prefix = f"environments.{environment}"

    def load(folder: Path) -> Factory:
        return load_factory(root, environment, catalog=catalog, projects_dir=folder)

    with projects_lock(directory):
        inside = next((p for p in project_files(directory) if _same_file(p, request_path)), None) if directory.is_dir() else None
        recorded = _recorded(directory, request.name, exclude=inside) if inside is None else None
        if recorded is not None:
            existing, target = recorded
            if _comparable(existing) != _comparable(request):
                raise ConfigError(
                    f"a different project named {request.name!r} already exists ({target}); the same name for a "
                    "different request is refused: choose another name, or change the recorded file",
                    file=source,
                    field="name",
                )
            planned_env = existing.environments.get(environment)  # type: ignore[call-overload]
            if planned_env is not None and planned_env.cidr:
                if planned_env.retiring:
                    raise ConfigError(
                        f"project {request.name!r} is retiring in {environment}; release it first "
                        f"(aifactory offboard {request.name} --env {environment} --release)",
                        file=str(target),
                        field=field_prefix,
                    )
                factory = load(directory)
                spoke = factory.network.spokes[request.name]
                return Allocation(
                    request.name, environment, str(spoke.cidr), {k: str(v) for k, v in spoke.subnets.items()},
                    str(target), False, planned_env.subscription, changed=False,
                )
            base_text, new_project = target.read_text(encoding="utf-8"), False
        else:
            if entry.get("cidr") or entry.get("subscription"):
                raise ConfigError(
                    f"the request already names a spoke or subscription for {environment}; leave them out and onboard allocates them",
                    file=source,
                    field=f"{field_prefix}.cidr" if entry.get("cidr") else f"{field_prefix}.subscription",
                )
            target = inside or directory / f"{request.name}.yaml"
            base_text, new_project = request_text, True

        current = _trial(directory, {target.name: None} if inside is not None else {}, load)
        kind = catalog.types.get(request.type)
        if kind is None:
            raise ConfigError(f"unknown project type {request.type!r}; known types: {', '.join(sorted(catalog.types))}", file=source, field="type")
        try:
            services = kind.resolve_services({k: (v if isinstance(v, bool) else True) for k, v in entry.get("services", {}).items()})
        except ValueError as error:
            raise ConfigError(str(error), file=source, field=f"{field_prefix}.services") from None
        pool_name = AGENT_POOL if any(catalog.services[s].agent_network for s in services) else ADDRESS_POOL
        pool = current.network.pools.get(pool_name)
        if pool is None:
            raise ConfigError(
                f"project {request.name!r} uses the Foundry Agent Service, whose subnet cannot be in 10.0.0.0/8: set "
                "aifactory:agentAddressPool (e.g. 172.16.0.0/16) in the stack file",
                file=current.source,
                field=AGENT_POOL,
            )
        prefix = min(current.settings.default_spoke_size, kind.min_spoke_prefix)
        block = allocate(pool, prefix, current.network.taken(pool_name))
        values: dict[str, Any] = {"cidr": str(block)}
        subscription: Optional[str] = None
        if current.settings.project_subscriptions:
            draft = PlannedProject(
                request=request,
                source=source,
                project_type=kind,
                services=services,
                settings={},
                spoke=SpokePlan(block, carve_subnets(block, kind.subnets), pool_name),
                subscription_id=current.settings.subscription_id,
                naming=current.naming,
            )
            subscription = choose_subscription(current, draft)
            values["subscription"] = subscription
        new_text = base_text
        for key, value in values.items():
            new_text = set_value(new_text, ("environments", environment, key), value)
        planned = _trial(directory, {target.name: new_text}, load)
        _refuse_limits(planned, str(target))
        if new_project and inside is None:
            _write_new(target, new_text, mode=request_path.stat().st_mode & 0o777)
        else:
            edit_file(target, lambda _old: new_text)

    spoke = planned.network.spokes[request.name]
    return Allocation(
        project=request.name,
        environment=environment,
        cidr=str(spoke.cidr),
        subnets={k: str(v) for k, v in spoke.subnets.items()},
        file=str(target),
        new_project=new_project,
        subscription=subscription,
    )


def _write_new(target: Path, text: str, *, mode: int) -> None:
    """A new request file, written atomically with the request's own permission bits."""
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class Retirement:
    project: str
    environment: str
    cidr: str
    file: str
    changed: bool
    next_steps: tuple[str, ...]


def _planned(factory: Factory, name: str, directory: Path) -> PlannedProject:
    planned = factory.project(name)
    if planned is None:
        raise ConfigError(f"project {name!r} is not recorded in {factory.environment} ({directory})", field="name")
    return planned


def offboard(
    name: str,
    *,
    root: Path,
    environment: str,
    projects_dir: Path | None = None,
    data_stores_unprotected: bool = False,
    catalog: Catalog | None = None,
) -> Retirement:
    """Mark ``name`` retiring in ``environment``: nothing of it is built, its block stays reserved."""
    catalog = catalog or load_catalog()
    directory = projects_dir_of(root, environment, projects_dir)
    stack = project_stack(environment, name)
    steps = (
        f"aifactory deploy --env {environment} --project {name} --destroy   (destroys stack {stack})",
        f"aifactory offboard {name} --env {environment} --release            (frees its address block)",
    )
    with projects_lock(directory):
        factory = load_factory(root, environment, catalog=catalog, projects_dir=directory)
        planned = _planned(factory, name, directory)
        if planned.retiring:
            return Retirement(name, environment, str(planned.spoke.cidr), planned.source, False, steps)
        if factory.profile.protect_stateful and not data_stores_unprotected:
            group = resource_name(ResourceKind.RESOURCE_GROUP, planned.naming, project=name)
            raise ConfigError(
                f"{environment} protects {name!r}'s data stores (lake area, key vault, ML storage) with Pulumi protect and "
                f"delete locks. Export the data you need, then unprotect that project's stack only: "
                f"`pulumi state unprotect --stack {stack} --all --yes`, remove its locks "
                f"(`az lock list --resource-group {group}` then `az lock delete --ids <id>`), "
                "and run offboard again with --data-stores-unprotected",
                file=planned.source,
                field=f"environments.{environment}",
            )
        path = Path(planned.source)
        new_text = set_value(path.read_text(encoding="utf-8"), ("environments", environment, "retiring"), True)
        _trial(directory, {path.name: new_text}, lambda folder: load_factory(root, environment, catalog=catalog, projects_dir=folder))
        edit_file(path, lambda _old: new_text)
    return Retirement(name, environment, str(planned.spoke.cidr), planned.source, True, steps)


class StackInspector(Protocol):
    """What release needs to know of a stack's state (the real one asks the Pulumi CLI)."""

    def resource_count(self, stack: str) -> Optional[int]:
        """Resources in the stack's state (the stack itself not counted); None if there is no such stack."""

    def last_update(self, stack: str) -> Optional[dt.datetime]:
        """When the stack's last update (a destroy, here) ended; None if unknown."""


@dataclass(frozen=True)
class Release:
    project: str
    environment: str
    freed: str
    file: str
    file_removed: bool
    notes: tuple[str, ...] = field(default_factory=tuple)


def purge_notes(factory: Factory, planned: PlannedProject) -> tuple[str, ...]:
    """Accounts Azure keeps soft-deleted after the destroy, with the exact command that purges each."""
    notes = []
    group = resource_name(ResourceKind.RESOURCE_GROUP, planned.naming, project=planned.name)
    for key in sorted(planned.services):
        for claim in factory.catalog.services[key].names:
            if claim.kind in (ResourceKind.AI_SERVICES, ResourceKind.FOUNDRY_ACCOUNT):
                account = resource_name(claim.kind, planned.naming, project=planned.name, qualifier=claim.qualifier)
                notes.append(
                    f"purge the soft-deleted account so its name can be reused: az cognitiveservices account purge "
                    f"--name {account} --resource-group {group} --location {factory.location}"
                )
    return tuple(notes)


def release(
    name: str,
    *,
    root: Path,
    environment: str,
    projects_dir: Path | None = None,
    inspector: Optional[StackInspector] = None,
    now: Optional[dt.datetime] = None,
    catalog: Catalog | None = None,
) -> Release:
    """Free a retiring project's block once its stack is destroyed (and, for agents, an hour has passed)."""
    from aifactory.tools.deploy import AutomationInspector

    catalog = catalog or load_catalog()
    directory = projects_dir_of(root, environment, projects_dir)
    stack = project_stack(environment, name)
    with projects_lock(directory):
        factory = load_factory(root, environment, catalog=catalog, projects_dir=directory)
        planned = _planned(factory, name, directory)
        if not planned.retiring:
            raise ConfigError(
                f"project {name!r} is active in {environment}; retire it first: aifactory offboard {name} --env {environment}",
                file=planned.source,
                field=f"environments.{environment}",
            )
        inspector = inspector or AutomationInspector(root)
        count = inspector.resource_count(stack)
        if count:
            raise ConfigError(
                f"stack {stack} still holds {count} resource(s); destroy it first: "
                f"aifactory deploy --env {environment} --project {name} --destroy",
                file=planned.source,
                field=f"environments.{environment}",
            )
        if any(catalog.services[s].agent_network for s in planned.services):
            ended = inspector.last_update(stack)
            moment = now or dt.datetime.now(dt.timezone.utc)
            if ended is not None and moment - ended < AGENT_SUBNET_HOLD:
                wait = AGENT_SUBNET_HOLD - (moment - ended)
                raise ConfigError(
                    f"the agent subnet of {name!r} stays in use for about an hour after its account is purged; "
                    f"release again in {int(wait.total_seconds() // 60) + 1} minutes",
                    file=planned.source,
                    field=f"environments.{environment}",
                )
        path = Path(planned.source)
        new_text = delete_value(path.read_text(encoding="utf-8"), ("environments", environment))
        remaining = load_yaml(new_text, source=str(path)).get("environments") or {}
        removed = not remaining
        _trial(
            directory,
            {path.name: None if removed else new_text},
            lambda folder: load_factory(root, environment, catalog=catalog, projects_dir=folder),
        )
        if removed:
            path.unlink()
        else:
            edit_file(path, lambda _old: new_text)
    return Release(name, environment, str(planned.spoke.cidr), str(path), removed, purge_notes(factory, planned))


__all__ = ["Allocation", "Release", "Retirement", "StackInspector", "offboard", "onboard", "release"]

