"""Deployments through the Pulumi Automation API, fanned out one process per stack, always with the
CrossGuard policy pack.

The orchestration (which stacks, in which order, how many at once, what a failure means) is plain
Python around one seam, a *runner*: a function from a :class:`StackJob` to a :class:`StackResult`.
The real runner starts ``python -m aifactory.tools.deploy_worker`` per stack (separate processes are the
safe way to run stacks in parallel); the worker drives the real engine with ``pulumi.automation``.
Tests replace the runner with an in-memory fake.

Order: the platform stack first; its projects only after it succeeded (they read its outputs).
``--destroy`` reverses that. Projects run in parallel, at most N at once; one failing project does
not stop the others. Every preview and update runs the policy pack (``policypack/``), so nothing
the policies forbid reaches Azure whichever path deploys it. Before any stack runs, Azure's limits
are counted for the whole environment (``aifactory.core.limits``); a limit it would exceed stops
the deployment. Retiring projects are left out of ``--all``: destroy them with ``--project NAME --destroy``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Optional, Sequence

from rich.console import Console
from rich.live import Live
from rich.table import Table

from aifactory.core.config import CONFIG_NAMESPACE, read_stack_file_config, stack_file
from aifactory.core.errors import FactoryError, Problem
from aifactory.core.factory import Factory, StackSlice, load_factory, stack_slices
from aifactory.core.limits import environment_usage, findings
from aifactory.services import load_catalog

OPERATIONS = ("preview", "up", "destroy")
PULUMI_INSTALL_HINT = (
    "the Pulumi CLI is not on PATH; deployments need it. Install it (https://www.pulumi.com/docs/install/, "
    "e.g. `curl -fsSL https://get.pulumi.com | sh`) and make sure `pulumi version` works. "
    "`aifactory plan` needs no CLI."
)
DEFAULT_SECRETS_PROVIDER = "passphrase"


class DeployError(FactoryError):
    """A deployment cannot start (bad arguments, no Pulumi CLI)."""


@dataclass(frozen=True)
class StackJob:
    stack: str
    environment: str
    scope: str
    operation: str
    config: dict[str, str]
    """``namespace:key`` -> value, as ``pulumi config set`` stores them (structured values as JSON)."""
    work_dir: str
    backend_url: str
    secrets_provider: str
    log_path: str
    policy_packs: tuple[str, ...] = ()
    """Policy pack folders every preview and update runs (``--policy-pack``)."""

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @staticmethod
    def from_json(text: str) -> "StackJob":
        data = json.loads(text)
        data["policy_packs"] = tuple(data.get("policy_packs", ()))
        return StackJob(**data)


@dataclass
class StackResult:
    stack: str
    status: str  # succeeded | failed | skipped
    operation: str
    changes: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    message: str = ""
    log_path: str = ""

    def to_json(self) -> str:
        return json.dumps(asdict(self))


Runner = Callable[[StackJob], StackResult]


def require_policy_pack(path: Path) -> str:
    """The policy pack folder, resolved; refusing to deploy without one keeps every path under the policies."""
    if not (path / "PulumiPolicy.yaml").is_file():
        raise DeployError(f"no policy pack at {path} (PulumiPolicy.yaml); deployments always run the policies", field="--policy-pack")
    return str(path.resolve())


def require_pulumi_cli(which: Callable[[str], Optional[str]] = shutil.which) -> str:
    path = which("pulumi")
    if path is None:
        raise DeployError(PULUMI_INSTALL_HINT)
    return path


def _config_value(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def stack_config(base: Mapping[str, str], item: StackSlice, platform_stack: str) -> dict[str, str]:
    """The environment's stack config plus this slice's scope."""
    return {**base, f"{CONFIG_NAMESPACE}:scope": item.scope, f"{CONFIG_NAMESPACE}:platformStack": platform_stack}


def read_stack_config_full(path: Path) -> dict[str, str]:
    """All namespaces of a stack file's ``config:`` (azure-native:location, aifactory:...), as config strings."""
    document = read_stack_file_config(path)
    return {key: _config_value(value) for key, value in document.items() if value is not None}


def plan_waves(
    factory: Factory,
    *,
    operation: str,
    project: Optional[str],
    everything: bool,
    backend_url: str,
    secrets_provider: str,
    log_dir: Path,
    platform_only: bool = False,
    policy_packs: tuple[str, ...] = (),
) -> list[list[StackJob]]:
    """The jobs to run, as waves: every job of a wave may run at once; a wave waits for the one before."""
    if operation not in OPERATIONS:
        raise DeployError(f"unknown operation {operation!r}; use one of {', '.join(OPERATIONS)}")
    if sum((bool(project), bool(everything), bool(platform_only))) != 1:
        raise DeployError("choose what to deploy: --project NAME, --platform or --all")
    slices = stack_slices(factory)
    platform, projects = slices[0], slices[1:]
    if project:
        projects = [s for s in projects if s.project == project]
        if not projects:
            known = ", ".join(s.project or "" for s in slices[1:]) or "none"
            raise DeployError(f"project {project!r} is not recorded in {factory.environment}; recorded: {known}", field="--project")
        if projects[0].retiring and operation == "up":
            raise DeployError(
                f"project {project!r} is retiring in {factory.environment}: destroy its stack (--destroy), or onboard it again",
                field="--project",
            )
    elif operation != "destroy":
        projects = [s for s in projects if not s.retiring]

    base_config = read_stack_config_full(stack_file(factory.root, factory.stack))

    def job(item: StackSlice) -> StackJob:
        return StackJob(
            stack=item.stack,
            environment=factory.environment,
            scope=item.scope,
            operation=operation,
            config=stack_config(base_config, item, factory.platform_stack),
            work_dir=str(factory.root.resolve()),
            backend_url=backend_url,
            secrets_provider=secrets_provider,
            log_path=str(log_dir / f"{item.stack}.log"),
            policy_packs=policy_packs,
        )

    if platform_only:
        return [[job(platform)]]
    project_wave = [job(s) for s in projects]
    if project:
        return [project_wave]
    waves = [[job(platform)], project_wave]
    return list(reversed(waves)) if operation == "destroy" else waves


class Progress:
    """A live table of every stack's state (rich), safe to update from worker threads."""

    def __init__(self, jobs: Sequence[StackJob], console: Console) -> None:
        self._states = {job.stack: "waiting" for job in jobs}
        self._lock = threading.Lock()
        self._live = Live(self._table(), console=console, refresh_per_second=4, transient=False)

    def _table(self) -> Table:
        table = Table(title="Deployment")
        table.add_column("stack")
        table.add_column("state")
        for stack, state in self._states.items():
            table.add_row(stack, state)
        return table

    def set(self, stack: str, state: str) -> None:
        with self._lock:
            self._states[stack] = state
            self._live.update(self._table())

    def __enter__(self) -> "Progress":
        self._live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._live.__exit__(*exc)  # type: ignore[arg-type]


def run_waves(waves: Sequence[Sequence[StackJob]], runner: Runner, *, parallel: int, console: Console) -> list[StackResult]:
    """Run each wave with at most ``parallel`` stacks at once; a failed wave skips the waves after it."""
    if parallel < 1:
        raise DeployError("--parallel must be at least 1", field="--parallel")
    results: list[StackResult] = []
    all_jobs = [job for wave in waves for job in wave]
    with Progress(all_jobs, console) as progress:
        blocked: Optional[str] = None
        for wave in waves:
            if blocked:
                for job in wave:
                    progress.set(job.stack, "skipped")
                    results.append(StackResult(job.stack, "skipped", job.operation, message=blocked, log_path=job.log_path))
                continue

            def execute(job: StackJob) -> StackResult:
                progress.set(job.stack, f"{job.operation}...")
                try:
                    result = runner(job)
                except Exception as error:  # noqa: BLE001 - one stack's failure never stops the others
                    result = StackResult(job.stack, "failed", job.operation, message=f"{type(error).__name__}: {error}", log_path=job.log_path)
                progress.set(job.stack, result.status)
                return result

            with ThreadPoolExecutor(max_workers=min(parallel, max(len(wave), 1))) as pool:
                wave_results = list(pool.map(execute, wave))
            results.extend(wave_results)
            failed = [r.stack for r in wave_results if r.status != "succeeded"]
            if failed and len(waves) > 1:
                blocked = f"not run: {', '.join(failed)} failed first"
    return results


def summary_table(results: Sequence[StackResult]) -> Table:
    table = Table(title="Summary")
    for column in ("stack", "operation", "result", "changes", "seconds", "log / message"):
        table.add_column(column)
    for r in results:
        changes = ", ".join(f"{k} {v}" for k, v in sorted(r.changes.items())) or "-"
        table.add_row(r.stack, r.operation, r.status, changes, f"{r.seconds:.1f}", r.message or r.log_path)
    return table


# --- the real runner ----------------------------------------------------------------------------------


def subprocess_runner(job: StackJob) -> StackResult:
    """Run one stack in its own process (``python -m aifactory.tools.deploy_worker``)."""
    Path(job.log_path).parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        handle.write(job.to_json())
        job_file = handle.name
    try:
        completed = subprocess.run(
            [sys.executable, "-m", "aifactory.tools.deploy_worker", job_file],
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        os.unlink(job_file)
    lines = completed.stdout.strip().splitlines()
    try:
        return StackResult(**json.loads(lines[-1]))
    except (IndexError, ValueError, TypeError):
        tail = (completed.stderr or completed.stdout).strip().splitlines()[-3:]
        return StackResult(job.stack, "failed", job.operation, message=" | ".join(tail) or "worker crashed", log_path=job.log_path)


def automation_run(job: StackJob) -> StackResult:
    """Drive the real Pulumi engine for one stack through the Automation API (needs the CLI)."""
    from pulumi import automation as auto

    started = time.monotonic()
    Path(job.log_path).parent.mkdir(parents=True, exist_ok=True)
    with open(job.log_path, "a", encoding="utf-8") as log:
        try:
            workspace = auto.LocalWorkspaceOptions(
                env_vars={"PULUMI_BACKEND_URL": job.backend_url},
                secrets_provider=job.secrets_provider,
            )
            stack = auto.create_or_select_stack(stack_name=job.stack, work_dir=job.work_dir, opts=workspace)
            stack.set_all_config({key: auto.ConfigValue(value=value) for key, value in job.config.items()})
            packs = list(job.policy_packs) or None
            if job.operation == "preview":
                preview = stack.preview(on_output=log.write, policy_packs=packs)
                changes = dict(preview.change_summary or {})
            elif job.operation == "up":
                changes = dict(stack.up(on_output=log.write, policy_packs=packs).summary.resource_changes or {})
            else:
                changes = dict(stack.destroy(on_output=log.write).summary.resource_changes or {})
            status, message = "succeeded", ""
        except auto.errors.CommandError as error:
            log.write(f"\n{error}\n")
            status, message, changes = "failed", str(error).strip().splitlines()[-1][:300], {}
    return StackResult(
        job.stack,
        status,
        job.operation,
        changes={str(k): int(v) for k, v in changes.items()},
        seconds=time.monotonic() - started,
        message=message,
        log_path=job.log_path,
    )


def deploy(
    root: Path,
    environment: str,
    *,
    operation: str,
    project: Optional[str],
    everything: bool,
    parallel: int,
    platform_only: bool = False,
    policy_pack: Path = Path("policypack"),
    backend_url: Optional[str],
    secrets_provider: Optional[str],
    console: Console,
    runner: Optional[Runner] = None,
    which: Callable[[str], Optional[str]] = shutil.which,
) -> list[StackResult]:
    """Validate, then run the stacks of ``environment``. Raises DeployError/FactoryError on bad input."""
    pack = require_policy_pack(policy_pack if policy_pack.is_absolute() else root / policy_pack)
    if runner is None:
        require_pulumi_cli(which)
        runner = subprocess_runner
    factory = load_factory(root, environment, catalog=load_catalog())
    over = [f for f in findings(environment_usage(factory)) if f.mandatory]
    if over and operation != "destroy":
        raise DeployError(problems=[Problem(f.message, factory.source, f"limit {f.limit.key}") for f in over])
    backend = backend_url_for(root, backend_url)
    waves = plan_waves(
        factory,
        operation=operation,
        project=project,
        everything=everything,
        platform_only=platform_only,
        backend_url=backend,
        secrets_provider=secrets_provider or DEFAULT_SECRETS_PROVIDER,
        log_dir=(root / ".aifactory").resolve() / "logs" / environment,
        policy_packs=(pack,),
    )
    return run_waves(waves, runner, parallel=parallel, console=console)


def backend_url_for(root: Path, backend_url: Optional[str] = None) -> str:
    """The state backend: the given one, PULUMI_BACKEND_URL, or a folder beside the stack files."""
    backend = backend_url or os.environ.get("PULUMI_BACKEND_URL") or f"file://{(root / '.aifactory').resolve() / 'state'}"
    if backend.startswith("file://"):
        Path(backend[len("file://") :]).mkdir(parents=True, exist_ok=True)
    return backend


class AutomationInspector:
    """A stack's state as the Pulumi CLI reports it (for ``offboard --release``)."""

    def __init__(self, root: Path, backend_url: Optional[str] = None, which: Callable[[str], Optional[str]] = shutil.which) -> None:
        self.root = root
        self.backend_url = backend_url
        self.which = which

    def _stack(self, stack: str) -> Any:
        from pulumi import automation as auto

        try:
            require_pulumi_cli(self.which)
        except DeployError:
            raise DeployError(
                "releasing a project checks that its stack is destroyed, which needs the Pulumi CLI: " + PULUMI_INSTALL_HINT
            ) from None
        options = auto.LocalWorkspaceOptions(env_vars={"PULUMI_BACKEND_URL": backend_url_for(self.root, self.backend_url)})
        try:
            return auto.select_stack(stack_name=stack, work_dir=str(self.root.resolve()), opts=options)
        except auto.errors.StackNotFoundError:
            return None

    def resource_count(self, stack: str) -> Optional[int]:
        selected = self._stack(stack)
        if selected is None:
            return None
        resources = (selected.export_stack().deployment or {}).get("resources") or []
        return sum(1 for r in resources if r.get("type") != "pulumi:pulumi:Stack" and not str(r.get("type", "")).startswith("pulumi:providers:"))

    def last_update(self, stack: str) -> Optional[dt.datetime]:
        selected = self._stack(stack)
        if selected is None:
            return None
        history = selected.history(page_size=1)
        ended = history[0].end_time if history else None
        if ended is not None and ended.tzinfo is None:
            ended = ended.replace(tzinfo=dt.timezone.utc)
        return ended
