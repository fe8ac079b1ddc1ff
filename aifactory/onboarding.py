"""Onboarding and offboarding: a request comes in, is validated, gets its addresses, is recorded.

``onboard`` allocates the project's spoke in one environment as the lowest free aligned block of
the size its type needs and writes the project file with the allocation. ``offboard`` removes an
environment's entry and so frees its block for reuse. Both validate the whole environment with the
change applied *before* touching any file (bad input changes nothing), write atomically, and hold
a lock on the projects folder so two runs on one machine never pick the same block. (Two runs on
two machines meet in version control: the second change no longer plans, because its block
overlaps.)
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import yaml

from aifactory.addressing import allocate, parse_network
from aifactory.config import ProjectRequest, parse_project, read_yaml
from aifactory.errors import ConfigError
from aifactory.factory import Factory, load_factory
from aifactory.project_types import load_registry

LOCK_FILE = ".aifactory.lock"


@dataclass(frozen=True)
class Allocation:
    project: str
    environment: str
    cidr: str
    subnets: dict[str, str]
    file: str
    new_project: bool


@contextmanager
def projects_lock(directory: Path) -> Iterator[None]:
    """An exclusive lock on the projects folder for the duration of one onboarding."""
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / LOCK_FILE, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _projects_dir(root: Path, stack: str, projects_dir: Path | None) -> Path:
    if projects_dir is not None:
        return projects_dir
    from aifactory.factory import read_stack_settings
    from aifactory.config import decode_pulumi_config

    return root / str(decode_pulumi_config(read_stack_settings(root, stack)).get("projectsDir", "projects"))


def _existing_file(directory: Path, name: str) -> Path | None:
    for path in sorted(directory.glob("*.y*ml")):
        document = read_yaml(path)
        if isinstance(document, dict) and document.get("name") == name:
            return path
    return None


def _render(document: dict[str, Any], header: str) -> str:
    body = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    return header + body


def _header(path: Path) -> str:
    """Leading comment lines of a project file, kept when the file is rewritten."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
        if not line.startswith("#"):
            break
        lines.append(line)
    return "".join(lines)


def _validate_with(root: Path, stack: str, directory: Path, target: Path, content: str | None) -> Factory:
    """Plan the environment as it would be with ``target`` changed: nothing is written here."""
    with tempfile.TemporaryDirectory() as scratch:
        trial = Path(scratch) / "projects"
        shutil.copytree(directory, trial, ignore=shutil.ignore_patterns(LOCK_FILE))
        trial_target = trial / target.name
        if content is None:
            trial_target.unlink(missing_ok=True)
        else:
            trial_target.write_text(content, encoding="utf-8")
        factory = load_factory(root, stack, projects_dir=trial)
    return factory


def _write_atomically(path: Path, content: str) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        stream.write(content)
    os.replace(temporary, path)


def onboard(request_path: Path, *, root: Path, environment: str, projects_dir: Path | None = None) -> Allocation:
    """Validate ``request_path``, allocate its spoke in ``environment`` and record it in the project file."""
    directory = _projects_dir(root, environment, projects_dir)
    document = read_yaml(request_path)
    source = str(request_path)
    if not isinstance(document, dict):
        raise ConfigError("a project request must be a mapping of fields (name, type, ...)", file=source)
    environments = dict(document.get("environments") or {})
    entry = dict(environments.get(environment) or {})
    if entry.get("cidr"):
        raise ConfigError(
            f"the request already names a spoke for {environment}; leave cidr out and onboard allocates one",
            file=source,
            field=f"environments.{environment}.cidr",
        )
    environments[environment] = entry
    request = parse_project({**document, "environments": environments}, source=source)

    with projects_lock(directory):
        factory = load_factory(root, environment, projects_dir=directory)  # the environment as it is
        existing = _existing_file(directory, request.name)
        if existing is not None:
            recorded = parse_project(read_yaml(existing), source=str(existing))
            _check_same_project(recorded, request, source=source, existing=existing)
            if environment in recorded.environments and recorded.environments[environment].cidr:  # type: ignore[index]
                raise ConfigError(
                    f"project {request.name!r} is already onboarded in {environment} at "
                    f"{recorded.environments[environment].cidr}",  # type: ignore[index]
                    file=str(existing),
                    field=f"environments.{environment}",
                )
            target, header = existing, _header(existing)
            base = read_yaml(existing)
        else:
            target, header = directory / f"{request.name}.yaml", _header(request_path)
            base = {k: v for k, v in document.items() if k != "environments"}
            base["environments"] = {}

        project_type = load_registry().get(request.type)
        if project_type is None:
            raise ConfigError(f"unknown project type {request.type!r}", file=source, field="type")
        prefix = min(factory.settings.default_spoke_size, project_type.min_spoke_prefix)
        block = allocate(parse_network(factory.settings.address_pool), prefix, factory.network.taken())
        base["environments"] = {**(base.get("environments") or {}), environment: {**entry, "cidr": str(block)}}
        content = _render(base, header)
        planned = _validate_with(root, environment, directory, target, content)
        _write_atomically(target, content)

    spoke = next(p for p in planned.projects if p.name == request.name).spoke
    return Allocation(
        project=request.name,
        environment=environment,
        cidr=str(spoke.cidr),
        subnets={k: str(v) for k, v in spoke.subnets.items()},
        file=str(target),
        new_project=existing is None,
    )


def _check_same_project(recorded: ProjectRequest, request: ProjectRequest, *, source: str, existing: Path) -> None:
    """A request for an existing name must be that project (same type and cost center), not a second one."""
    for field in ("type", "cost_center"):
        if getattr(recorded, field) != getattr(request, field):
            raise ConfigError(
                f"a project named {request.name!r} already exists ({existing}) with a different {field.replace('_', ' ')}; "
                "two requests for the same name are refused: choose another name",
                file=source,
                field="name",
            )


@dataclass(frozen=True)
class Offboarding:
    project: str
    environment: str
    freed: str
    file: str
    file_removed: bool


def offboard(
    name: str,
    *,
    root: Path,
    environment: str,
    projects_dir: Path | None = None,
    data_stores_unprotected: bool = False,
) -> Offboarding:
    """Remove ``name`` from ``environment``; its block becomes free for the next onboarding."""
    directory = _projects_dir(root, environment, projects_dir)
    with projects_lock(directory):
        factory = load_factory(root, environment, projects_dir=directory)
        existing = _existing_file(directory, name)
        if existing is None:
            raise ConfigError(f"no project named {name!r} in {directory}", field="name")
        planned = next((p for p in factory.projects if p.name == name), None)
        if planned is None:
            raise ConfigError(f"project {name!r} is not onboarded in {environment}", file=str(existing), field="environments")
        if factory.profile.protect_stateful and not data_stores_unprotected:
            raise ConfigError(
                f"{environment} protects {name!r}'s data stores (lake area, key vault, ML storage) with Pulumi protect and "
                "delete locks. Export the data you need, then on its stack run `pulumi state unprotect --all --yes`, "
                "remove the CanNotDelete locks, and run offboard again with --data-stores-unprotected",
                file=str(existing),
                field=f"environments.{environment}",
            )
        document = read_yaml(existing)
        environments = dict(document.get("environments") or {})
        environments.pop(environment, None)
        content = None if not environments else _render({**document, "environments": environments}, _header(existing))
        _validate_with(root, environment, directory, existing, content)
        if content is None:
            existing.unlink()
        else:
            _write_atomically(existing, content)
    return Offboarding(name, environment, str(planned.spoke.cidr), str(existing), content is None)
