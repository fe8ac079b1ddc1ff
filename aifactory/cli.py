"""The ``aifactory`` command line.

Exit codes: 0 done; 1 the plan has mandatory policy violations (or a run failed);
2 invalid configuration or input (one readable message naming the file and field, no traceback).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Callable, List, Optional, TypeVar

import typer
from rich.console import Console
from rich.table import Table
from rich.tree import Tree

from aifactory.errors import FactoryError
from aifactory.policies import ROLE_ASSIGNMENT_LIMIT

if TYPE_CHECKING:  # the plan module imports Pulumi; commands import it when they run
    from aifactory.plan import Plan

EXIT_OK, EXIT_VIOLATIONS, EXIT_INVALID, EXIT_INTERNAL = 0, 1, 2, 3

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Plan and run the AI factory: hub, shared platform and project environments on Azure.",
)

T = TypeVar("T")


@app.callback()
def _root() -> None:
    """Plan and run the AI factory."""


def _stderr() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def guarded(action: Callable[[], T]) -> T:
    """Run ``action``; turn bad input into one message and exit 2, anything else into exit 3."""
    try:
        return action()
    except FactoryError as error:
        _stderr().print(f"[bold red]error:[/] {error}", markup=True, highlight=False)
        raise typer.Exit(EXIT_INVALID) from None
    except (typer.Exit, KeyboardInterrupt):
        raise
    except Exception as error:  # noqa: BLE001 - the CLI's last line of defence
        if os.environ.get("AIFACTORY_DEBUG"):
            raise
        _stderr().print(
            f"[bold red]internal error:[/] {type(error).__name__}: {error} (set AIFACTORY_DEBUG=1 for a traceback)"
        )
        raise typer.Exit(EXIT_INTERNAL) from None


def fail(message: str) -> None:
    """Bad command-line usage: one message, exit 2."""
    _stderr().print(f"[bold red]error:[/] {message}")
    raise typer.Exit(EXIT_INVALID)


def parse_assignments(values: List[str]) -> dict[str, str]:
    assignments: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise FactoryError(f"--config takes KEY=VALUE, got {item!r}", field="--config")
        assignments[key.strip()] = value
    return assignments


def _print_plan(plan: Plan, console: Console) -> None:
    summary = plan.to_dict()["summary"]
    console.print(
        f"[bold]Plan of stack[/] [cyan]{plan.stack}[/] (environment {plan.environment}): "
        f"{summary['resources']} resources in {summary['components']} components, "
        f"{len(plan.projects)} project(s); {summary['roleAssignments']} role assignments "
        f"(the subscription limit is {ROLE_ASSIGNMENT_LIMIT:,})"
    )
    types = Table(title="Resources by type", show_lines=False)
    types.add_column("type")
    types.add_column("count", justify="right")
    for type_token, count in summary["byType"].items():
        types.add_row(type_token, str(count))
    console.print(types)

    projects = Table(title="Resources by project")
    projects.add_column("project")
    projects.add_column("type")
    projects.add_column("services")
    projects.add_column("resources", justify="right")
    for name, count in summary["byProject"].items():
        info = plan.projects.get(name, {})
        projects.add_row(name, info.get("type", "-"), ", ".join(info.get("services", [])) or "-", str(count))
    console.print(projects)

    network = plan.network
    addresses = Table(title=f"Address plan: pool {network['pool']}, hub {network['hub'] or '(existing)'}")
    addresses.add_column("project")
    addresses.add_column("spoke")
    addresses.add_column("subnets")
    for name, spoke in network["projects"].items():
        addresses.add_row(name, spoke["cidr"], ", ".join(f"{k} {v}" for k, v in spoke["subnets"].items()))
    console.print(addresses)

    console.print(component_tree(plan))

    if plan.violations:
        mandatory = sum(1 for v in plan.violations if v.level == "mandatory")
        console.print(f"[bold]Policy violations:[/] {mandatory} mandatory, {len(plan.violations) - mandatory} advisory")
        for v in plan.violations:
            colour = "red" if v.level == "mandatory" else "yellow"
            where = v.urn.rsplit("::", 1)[-1] if v.urn else "(stack)"
            console.print(f"  [{colour}]{v.level}[/] {v.policy} {where}: {v.message}", soft_wrap=True)
    else:
        console.print("[green]No policy violations.[/]")


def component_tree(plan: Plan) -> Tree:
    """Components as a tree, each with the number of Azure resources beneath it."""
    by_urn = {r.urn: r for r in plan.resources}

    def ancestors(urn: str | None) -> list[str]:
        chain: list[str] = []
        while urn is not None and urn in by_urn:
            chain.append(urn)
            urn = by_urn[urn].parent
        return chain

    beneath: dict[str, int] = {}
    for resource in plan.custom_resources:
        for ancestor in ancestors(resource.parent):
            beneath[ancestor] = beneath.get(ancestor, 0) + 1
    tree = Tree(f"[bold]{plan.stack}[/]")
    nodes: dict[str | None, Tree] = {None: tree}
    components = [r for r in plan.resources if not r.custom]
    for component in sorted(components, key=lambda r: (len(ancestors(r.urn)), r.urn)):
        label = f"{component.name} [dim]({component.type}, {beneath.get(component.urn, 0)} resources)[/]"
        nodes[component.urn] = nodes.get(component.parent, tree).add(label)
    return tree


@app.command()
def plan(
    stack: str = typer.Option(..., "--stack", "-s", help="Stack (environment) to plan, e.g. dev."),
    directory: Path = typer.Option(Path("."), "--dir", help="Folder with Pulumi.yaml and the stack files."),
    projects_dir: Optional[Path] = typer.Option(None, "--projects-dir", help="Read project requests from here."),
    config: List[str] = typer.Option([], "--config", "-c", help="Override a stack setting: KEY=VALUE (dotted keys allowed)."),
    json_file: Optional[Path] = typer.Option(None, "--json", help="Also write the plan as JSON to this file."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the one-line summary."),
) -> None:
    """Show exactly what a stack would create, offline: no Azure, no Pulumi CLI, no credentials."""
    from aifactory.plan import run_plan

    console = Console(highlight=False)

    def action() -> Plan:
        overrides = parse_assignments(config)
        return run_plan(directory, stack, overrides=overrides, projects_dir=projects_dir)

    result = guarded(action)
    if json_file is not None:
        guarded(lambda: _write_json(json_file, result.to_dict()))
    if quiet:
        console.print(f"{result.stack}: {len(result.custom_resources)} resources, {len(result.violations)} violation(s)")
    else:
        _print_plan(result, console)
    if any(v.level == "mandatory" for v in result.violations):
        raise typer.Exit(EXIT_VIOLATIONS)


@app.command()
def stacks(
    env: str = typer.Option(..., "--env", "-e", help="Environment (its stack file is Pulumi.<env>.yaml)."),
    directory: Path = typer.Option(Path("."), "--dir", help="Folder with the stack files."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON (for a CI matrix)."),
    projects_only: bool = typer.Option(False, "--projects-only", help="Leave out the platform stack."),
    azure_devops: bool = typer.Option(False, "--azure-devops-matrix", help="Print an Azure DevOps strategy matrix."),
) -> None:
    """List the stacks of a split environment: the platform first, then one per project."""
    from aifactory.factory import load_factory, stack_slices

    slices = stack_slices(guarded(lambda: load_factory(directory, env)))
    if projects_only:
        slices = [s for s in slices if s.project]
    if azure_devops:
        matrix = {s.stack.replace("-", "_"): {"stack": s.stack, "scope": s.scope, "project": s.project or ""} for s in slices}
        typer.echo(json.dumps(matrix))
        return
    if as_json:
        typer.echo(json.dumps([s.to_dict() for s in slices]))
        return
    table = Table(title=f"Stacks of {env}")
    for column in ("stack", "scope", "type"):
        table.add_column(column)
    for item in slices:
        table.add_row(item.stack, item.scope, item.project_type or "-")
    Console(highlight=False).print(table)


@app.command()
def onboard(
    request: Path = typer.Argument(..., help="The project request (a project file without a spoke for ENV)."),
    env: str = typer.Option(..., "--env", "-e", help="Environment to onboard into."),
    directory: Path = typer.Option(Path("."), "--dir", help="Folder with the stack files."),
    projects_dir: Optional[Path] = typer.Option(None, "--projects-dir", help="Where project files live."),
) -> None:
    """Validate a request, allocate its spoke (lowest free block) and record it in its project file."""
    from aifactory.onboarding import onboard as do_onboard

    allocation = guarded(lambda: do_onboard(request, root=directory, environment=env, projects_dir=projects_dir))
    verb = "onboarded" if allocation.new_project else "added environment to"
    console = Console(highlight=False)
    console.print(f"{verb} [bold]{allocation.project}[/] in {allocation.environment}: spoke {allocation.cidr} ({allocation.file})")
    for subnet, cidr in allocation.subnets.items():
        console.print(f"  {subnet:<14} {cidr}")


@app.command()
def offboard(
    name: str = typer.Argument(..., help="Project name."),
    env: str = typer.Option(..., "--env", "-e", help="Environment to remove the project from."),
    directory: Path = typer.Option(Path("."), "--dir", help="Folder with the stack files."),
    projects_dir: Optional[Path] = typer.Option(None, "--projects-dir", help="Where project files live."),
    data_stores_unprotected: bool = typer.Option(
        False, "--data-stores-unprotected", help="Confirm the project's protected data stores were exported and unprotected."
    ),
) -> None:
    """Remove a project's environment entry; its address block is free for reuse."""
    from aifactory.onboarding import offboard as do_offboard

    result = guarded(
        lambda: do_offboard(
            name, root=directory, environment=env, projects_dir=projects_dir, data_stores_unprotected=data_stores_unprotected
        )
    )
    removed = " (no environments left: file removed)" if result.file_removed else ""
    Console(highlight=False).print(f"offboarded {result.project} from {result.environment}: freed {result.freed}{removed}")


@app.command()
def deploy(
    env: str = typer.Option(..., "--env", "-e", help="Environment (Pulumi.<env>.yaml)."),
    project: Optional[str] = typer.Option(None, "--project", "-p", help="Deploy this project's stack only."),
    everything: bool = typer.Option(False, "--all", help="Deploy the platform stack, then every project stack."),
    platform_only: bool = typer.Option(False, "--platform", help="Deploy the platform stack only."),
    preview: bool = typer.Option(False, "--preview", help="Preview instead of up."),
    destroy: bool = typer.Option(False, "--destroy", help="Destroy (projects first, then the platform)."),
    parallel: int = typer.Option(4, "--parallel", "-n", help="At most this many stacks at once."),
    backend: Optional[str] = typer.Option(None, "--backend", help="State backend (default: file://.aifactory/state or PULUMI_BACKEND_URL)."),
    secrets_provider: Optional[str] = typer.Option(None, "--secrets-provider", help="passphrase (default) or azurekeyvault://<vault>.vault.azure.net/keys/<key>."),
    directory: Path = typer.Option(Path("."), "--dir", help="Folder with Pulumi.yaml and the stack files."),
) -> None:
    """Run the real Pulumi engine (Automation API): platform first, then projects in parallel."""
    from aifactory.deploy import deploy as run_deploy, summary_table

    if preview and destroy:
        fail("choose one of --preview and --destroy")
    operation = "preview" if preview else "destroy" if destroy else "up"
    console = Console(highlight=False)
    results = guarded(
        lambda: run_deploy(
            directory,
            env,
            operation=operation,
            project=project,
            everything=everything,
            platform_only=platform_only,
            parallel=parallel,
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
    from aifactory.components.datalake import lake_account_name, project_area_name
    from aifactory.factory import load_factory
    from aifactory.lake_acl import DataLakeSdkClient, apply_acls, area_acls

    factory = guarded(lambda: load_factory(directory, stack))
    account = lake_account_name(factory.naming)
    folders = [acl for p in factory.projects for acl in area_acls(p.request, project_area_name(p.name))]
    console = Console(highlight=False)
    table = Table(title=f"Folder ACLs on {account}")
    for column in ("area", "path", "entries"):
        table.add_column(column)
    for folder in folders:
        table.add_row(folder.filesystem, folder.path, str(len(folder.entries)))
    console.print(table)
    if apply:
        results = guarded(lambda: apply_acls(DataLakeSdkClient(account), folders))
        failed = sum(r.failed for r in results)
        console.print(f"applied: {sum(r.changed for r in results)} paths changed, {failed} failed")
        if failed:
            raise typer.Exit(EXIT_VIOLATIONS)


def _write_json(path: Path, data: dict) -> None:
    try:
        path.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    except OSError as error:
        raise FactoryError(f"cannot write the plan: {error.strerror}", file=str(path)) from None


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except SystemExit as exit_:
        sys.exit(exit_.code)


if __name__ == "__main__":
    main()
