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
destroys its stack; ``offboard --release`` checks, through the Pulumi CLI and in the backend
``deploy`` used (``--backend``, ``PULUMI_BACKEND_URL`` or the local default: one resolution,
``aifactory.tools.deploy.backend_url_for``), that the stack is destroyed, and only then frees the
block. "Destroyed" needs positive evidence in that backend (see :func:`destroyed_evidence`); when
the backend cannot show it, release refuses rather than guess.

A destroyed Foundry (or AI Services) account is only soft-deleted: it keeps its name and, with the
Agent Service, its agent subnet, which Azure keeps in use for about an hour after the account is
*purged*. So the purge is a step of its own between the destroy and the release, and a project
whose spoke came from the agent pool is released only with ``--purged-at`` (when the purge
finished) and only an hour after that.

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
from typing import Any, Callable, Iterator, Mapping, Optional, Protocol, TypeVar

from aifactory.core.addressing import SpokePlan, allocate, carve_subnets
from aifactory.core.config import ProjectRequest, decode_pulumi_config, load_projects, parse_project, project_files
from aifactory.core.errors import ConfigError, FactoryError
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
    blocking: dict[str, None] = {}  # the findings that rule subscriptions out, in order, once each
    for subscription in factory.settings.project_subscriptions:
        after = usage.merged(project_usage(factory, draft, subscription_id=subscription))
        over = [f for f in findings(after) if f.mandatory]
        if not over:
            candidates.append((headroom(usage, subscription, factory.location), subscription))
        blocking.update(dict.fromkeys(f.message for f in over))
    if not candidates:
        raise ConfigError(
            f"no subscription in aifactory:projectSubscriptions has room for project {draft.name!r} under Azure's limits: "
            + "; ".join(blocking),
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
        # A file of the projects folder is its own record (promotion: `onboard projects/x.yaml --env test`);
        # a request from elsewhere is recorded under its name if a file of the folder has that name.
        recorded = _recorded(directory, request.name, exclude=None) if inside is None else (request, inside)
        create = recorded is None
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
            # New only if no other environment records a spoke for it yet (a fresh request put in the folder).
            new_project = not any(e.cidr for env, e in existing.environments.items() if env != environment)
            base_text = target.read_text(encoding="utf-8")
        else:
            if entry.get("cidr") or entry.get("subscription"):
                raise ConfigError(
                    f"the request already names a spoke or subscription for {environment}; leave them out and onboard allocates them",
                    file=source,
                    field=f"{field_prefix}.cidr" if entry.get("cidr") else f"{field_prefix}.subscription",
                )
            target = directory / f"{request.name}.yaml"
            if target.exists():
                raise ConfigError(
                    f"{target} already exists and records another project; name the request differently, or rename that file",
                    file=source,
                    field="name",
                )
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
        if create:
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
    with projects_lock(directory):
        factory = load_factory(root, environment, catalog=catalog, projects_dir=directory)
        planned = _planned(factory, name, directory)
        steps = retirement_steps(factory, planned)
        if planned.retiring:
            return Retirement(name, environment, str(planned.spoke.cidr), planned.source, False, steps)
        if factory.profile.protect_stateful and not data_stores_unprotected:
            group = resource_name(ResourceKind.RESOURCE_GROUP, planned.naming, project=name)
            raise ConfigError(
                f"{environment} protects {name!r}'s data stores ({'; '.join(protected_data_stores(catalog, planned))}) with Pulumi protect and "
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


FOUNDATION_DATA_STORES: tuple[str, ...] = ("its lake area",)
"""What every project holds data in whatever its services (``aifactory.build.foundation`` protects it with the
profile's ``protect_stateful``); the services' data stores come from their specs (``protected_types``)."""


def protected_data_stores(catalog: Catalog, planned: PlannedProject) -> tuple[str, ...]:
    """The project's data stores a protecting profile guards: its lake area, then each of its services'
    ``protected_types`` (e.g. ``Foundry Agent Service (standard setup): cosmosdb:DatabaseAccount, ...``)."""
    stores = list(FOUNDATION_DATA_STORES)
    for key in sorted(planned.services):
        spec = catalog.services[key]
        if spec.protected_types:
            stores.append(f"{spec.title}: {', '.join(t.split(':', 1)[-1] for t in spec.protected_types)}")
    return tuple(stores)


def purge_commands(factory: Factory, planned: PlannedProject) -> tuple[str, ...]:
    """For each AI Services or Foundry account the project has, the command that purges it once it is deleted
    (Azure keeps deleted Cognitive Services accounts soft-deleted: the name stays taken, an agent subnet in use)."""
    commands = []
    group = resource_name(ResourceKind.RESOURCE_GROUP, planned.naming, project=planned.name)
    for key in sorted(planned.services):
        for claim in factory.catalog.services[key].names:
            if claim.kind in (ResourceKind.AI_SERVICES, ResourceKind.FOUNDRY_ACCOUNT):
                account = resource_name(claim.kind, planned.naming, project=planned.name, qualifier=claim.qualifier)
                commands.append(
                    f"az cognitiveservices account purge --name {account} --resource-group {group} --location {factory.location}"
                )
    return tuple(commands)


def holds_agent_subnet(factory: Factory, planned: PlannedProject) -> bool:
    """Whether the project's spoke carries an Agent Service subnet (held by Azure after the account's purge)."""
    return any(factory.catalog.services[s].agent_network for s in planned.services)


def retirement_steps(factory: Factory, planned: PlannedProject) -> tuple[str, ...]:
    """What to run after ``offboard``, in order: destroy, purge the soft-deleted accounts, then release."""
    env, name = factory.environment, planned.name
    steps = [f"aifactory deploy --env {env} --project {name} --destroy   (destroys stack {project_stack(env, name)})"]
    agents = holds_agent_subnet(factory, planned)
    why = "its agent subnet stays in use until an hour after this" if agents else "frees the account's name"
    steps += [f"{command}   (after the destroy: {why})" for command in purge_commands(factory, planned)]
    if agents:
        steps.append(
            f"aifactory offboard {name} --env {env} --release --purged-at <when the purge finished, e.g. "
            "`date -u +%Y-%m-%dT%H:%MZ` run right after it>   (frees its address block, an hour after the purge)"
        )
    else:
        steps.append(f"aifactory offboard {name} --env {env} --release   (frees its address block)")
    return tuple(steps)


class StackInspector(Protocol):
    """What release needs to know of a stack's state in one backend (the real one asks the Pulumi CLI)."""

    def resource_count(self, stack: str) -> Optional[int]:
        """Resources in the stack's state (the stack itself not counted); None if there is no such stack."""

    def last_update(self, stack: str) -> Optional[dt.datetime]:
        """When the stack's last update ended; None if it has never been updated (or does not exist)."""


@dataclass(frozen=True)
class Release:
    project: str
    environment: str
    freed: str
    file: str
    file_removed: bool
    notes: tuple[str, ...] = field(default_factory=tuple)
    backend: str = ""
    """The state backend the stack was looked up in."""
    evidence: str = ""
    """Why the stack counts as destroyed there (see :func:`destroyed_evidence`)."""


T = TypeVar("T")


def _ask(call: Callable[[], T], stack: str, backend: str) -> T:
    """One question to the inspector; a backend that cannot answer means release cannot tell."""
    try:
        return call()
    except FactoryError:
        raise
    except Exception as error:  # noqa: BLE001 - the Pulumi CLI's failures (login, network, access) all mean "cannot tell"
        detail = (str(error).strip().splitlines() or [type(error).__name__])[-1][:300]
        raise ConfigError(f"cannot tell whether stack {stack} was destroyed: reading the backend {backend} failed: {detail}") from None


def destroyed_evidence(inspector: StackInspector, stack: str, platform_stack: str, backend: str, destroy_command: str = "") -> str:
    """Why ``stack`` counts as destroyed in ``backend``, or a ConfigError (the caller locates it).

    Destroyed needs one of two pieces of evidence from the backend:

    * the stack exists there, has been updated there at least once, and holds no resources: what a
      destroy leaves (a deployed stack has resources; a stack that only saw previews has no update);
    * the stack has never been updated there (absent, or created by a preview) while the environment's
      platform stack has: this backend is the environment's, so the project never had resources.

    Anything else refuses: a stack that still holds resources; a backend where neither the stack nor the
    platform was ever deployed (most likely not the backend ``deploy`` used, where the stack may still
    hold everything); a backend that cannot be read.
    """
    count = _ask(lambda: inspector.resource_count(stack), stack, backend)
    if count:
        hint = f"; destroy it first: {destroy_command}" if destroy_command else ""
        raise ConfigError(f"stack {stack} in {backend} still holds {count} resource(s){hint}")
    if count is not None and _ask(lambda: inspector.last_update(stack), stack, backend) is not None:
        return f"stack {stack} in {backend} holds no resources after its last update"
    if _ask(lambda: inspector.resource_count(platform_stack), stack, backend) is not None and (
        _ask(lambda: inspector.last_update(platform_stack), stack, backend) is not None
    ):
        return f"stack {stack} was never deployed in {backend}, where the environment's platform stack {platform_stack} is"
    raise ConfigError(
        f"cannot tell whether stack {stack} was destroyed: neither it nor the environment's platform stack "
        f"{platform_stack} was ever deployed in {backend}, so that is most likely not the backend `deploy` used. "
        "Give the one it used (--backend, or PULUMI_BACKEND_URL); if the environment was never deployed at all, "
        "nothing holds the block: remove the environment's entry from the file in a reviewed change"
    )


CLOCK_SKEW = dt.timedelta(minutes=5)
"""How far in the future ``--purged-at`` may be (clocks differ) before it is a mistake."""


def parse_purge_time(text: str) -> dt.datetime:
    """``--purged-at``: an ISO 8601 time with its zone (``2026-11-25T17:05Z``, ``2026-11-25T18:05+01:00``).

    A time without a zone is refused: read as UTC it would release early wherever clocks are behind UTC.
    """
    value = text.strip()
    if value[-1:] in ("Z", "z"):
        value = value[:-1] + "+00:00"
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        problem = "is not a time" if moment is None else "has no time zone"
        raise ConfigError(
            f"{text!r} {problem}: give when the purge finished as ISO 8601 with its zone, e.g. 2026-11-25T17:05Z "
            "(`date -u +%Y-%m-%dT%H:%MZ` prints it)",
            field="--purged-at",
        )
    return moment


def _check_agent_hold(
    factory: Factory, planned: PlannedProject, purged_at: Optional[dt.datetime], now: Optional[dt.datetime]
) -> None:
    """An agent-pool block is freed only an hour after its Foundry account was purged (not merely deleted)."""
    name, source, entry = planned.name, planned.source, f"environments.{factory.environment}"
    if purged_at is None:
        purge = "; ".join(f"`{c}`" for c in purge_commands(factory, planned)) or "purge its Foundry account"
        raise ConfigError(
            f"{name!r} used the Foundry Agent Service: its destroyed Foundry account stays soft-deleted and keeps the "
            f"agent subnet in its spoke {planned.spoke.cidr} in use until about an hour after the account is purged. Purge it "
            f"({purge}), then, an hour after the purge finished, release with --purged-at <that time, e.g. 2026-11-25T17:05Z>",
            file=source,
            field=entry,
        )
    moment = now or dt.datetime.now(dt.timezone.utc)
    if purged_at > moment + CLOCK_SKEW:
        raise ConfigError(f"{purged_at.isoformat()} is in the future; give when the purge finished", field="--purged-at")
    if moment - purged_at < AGENT_SUBNET_HOLD:
        wait = AGENT_SUBNET_HOLD - (moment - purged_at)
        raise ConfigError(
            f"the agent subnet of {name!r} stays in use for about an hour after its account is purged "
            f"(purged at {purged_at.isoformat()}); release again in {int(wait.total_seconds() // 60) + 1} minutes",
            file=source,
            field=entry,
        )


def release(
    name: str,
    *,
    root: Path,
    environment: str,
    projects_dir: Path | None = None,
    backend_url: Optional[str] = None,
    purged_at: Optional[dt.datetime] = None,
    inspector: Optional[StackInspector] = None,
    now: Optional[dt.datetime] = None,
    catalog: Catalog | None = None,
) -> Release:
    """Free a retiring project's block once its stack is shown destroyed in the backend ``deploy`` used
    (``backend_url``, resolved as ``deploy --backend`` resolves it) and, for an agent-pool block, an hour
    after its Foundry account was purged (``purged_at``)."""
    from aifactory.tools.deploy import AutomationInspector, backend_url_for

    catalog = catalog or load_catalog()
    directory = projects_dir_of(root, environment, projects_dir)
    stack = project_stack(environment, name)
    with projects_lock(directory):
        factory = load_factory(root, environment, catalog=catalog, projects_dir=directory)
        planned = _planned(factory, name, directory)
        entry = f"environments.{environment}"
        if not planned.retiring:
            raise ConfigError(
                f"project {name!r} is active in {environment}; retire it first: aifactory offboard {name} --env {environment}",
                file=planned.source,
                field=entry,
            )
        backend = backend_url_for(root, backend_url)
        inspector = inspector or AutomationInspector(root, backend)
        destroy = f"aifactory deploy --env {environment} --project {name} --destroy" + (f" --backend {backend_url}" if backend_url else "")
        try:
            evidence = destroyed_evidence(inspector, stack, factory.platform_stack, backend, destroy)
        except FactoryError as error:
            raise error.located(file=planned.source, field=entry) from None
        agents = holds_agent_subnet(factory, planned)
        if agents:
            _check_agent_hold(factory, planned, purged_at, now)
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
    notes = () if agents else tuple(
        f"if not done yet, purge the soft-deleted account so its name can be reused: {command}"
        for command in purge_commands(factory, planned)
    )
    return Release(name, environment, str(planned.spoke.cidr), str(path), removed, notes, backend, evidence)


__all__ = [
    "Allocation",
    "Release",
    "Retirement",
    "StackInspector",
    "destroyed_evidence",
    "offboard",
    "onboard",
    "parse_purge_time",
    "protected_data_stores",
    "purge_commands",
    "release",
    "retirement_steps",
]

