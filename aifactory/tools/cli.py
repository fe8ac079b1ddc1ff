"""The ``aifactory`` command line.

Exit codes: 0 done; 1 mandatory policy violations (or a deployment failed); 2 invalid configuration
or input (every problem printed, each naming its file and field, no traceback); 3 a bug in
aifactory (please report it); 4 ``plan --compare --fail-on-remove`` found resources to remove.
"""

from __future__ import annotations

import json
import os
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Callable, List, Optional, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from aifactory.core.errors import FactoryError
from aifactory.core.limits import ROLE_ASSIGNMENT_LIMIT

if TYPE_CHECKING:  # these modules load Pulumi; commands import them when they run
    from aifactory.tools.changes import ChangeSet
    from aifactory.tools.compare import Comparison
    from aifactory.tools.plan import Plan

EXIT_OK, EXIT_VIOLATIONS, EXIT_INVALID, EXIT_INTERNAL, EXIT_REMOVALS = 0, 1, 2, 3, 4

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Plan and run the AI factory: hub, shared platform and project environments on Azure.",
)

T = TypeVar("T")


def package_version() -> str:
    try:
        return version("aifactory")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree without metadata
        return "unknown"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"aifactory {package_version()}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _root(
    show_version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version and exit."),
) -> None:
    """Plan and run the AI factory."""


def _stderr() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def print_problems(error: FactoryError, console: Optional[Console] = None) -> None:
    """Every problem on its own line, user text escaped (``[acl]`` stays ``[acl]``)."""
    console = console or _stderr()
    count = len(error.problems)
    for problem in error.problems:
        console.print(f"[bold red]error:[/] {escape(str(problem))}")
    if count > 1:
        console.print(f"{count} problems; nothing was changed")


def guarded(action: Callable[[], T]) -> T:
    """Run ``action``; turn bad input into its problems and exit 2, anything else into exit 3."""
    try:
        return action()
    except FactoryError as error:
        print_problems(error)
        raise typer.Exit(EXIT_INVALID) from None
    except (typer.Exit, KeyboardInterrupt, BrokenPipeError):
        raise
    except Exception as error:  # noqa: BLE001 - the CLI's last line of defence
        if os.environ.get("AIFACTORY_DEBUG"):
            raise
        _stderr().print(
            f"[bold red]internal error (a bug in aifactory, please report it):[/] {escape(type(error).__name__)}: "
            f"{escape(str(error))} (set AIFACTORY_DEBUG=1 for a traceback)"
        )
        raise typer.Exit(EXIT_INTERNAL) from None


def fail(message: str) -> None:
    """Bad command-line usage: one message, exit 2."""
    _stderr().print(f"[bold red]error:[/] {escape(message)}")
    raise typer.Exit(EXIT_INVALID)


def parse_assignments(values: List[str]) -> dict[str, str]:
    assignments: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise FactoryError(f"takes KEY=VALUE, got {item!r}", file="--config")
        assignments[key.strip()] = value
    return assignments


def _cell(value: object) -> Text:
    """A table cell that shows user text as it is (no markup)."""
    return Text(str(value))


def print_plan(plan: "Plan", console: Console) -> None:
    summary = plan.to_dict()["summary"]
    console.print(
        Text(
            f"Plan of stack {plan.stack} (environment {plan.environment}): "
            f"{summary['resources']} resources in {summary['components']} components, "
            f"{len(plan.projects)} project(s); {summary['roleAssignments']} role assignments "
            f"(the subscription limit is {ROLE_ASSIGNMENT_LIMIT:,})"
        )
    )
    types = Table(title="Resources by type", show_lines=False)
    types.add_column("type")
    types.add_column("count", justify="right")
    for type_token, count in summary["byType"].items():
        types.add_row(_cell(type_token), _cell(count))
    console.print(types)

    projects = Table(title="Resources by project")
    for column in ("project", "type", "subscription", "services"):
        projects.add_column(column)
    projects.add_column("resources", justify="right")
    for name, count in summary["byProject"].items():
        info = plan.projects.get(name, {})
        projects.add_row(
            _cell(name),
            _cell(info.get("type", "-")),
            _cell(info.get("subscription", "-")),
            _cell(", ".join(info.get("services", [])) or "-"),
            _cell(count),
        )
    console.print(projects)

    network = plan.network
    pools = ", ".join(f"{name} {cidr}" for name, cidr in network.get("pools", {"addressPool": network["pool"]}).items())
    addresses = Table(title=Text(f"Address plan: {pools}; hub {network['hub'] or '(existing)'}"))
    for column in ("project", "spoke", "subnets"):
        addresses.add_column(column)
    for name, spoke in network["projects"].items():
        addresses.add_row(_cell(name), _cell(spoke["cidr"]), _cell(", ".join(f"{k} {v}" for k, v in spoke["subnets"].items())))
    console.print(addresses)

    console.print(component_tree(plan))
    print_violations(plan, console)


def print_violations(plan: "Plan", console: Console) -> None:
    if not plan.violations:
        console.print("[green]No policy violations.[/]")
        return
    mandatory = sum(1 for v in plan.violations if v.level == "mandatory")
    console.print(f"[bold]Policy violations:[/] {mandatory} mandatory, {len(plan.violations) - mandatory} advisory")
    for v in plan.violations:
        colour = "red" if v.level == "mandatory" else "yellow"
        where = v.urn.rsplit("::", 1)[-1] if v.urn else "(stack)"
        console.print(f"  [{colour}]{v.level}[/] {escape(v.policy)} {escape(where)}: {escape(v.message)}", soft_wrap=True)


def component_tree(plan: "Plan") -> Tree:
    """Components as a tree, each with the number of Azure resources beneath it."""
    by_urn = {r.urn: r for r in plan.resources}
    beneath: dict[str, int] = {}
    for resource in plan.custom_resources:
        urn = resource.parent
        while urn is not None and urn in by_urn:
            beneath[urn] = beneath.get(urn, 0) + 1
            urn = by_urn[urn].parent
    tree = Tree(Text(plan.stack, style="bold"))
    nodes: dict[str | None, Tree] = {None: tree}
    components = [r for r in plan.resources if not r.custom]
    depth: dict[str, int] = {}

    def level(urn: str) -> int:
        if urn not in depth:
            parent = by_urn[urn].parent
            depth[urn] = 0 if parent is None or parent not in by_urn else level(parent) + 1
        return depth[urn]

    for component in sorted(components, key=lambda r: (level(r.urn), r.urn)):
        label = Text(component.name)
        label.append(f" ({component.type}, {beneath.get(component.urn, 0)} resources)", style="dim")
        nodes[component.urn] = nodes.get(component.parent, tree).add(label)
    return tree


def print_comparison(comparison: "Comparison", console: Console) -> None:
    for note in comparison.notes:
        console.print(Text(f"note: {note}", style="yellow"))
    for label, colour, changes in (("+", "green", comparison.added), ("~", "yellow", comparison.changed), ("-", "red", comparison.removed)):
        for change in changes:
            line = Text(f"{label} {change.type} {change.name}", style=colour)
            if change.keys:
                line.append(f" ({', '.join(change.keys[:8])}{', ...' if len(change.keys) > 8 else ''})", style="dim")
            console.print(line)
    console.print(Text(f"Compared with the earlier plan: {comparison.summary()}", style="bold"))


class PipeSafeConsole(Console):
    """Printing that survives a closed pipe (``aifactory plan | head``): once the reader is gone the rest
    goes nowhere, quietly, and the command still exits with its own code (rich would exit 1)."""

    def on_broken_pipe(self) -> None:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


@app.command()
def plan(
    stack: str = typer.Option(..., "--stack", "-s", help="Stack (environment) to plan, e.g. dev."),
    directory: Path = typer.Option(Path("."), "--dir", help="Folder with Pulumi.yaml and the stack files."),
    projects_dir: Optional[Path] = typer.Option(None, "--projects-dir", help="Read project requests from here."),
    config: List[str] = typer.Option([], "--config", "-c", help="Override a stack setting: KEY=VALUE (dotted keys allowed)."),
    json_file: Optional[Path] = typer.Option(None, "--json", help="Also write the plan as JSON to this file."),
    compare: Optional[Path] = typer.Option(None, "--compare", help="Show what changes against an earlier plan JSON."),
    fail_on_remove: bool = typer.Option(False, "--fail-on-remove", help="With --compare: exit 4 if anything would be removed."),
    html_file: Optional[Path] = typer.Option(None, "--html", help="Also write a one-page HTML report (topology, address pools, findings, changes)."),
    workers: Optional[int] = typer.Option(
        None, "--workers", "-w", min=1, help="Processes to plan projects in (default: one per core for large environments)."
    ),
    changed_since: Optional[str] = typer.Option(
        None, "--changed-since", help="Plan only the stacks whose inputs changed since this git ref (e.g. origin/main)."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the one-line summary."),
) -> None:
    """Show exactly what a stack would create, offline: no Azure, no Pulumi CLI, no credentials."""
    from aifactory.tools.compare import compare_plans, read_plan
    from aifactory.tools.plan import render_plan_json, run_plan

    if fail_on_remove and compare is None:
        fail("--fail-on-remove needs --compare OLD.json")
    if changed_since is not None:
        if compare is not None or html_file is not None:
            fail("--changed-since plans several stacks: it does not take --compare or --html (plan one stack for those)")
        plan_changed(directory, stack, changed_since, config, projects_dir, json_file, workers, quiet)
        return
    earlier = guarded(lambda: read_plan(compare)) if compare is not None else None
    result = guarded(
        lambda: run_plan(directory, stack, overrides=parse_assignments(config), projects_dir=projects_dir, workers=workers)
    )
    data = result.to_dict()
    if json_file is not None:
        guarded(lambda: _write_text(json_file, render_plan_json(data), "the plan"))
    comparison = compare_plans(earlier, data) if earlier is not None else None
    if html_file is not None:
        from aifactory.tools.report import render_html

        page = guarded(lambda: render_html(data, comparison.to_dict() if comparison is not None else None))
        guarded(lambda: _write_text(html_file, page, "the report"))
    console = PipeSafeConsole(highlight=False, soft_wrap=True)
    if quiet:
        console.print(Text(f"{result.stack}: {len(result.custom_resources)} resources, {len(result.violations)} violation(s)"))
    else:
        print_plan(result, console)
    if comparison is not None:
        print_comparison(comparison, console)
    if any(v.level == "mandatory" for v in result.violations):
        raise typer.Exit(EXIT_VIOLATIONS)
    if fail_on_remove and comparison is not None and comparison.removed:
        _stderr().print(f"[bold red]refused:[/] {len(comparison.removed)} resource(s) would be removed (--fail-on-remove)")
        raise typer.Exit(EXIT_REMOVALS)


def refuse_orphans(changes: "ChangeSet") -> None:
    """Exit 2 if the change removes an active project in one step (see ``ChangeSet.problems``)."""
    problems = changes.problems()
    if problems:
        print_problems(FactoryError(problems=problems))
        raise typer.Exit(EXIT_INVALID)


def plan_changed(
    directory: Path,
    stack: str,
    ref: str,
    config: List[str],
    projects_dir: Optional[Path],
    json_file: Optional[Path],
    workers: Optional[int],
    quiet: bool,
) -> None:
    """``plan --changed-since``: the whole stack if code or the stack file changed, else each changed slice."""
    from aifactory.services import load_catalog
    from aifactory.tools.changes import changed_stacks, describe
    from aifactory.tools.plan import run_plan

    assignments = guarded(lambda: parse_assignments(config))
    changes = guarded(lambda: changed_stacks(directory, stack, ref, catalog=load_catalog(), projects_dir=projects_dir))
    refuse_orphans(changes)
    console = PipeSafeConsole(highlight=False, soft_wrap=True)
    if changes.everything:
        console.print(Text(f"changed since {ref}: code or the stack file ({len(changes.files)} file(s)): planning every stack"))
    else:
        for line in describe(changes):
            console.print(Text(f"changed: {line}"))
    if changes.unchanged:
        console.print(Text(f"{stack}: nothing changed since {ref}; no stack to plan"))
    scopes = ["all"] if changes.everything else [s.scope for s in changes.slices if not s.retiring]
    for item in changes.slices:
        if item.retiring and not changes.everything:
            console.print(Text(f"{item.stack}: retiring, its stack is to be destroyed (nothing to plan)"))
    plans = []
    for scope in scopes if not changes.unchanged else []:
        overrides = {**assignments, "scope": scope} if scope != "all" else assignments
        result = guarded(lambda: run_plan(directory, stack, overrides=overrides, projects_dir=projects_dir, workers=workers))
        plans.append(result)
        if quiet:
            console.print(Text(f"{result.stack} ({scope}): {len(result.custom_resources)} resources, {len(result.violations)} violation(s)"))
        else:
            print_plan(result, console)
    if json_file is not None:
        document = {"changedSince": ref, "changes": changes.to_dict(), "plans": [p.to_dict() for p in plans]}
        guarded(lambda: _write_text(json_file, json.dumps(document, indent=2) + "\n", "the plans"))
    if any(v.level == "mandatory" for p in plans for v in p.violations):
        raise typer.Exit(EXIT_VIOLATIONS)


@app.command()
def stacks(
    env: str = typer.Option(..., "--env", "-e", help="Environment (its stack file is Pulumi.<env>.yaml)."),
    directory: Path = typer.Option(Path("."), "--dir", help="Folder with the stack files."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON (for a CI matrix)."),
    projects_only: bool = typer.Option(False, "--projects-only", help="Leave out the platform stack."),
    azure_devops: bool = typer.Option(False, "--azure-devops-matrix", help="Print an Azure DevOps strategy matrix."),
    changed_since: Optional[str] = typer.Option(
        None, "--changed-since", help="Only the stacks whose inputs changed since this git ref (e.g. origin/main); also lists removed projects."
    ),
) -> None:
    """List the stacks of a split environment: the platform first, then one per project, each active or retiring."""
    from aifactory.core.factory import load_factory, stack_slices
    from aifactory.services import load_catalog

    if changed_since is not None:
        from aifactory.tools.changes import changed_stacks

        changes = guarded(lambda: changed_stacks(directory, env, changed_since, catalog=load_catalog()))
        refuse_orphans(changes)
        changed = [c for c in changes.stacks if c.slice.project or not projects_only]
        slices = [c.slice for c in changed]
        reasons = {c.slice.stack: ", ".join(c.reasons) for c in changed}
        report = {**changes.to_dict(), "stacks": [c.to_dict() for c in changed]}
    else:
        slices = stack_slices(guarded(lambda: load_factory(directory, env, catalog=load_catalog())))
        if projects_only:
            slices = [s for s in slices if s.project]
        reasons, report = {}, None
    if azure_devops:
        # Matrix variables are strings: retiring is "true" or "false" (a job's condition picks up or destroy).
        matrix = {
            s.stack.replace("-", "_"): {
                "stack": s.stack, "scope": s.scope, "project": s.project or "", "retiring": "true" if s.retiring else "false",
            }
            for s in slices
        }
        typer.echo(json.dumps(matrix))
        return
    if as_json:
        typer.echo(json.dumps([s.to_dict() for s in slices] if report is None else report))
        return
    title = f"Stacks of {env}" + (f" changed since {changed_since}" if changed_since is not None else "")
    table = Table(title=Text(title))
    for column in ("stack", "scope", "type", "state", *(("changed by",) if report is not None else ())):
        table.add_column(column)
    for item in slices:
        cells = [item.stack, item.scope, item.project_type or "-", "retiring" if item.retiring else "active"]
        if report is not None:
            cells.append(reasons[item.stack])
        table.add_row(*map(_cell, cells))
    console = Console(highlight=False, soft_wrap=True)
    console.print(table)
    for project in report["removedProjects"] if report is not None else []:
        console.print(Text(f"removed: {project['stack']} ({project['reason']}: {project['file']})"))


@app.command()
def onboard(
    request: Path = typer.Argument(..., help="The project request (a project file without a spoke for ENV)."),
    env: str = typer.Option(..., "--env", "-e", help="Environment to onboard into."),
    directory: Path = typer.Option(Path("."), "--dir", help="Folder with the stack files."),
    projects_dir: Optional[Path] = typer.Option(None, "--projects-dir", help="Where project files live."),
) -> None:
    """Validate a request, allocate its spoke (lowest free block) and subscription, and record them."""
    from aifactory.tools.onboarding import onboard as do_onboard

    allocation = guarded(lambda: do_onboard(request, root=directory, environment=env, projects_dir=projects_dir))
    console = Console(highlight=False, soft_wrap=True)
    if not allocation.changed:
        console.print(Text(f"{allocation.project} is already onboarded in {allocation.environment} at {allocation.cidr}: nothing to do"))
        return
    verb = "onboarded" if allocation.new_project else "added environment to"
    where = f" in subscription {allocation.subscription}" if allocation.subscription else ""
    console.print(Text(f"{verb} {allocation.project} in {allocation.environment}: spoke {allocation.cidr}{where} ({allocation.file})"))
    for subnet, cidr in allocation.subnets.items():
        console.print(Text(f"  {subnet:<14} {cidr}"))


@app.command()
def offboard(
    name: str = typer.Argument(..., help="Project name."),
    env: str = typer.Option(..., "--env", "-e", help="Environment to remove the project from."),
    directory: Path = typer.Option(Path("."), "--dir", help="Folder with the stack files."),
    projects_dir: Optional[Path] = typer.Option(None, "--projects-dir", help="Where project files live."),
    release: bool = typer.Option(False, "--release", help="Final step, after its stack is destroyed: free the project's address block."),
    backend: Optional[str] = typer.Option(
        None, "--backend", help="With --release: the state backend deploy used (default: PULUMI_BACKEND_URL or file://.aifactory/state)."
    ),
    purged_at: Optional[str] = typer.Option(
        None, "--purged-at", help="With --release, for a project with the Agent Service: when its Foundry account's purge finished (e.g. 2026-11-25T17:05Z)."
    ),
    data_stores_unprotected: bool = typer.Option(
        False, "--data-stores-unprotected", help="Confirm the project's protected data stores were exported and unprotected."
    ),
) -> None:
    """Retire a project in an environment (its stack can then be destroyed); with --release, free its block."""
    from aifactory.tools.onboarding import offboard as do_offboard, parse_purge_time, release as do_release

    console = Console(highlight=False, soft_wrap=True)
    if release:
        purged = guarded(lambda: parse_purge_time(purged_at)) if purged_at is not None else None
        released = guarded(
            lambda: do_release(
                name, root=directory, environment=env, projects_dir=projects_dir, backend_url=backend, purged_at=purged
            )
        )
        removed = " (no environments left: file removed)" if released.file_removed else ""
        console.print(Text(f"released {released.project} in {released.environment}: {released.freed} is free again{removed}"))
        console.print(Text(f"  destroyed: {released.evidence}"))
        for note in released.notes:
            console.print(Text(f"  {note}"))
        return
    if backend is not None or purged_at is not None:
        fail("--backend and --purged-at go with --release")
    result = guarded(
        lambda: do_offboard(
            name, root=directory, environment=env, projects_dir=projects_dir, data_stores_unprotected=data_stores_unprotected
        )
    )
    console.print(Text(f"{result.project} is retiring in {result.environment}; its block {result.cidr} stays reserved."))
    for step in result.next_steps:
        console.print(Text(f"  next: {step}"))


@app.command()
def deploy(
    env: str = typer.Option(..., "--env", "-e", help="Environment (Pulumi.<env>.yaml)."),
    project: Optional[str] = typer.Option(None, "--project", "-p", help="Deploy this project's stack only."),
    everything: bool = typer.Option(False, "--all", help="Deploy the platform stack, then every project stack."),
    platform_only: bool = typer.Option(False, "--platform", help="Deploy the platform stack only."),
    preview: bool = typer.Option(False, "--preview", help="Preview instead of up."),
    destroy: bool = typer.Option(False, "--destroy", help="Destroy (projects first, then the platform)."),
    parallel: int = typer.Option(4, "--parallel", "-n", help="At most this many stacks at once."),
    policy_pack: Path = typer.Option(Path("policypack"), "--policy-pack", help="The CrossGuard pack every preview and update runs."),
    backend: Optional[str] = typer.Option(None, "--backend", help="State backend (default: file://.aifactory/state or PULUMI_BACKEND_URL)."),
    secrets_provider: Optional[str] = typer.Option(None, "--secrets-provider", help="passphrase (default) or azurekeyvault://<vault>.vault.azure.net/keys/<key>."),
    directory: Path = typer.Option(Path("."), "--dir", help="Folder with Pulumi.yaml and the stack files."),
) -> None:
    """Run the real Pulumi engine (Automation API) with the policy pack: platform first, then projects in parallel."""
    from aifactory.tools.deploy import deploy as run_deploy, summary_table

    if preview and destroy:
        fail("choose one of --preview and --destroy")
    operation = "preview" if preview else "destroy" if destroy else "up"
    console = Console(highlight=False, soft_wrap=True)
    results = guarded(
        lambda: run_deploy(
            directory,
            env,
            operation=operation,
            project=project,
            everything=everything,
            platform_only=platform_only,
            parallel=parallel,
            policy_pack=policy_pack,
            backend_url=backend,
            secrets_provider=secrets_provider,
            console=console,
        )
    )
    console.print(summary_table(results))
    if any(r.status != "succeeded" for r in results):
        raise typer.Exit(EXIT_VIOLATIONS)


@app.command("lake-acls")
def lake_acls(
    stack: str = typer.Option(..., "--stack", "-s", help="Stack (environment) whose lake to set."),
    directory: Path = typer.Option(Path("."), "--dir", help="Folder with the stack files."),
    apply: bool = typer.Option(False, "--apply", help="Apply through the Azure Data Lake SDK (needs network access to the lake)."),
) -> None:
    """Show (or apply) the POSIX folder ACLs of every project's lake area."""
    from aifactory.components.datalake import lake_account_name
    from aifactory.core.factory import load_factory
    from aifactory.core.naming import lake_area_name
    from aifactory.services import load_catalog
    from aifactory.tools.lake_acl import DataLakeSdkClient, apply_acls, area_acls

    factory = guarded(lambda: load_factory(directory, stack, catalog=load_catalog()))
    account = lake_account_name(factory.naming)
    folders = [acl for p in factory.active_projects for acl in area_acls(p.request, lake_area_name(p.name))]
    console = Console(highlight=False, soft_wrap=True)
    table = Table(title=Text(f"Folder ACLs on {account}"))
    for column in ("area", "path", "entries"):
        table.add_column(column)
    for folder in folders:
        table.add_row(_cell(folder.filesystem), _cell(folder.path), _cell(len(folder.entries)))
    console.print(table)
    if apply:
        results = guarded(lambda: apply_acls(DataLakeSdkClient(account), folders))
        failed = sum(r.failed for r in results)
        console.print(Text(f"applied: {sum(r.changed for r in results)} paths changed, {failed} failed"))
        if failed:
            raise typer.Exit(EXIT_VIOLATIONS)


@app.command("schema")
def schema(
    kind: str = typer.Argument(..., help="project (request files in projects/) or stack (Pulumi.<stack>.yaml)."),
    builtin_only: bool = typer.Option(False, "--builtin-only", help="Leave installed plug-ins out (what schemas/ holds)."),
) -> None:
    """Print the JSON Schema of request files or stack files, for editors (see docs/editor-schemas.md)."""
    from aifactory.services import load_catalog
    from aifactory.tools.schema import project_schema, render_schema, stack_schema

    builders = {"project": project_schema, "stack": stack_schema}
    if kind not in builders:
        fail(f"schema takes project or stack, got {kind!r}")
    catalog = guarded(lambda: load_catalog(include_entry_points=not builtin_only))
    text = guarded(lambda: render_schema(builders[kind](catalog)))
    typer.echo(text, nl=False)  # render_schema ends with its newline; the drift test compares bytes


def _write_text(path: Path, text: str, what: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise FactoryError(f"cannot write {what}: {error.strerror}", file=str(path)) from None


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except SystemExit as exit_:
        code = exit_.code
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(code)


if __name__ == "__main__":
    main()
