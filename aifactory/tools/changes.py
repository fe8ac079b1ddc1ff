"""Which stacks of an environment have inputs that changed since a git ref (for pull-request pipelines).

A pull request that touches one project request should plan that project's stack and the platform, not
every stack of the environment: at hundreds of projects, planning everything on every pull request is
what makes the pipeline slow. This module maps the files a change touches to the stacks whose inputs
they are, by the rules below, so the pipeline plans only those (``aifactory plan --changed-since REF``,
``aifactory stacks --changed-since REF``).

The rules, for one environment (its stack file is ``Pulumi.<environment>.yaml``):

* **code** (``aifactory/**``, ``pyproject.toml``, ``Pulumi.yaml``, ``__main__.py``, ``policypack/**``) or
  the environment's **stack file** changed: every stack of the environment changed (code builds every
  stack; the stack file configures every stack).
* a **request file** was added, modified or renamed: that project's slice changed, in each environment it
  is (or was) recorded in, and so did the platform slice, which holds what is derived from all projects
  (shared-area readers, hub egress rules, peerings).
* a **request file was deleted**, or the project's entry for this environment was removed: its stack is
  destroyed, not planned, so the project is listed in ``removed_projects`` (the pipeline shows it), and
  the platform slice changed. The old file is read with ``git show REF:path`` to learn its name and
  environments.
* anything else (docs, tests, pipelines, other environments' stack files) changes nothing.

Paths come from git relative to the repository's top level, which need not be the factory's folder:
each is made relative to ``root`` before the rules apply, and files outside ``root`` change nothing.
Changes are those of the working tree against ``REF`` (committed, staged and unstaged:
``git diff --name-status -M REF --``) plus untracked files (``git ls-files --others --exclude-standard``),
so the answer is the same before and after ``git commit``.

No Pulumi imports: this runs in the pipeline before anything is planned.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Iterable, Mapping

from aifactory.core.config import REQUEST_SUFFIXES
from aifactory.core.errors import ConfigError, FactoryError, Problem
from aifactory.core.factory import Factory, StackSlice, load_factory, stack_slices
from aifactory.core.naming import project_stack
from aifactory.core.spec import Catalog
from aifactory.core.yamlio import load_yaml

Git = Callable[[list[str]], str]
"""Runs ``git ARGS...`` in the factory's folder and returns its standard output; raises on failure."""

FIELD = "--changed-since"
"""Where errors point: the option the ref came from."""

CODE_FILES: frozenset[str] = frozenset({"pyproject.toml", "Pulumi.yaml", "__main__.py"})
"""Files (relative to the factory's folder) whose change rebuilds every stack."""
CODE_DIRS: tuple[str, ...] = ("aifactory", "policypack")
"""Folders (relative to the factory's folder) whose every file is code for every stack."""


class GitError(Exception):
    """A git command failed (unknown ref, not a repository, git missing); becomes a located ConfigError."""


# --- results -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileChange:
    """One changed path as git reports it, both paths relative to the repository's top level."""

    status: str
    """``A`` added, ``M`` modified, ``D`` deleted, ``R`` renamed, ``C`` copied, ``T`` type changed, ``?`` untracked."""
    path: str
    """The path now (for a deletion: the path that was deleted)."""
    old_path: str | None = None
    """For a rename or copy: where it came from."""


@dataclass(frozen=True)
class ChangedStack:
    """A stack to plan, and the files (repository-relative) that changed its inputs."""

    slice: StackSlice
    reasons: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {**self.slice.to_dict(), "reasons": list(self.reasons)}


@dataclass(frozen=True)
class RemovedProject:
    """A project recorded in the environment at the ref and not any more: its stack is destroyed, not planned."""

    name: str
    stack: str
    """The stack that held it (``<environment>-<project>``), for the pipeline to show or destroy."""
    file: str
    """The request file it was recorded in at the ref (repository-relative)."""
    reason: str
    """``request deleted`` or ``environment entry removed``."""
    retiring: bool = True
    """Whether it was retiring at the ref. An active project removed in one step would leave its stack and
    resources behind with its address block free: :meth:`ChangeSet.problems` refuses that."""

    def to_dict(self) -> dict[str, str | bool]:
        return {"project": self.name, "stack": self.stack, "file": self.file, "reason": self.reason, "retiring": self.retiring}


@dataclass(frozen=True)
class ChangeSet:
    """What changed in one environment since a ref: the stacks to plan and the projects that went away."""

    environment: str
    ref: str
    stacks: tuple[ChangedStack, ...]
    """Stacks to plan, platform first (its outputs feed the project stacks), then projects by name."""
    removed_projects: tuple[RemovedProject, ...]
    everything: bool
    """Code or the environment's stack file changed, so every stack is listed."""
    files: tuple[FileChange, ...]
    """Every changed path git reported, including those that changed nothing."""

    @property
    def slices(self) -> list[StackSlice]:
        """The slices to plan, in order (what ``stack_slices`` gives, filtered)."""
        return [item.slice for item in self.stacks]

    @property
    def unchanged(self) -> bool:
        return not self.stacks and not self.removed_projects

    def problems(self) -> list[Problem]:
        """Projects removed while active: offboarding retires a project first, so its stack can be destroyed
        before its block is freed (docs/runbook.md); removing it at once would orphan both."""
        return [
            Problem(
                f"project {project.name!r} was active in {self.environment} at {self.ref} and is removed ({project.reason}): "
                f"its stack {project.stack} and its resources would be left behind and its address block reused; "
                f"offboard it first (aifactory offboard {project.name} --env {self.environment}), destroy, then release",
                project.file,
                f"environments.{self.environment}",
            )
            for project in self.removed_projects
            if not project.retiring
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "environment": self.environment,
            "ref": self.ref,
            "everything": self.everything,
            "stacks": [item.to_dict() for item in self.stacks],
            "removedProjects": [item.to_dict() for item in self.removed_projects],
        }


# --- git -----------------------------------------------------------------------------------


def run_git(root: Path) -> Git:
    """The default seam: git in ``root``, with output that does not depend on the user's git config."""

    def git(args: list[str]) -> str:
        command = ["git", "-c", "core.quotepath=off", "-C", str(root), *args]
        try:
            done = subprocess.run(command, capture_output=True, text=True, check=False)
        except OSError as error:  # git is not installed
            raise GitError(f"cannot run git: {error}") from None
        if done.returncode != 0:
            detail = done.stderr.strip().splitlines()
            raise GitError(detail[-1] if detail else f"git {' '.join(args)} exited with {done.returncode}")
        return done.stdout

    return git


def _call(git: Git, args: list[str], ref: str) -> str:
    """Run ``git`` and turn any failure into the error the CLI prints for ``--changed-since``."""
    try:
        return git(args)
    except (GitError, subprocess.CalledProcessError, OSError) as error:
        detail = getattr(error, "stderr", None) or str(error)
        raise ConfigError(f"cannot compare with {ref!r}: {str(detail).strip()}", field=FIELD) from None


def parse_name_status(output: str) -> list[FileChange]:
    """``git diff --name-status -z`` output: NUL-separated status, path (and a second path for R/C)."""
    fields = output.split("\0")
    if fields and fields[-1] == "":
        fields.pop()
    changes: list[FileChange] = []
    index = 0
    while index < len(fields):
        status = fields[index][:1]
        if status in ("R", "C"):
            old, new = fields[index + 1], fields[index + 2]
            changes.append(FileChange(status, new, old))
            index += 3
        else:
            changes.append(FileChange(status, fields[index + 1]))
            index += 2
    return changes


def changed_files(git: Git, ref: str) -> tuple[str, list[FileChange]]:
    """The repository's top level and every path changed against ``ref`` (working tree, untracked included)."""
    if not ref or ref.startswith("-"):
        raise ConfigError(f"{ref!r} is not a git ref; give a branch, tag or commit such as origin/main", field=FIELD)
    top = _call(git, ["rev-parse", "--show-toplevel"], ref).strip()
    try:
        _call(git, ["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], ref)
    except ConfigError:
        raise ConfigError(
            f"{ref!r} is not a commit of the repository at {top}; fetch it first "
            "(a shallow CI checkout has no base branch: fetch it, or check out with full history)",
            field=FIELD,
        ) from None
    # --no-relative: paths from the top level even if the user's config says diff.relative.
    diff = _call(git, ["diff", "--name-status", "-z", "-M", "--no-ext-diff", "--no-relative", ref, "--"], ref)
    untracked = _call(git, ["ls-files", "--others", "--exclude-standard", "--full-name", "-z"], ref)
    changes = parse_name_status(diff)
    changes += [FileChange("?", path) for path in untracked.split("\0") if path]
    return top, changes


# --- rules ---------------------------------------------------------------------------------


def _relative(path: str, prefix: PurePosixPath | None) -> PurePosixPath | None:
    """A repository-relative path made relative to the factory's folder (None: outside it)."""
    pure = PurePosixPath(path)
    if prefix is None:
        return pure
    try:
        return pure.relative_to(prefix)
    except ValueError:
        return None


def is_code(path: PurePosixPath) -> bool:
    """Code every stack is built by: the package, the Pulumi project, the entry point, the policy pack."""
    return str(path) in CODE_FILES or (len(path.parts) > 1 and path.parts[0] in CODE_DIRS)


def is_request(path: PurePosixPath, projects: PurePosixPath) -> bool:
    """A request file of the projects folder, as ``project_files`` reads them (not hidden, not docs, not nested)."""
    return path.parent == projects and path.suffix in REQUEST_SUFFIXES and not path.name.startswith(".")


def _projects_prefix(factory: Factory, top: Path, projects_dir: Path | None) -> PurePosixPath | None:
    """The environment's projects folder relative to the repository (None: outside it, nothing there counts)."""
    directory = projects_dir if projects_dir is not None else Path(factory.settings.projects_dir)
    absolute = (directory if directory.is_absolute() else factory.root / directory).resolve()
    try:
        return PurePosixPath(absolute.relative_to(top).as_posix())
    except ValueError:
        return None


@dataclass(frozen=True)
class _Recorded:
    """What an old request file said: its project's name and whether it was recorded in the environment."""

    name: str
    in_environment: bool
    retiring: bool = True


def _old_request(git: Git, ref: str, path: str, environment: str) -> _Recorded:
    """The request file at ``ref``, read leniently: an old file may not pass today's stricter schema.

    A file that cannot be read as a mapping is taken as recorded in the environment under its file
    name: listing one stack too many is safe, dropping a removed project silently is not.
    """
    text = _call(git, ["show", f"{ref}:{path}"], ref)
    stem = PurePosixPath(path).stem
    try:
        document = load_yaml(text, source=f"{ref}:{path}")
    except FactoryError:
        return _Recorded(stem, True)
    if not isinstance(document, Mapping):
        return _Recorded(stem, True)
    name = document.get("name")
    environments = document.get("environments")
    entry = environments.get(environment) if isinstance(environments, Mapping) else None
    return _Recorded(
        name if isinstance(name, str) and name else stem,
        not isinstance(environments, Mapping) or environment in environments,
        retiring=isinstance(entry, Mapping) and entry.get("retiring") in (True, "true", "True"),
    )


def _current_by_path(factory: Factory, top: Path) -> dict[str, str]:
    """Repository-relative request path -> the project recorded in this environment from it.

    The folder is resolved, not the file: git reports a symlinked request under its own path.
    """
    found: dict[str, str] = {}
    for project in factory.projects:
        source = Path(project.source)
        try:
            found[(source.parent.resolve() / source.name).relative_to(top).as_posix()] = project.name
        except ValueError:
            continue
    return found


def changed_stacks(
    root: Path,
    environment: str,
    ref: str,
    *,
    catalog: Catalog,
    git: Git | None = None,
    projects_dir: Path | None = None,
) -> ChangeSet:
    """The stacks of ``environment`` whose inputs changed since ``ref``, each with the files that changed it.

    ``environment`` names the stack file ``Pulumi.<environment>.yaml`` in ``root`` (as ``aifactory stacks
    --env``). The environment as it is now is assembled (so a broken request fails here, as its plan would)
    and its stacks are filtered by the module's rules. ``projects_dir`` is ``--projects-dir`` (default: the
    stack's ``projectsDir``). ``git`` runs git in ``root`` (a seam for tests); an unknown ref or a folder
    outside a git repository is a ConfigError for ``--changed-since``.
    """
    git = git or run_git(root)
    top_text, files = changed_files(git, ref)
    top = Path(top_text).resolve()
    try:
        prefix: PurePosixPath | None = PurePosixPath(root.resolve().relative_to(top).as_posix())
    except ValueError:
        raise ConfigError(f"{root} is not inside the git repository {top}", field=FIELD) from None
    if prefix == PurePosixPath("."):
        prefix = None

    factory = load_factory(root, environment, catalog=catalog, projects_dir=projects_dir)
    slices = stack_slices(factory)
    platform, project_slices = slices[0], {s.project: s for s in slices[1:] if s.project}
    current = _current_by_path(factory, top)
    requests_dir = _projects_prefix(factory, top, projects_dir)
    stack_name = f"Pulumi.{environment}.yaml"

    everything: list[str] = []
    platform_reasons: list[str] = []
    project_reasons: dict[str, list[str]] = {}
    recorded_before: dict[str, tuple[str, bool, bool]] = {}
    """Project name -> (its request file at the ref, whether that file was deleted), for every changed
    request file that recorded a project in this environment at the ref."""

    def request(path: str | None) -> bool:
        return path is not None and requests_dir is not None and is_request(PurePosixPath(path), requests_dir)

    for change in files:
        olds = [change.old_path] if change.status == "R" else []
        inside = [rel for rel in (_relative(p, prefix) for p in [change.path, *olds] if p) if rel is not None]
        if any(is_code(rel) or str(rel) == stack_name for rel in inside):
            everything.append(change.path)
            continue
        touched = False
        if change.status != "D" and request(change.path):
            name = current.get(change.path)
            if name is not None:
                project_reasons.setdefault(name, []).append(change.path)
                touched = True
        old_path = change.old_path if change.status == "R" else change.path if change.status in ("M", "T", "U", "D") else None
        if request(old_path):
            assert old_path is not None
            old = _old_request(git, ref, old_path, factory.environment)
            if old.in_environment:
                recorded_before.setdefault(old.name, (old_path, change.status == "D", old.retiring))
                touched = True
        if touched:
            platform_reasons.append(change.path)

    removed = tuple(
        RemovedProject(
            name,
            project_stack(factory.environment, name),
            file,
            "request deleted" if deleted else f"no longer recorded in {factory.environment}",
            retiring,
        )
        for name, (file, deleted, retiring) in sorted(recorded_before.items())
        if name not in project_slices
    )

    if everything:
        reasons = tuple(dict.fromkeys(everything))
        stacks = tuple(ChangedStack(s, reasons) for s in slices)
    else:
        chosen: list[ChangedStack] = []
        if platform_reasons:
            chosen.append(ChangedStack(platform, tuple(dict.fromkeys(platform_reasons))))
        chosen += [
            ChangedStack(s, tuple(dict.fromkeys(project_reasons[s.project])))
            for s in slices[1:]
            if s.project in project_reasons
        ]
        stacks = tuple(chosen)
    return ChangeSet(
        environment=factory.environment,
        ref=ref,
        stacks=stacks,
        removed_projects=removed,
        everything=bool(everything),
        files=tuple(files),
    )


def describe(changes: ChangeSet) -> Iterable[str]:
    """One line per stack and per removed project, for a pipeline log."""
    for item in changes.stacks:
        yield f"{item.slice.stack}: {', '.join(item.reasons)}"
    for project in changes.removed_projects:
        yield f"{project.stack}: removed ({project.reason}: {project.file})"


__all__ = [
    "ChangeSet",
    "ChangedStack",
    "FileChange",
    "GitError",
    "RemovedProject",
    "changed_files",
    "changed_stacks",
    "describe",
    "parse_name_status",
    "run_git",
]

