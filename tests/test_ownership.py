"""One Azure resource, one owner: reserved names, the ownership invariant at assembly, the full-id check of
the plan, platform-owned shared-area grants, and a property test that valid requests never collide."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from typer.testing import CliRunner

from aifactory.core.errors import ConfigError, FactoryError
from aifactory.core.factory import load_factory, stack_slices
from aifactory.core.naming import RESERVED_PROJECT_NAMES
from aifactory.services import load_catalog
from aifactory.tools.cli import app
from aifactory.tools.plan import PlannedResource, ownership_problems, run_plan
from tests.conftest import REPO, write_yaml

runner = CliRunner()
OWNER = "6f1d3c2a-9b8e-4f7d-a6c5-0e1f2a3b4c5d"
SHARED_MEMBER = "2a7b9c1d-3e4f-4a5b-8c6d-7e8f9a0b1c2d"


def request(name: str, cidr: str, kind: str = "esml", members: tuple[str, ...] = ()) -> dict:
    return {
        "name": name,
        "type": kind,
        "costCenter": "CC-1",
        "owners": [{"objectId": OWNER if name != "x" else OWNER, "type": "Group"}],
        "members": [{"objectId": m, "type": "Group"} for m in members],
        "environments": {"dev": {"cidr": cidr}},
    }


@pytest.mark.parametrize("name", sorted(RESERVED_PROJECT_NAMES))
def test_reserved_names_can_never_be_projects(factory_dir: Path, name: str):
    write_yaml(factory_dir / "projects" / f"{name}.yaml", request(name, "10.64.8.0/24"))
    result = runner.invoke(app, ["plan", "-s", "dev", "--dir", str(factory_dir), "-q"])
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert f"{name}.yaml: name: '{name}' is reserved and can never be a project" in text


def test_a_platform_stack_named_like_a_project_stack_is_refused(factory_dir: Path):
    with pytest.raises(FactoryError) as error:
        load_factory(factory_dir, "dev", catalog=load_catalog(), overrides={"platformStack": "dev-churn-prediction"})
    assert "stack 'dev-churn-prediction' in environment would be taken by both the platform and project 'churn-prediction'" in str(error.value)


def test_stack_names_of_an_environment_are_unique():
    factory = load_factory(REPO, "dev", catalog=load_catalog())
    names = [s.stack for s in stack_slices(factory)]
    assert len(names) == len(set(names)) == 4


def test_two_names_for_one_azure_id_are_refused_case_insensitively():
    def resource(urn: str, resource_id: str) -> PlannedResource:
        return PlannedResource(urn=urn, type="azure-native:resources:ResourceGroup", name=urn, parent=None, inputs={}, custom=True, id=resource_id)

    problems = ownership_problems(
        [resource("a", "/subscriptions/s/resourceGroups/rg-X"), resource("b", "/subscriptions/s/resourceGroups/RG-x")]
    )
    assert len(problems) == 1 and "would be owned by two resources, a and b" in problems[0].message


def test_one_role_for_one_principal_at_one_scope_is_made_once():
    def assignment(urn: str, name: str) -> PlannedResource:
        return PlannedResource(
            urn=urn, type="azure-native:authorization:RoleAssignment", name=urn, parent=None, custom=True,
            id=f"/scope/providers/Microsoft.Authorization/roleAssignments/{name}",
            inputs={"scope": "/scope", "principalId": "P", "roleDefinitionId": "/x/roleDefinitions/R"},
        )

    problems = ownership_problems([assignment("a", "1"), assignment("b", "2")])
    assert len(problems) == 1 and "Azure keeps one" in problems[0].message


def test_shared_areas_are_read_through_one_platform_grant_per_person(factory_dir: Path):
    """Two projects share a member group: one assignment per (area, group), owned by the platform, so removing
    a project never removes the other team's access."""
    churn = factory_dir / "projects" / "churn-prediction.yaml"
    write_yaml(factory_dir / "projects" / "fraud.yaml", request("fraud", "10.64.8.0/24", members=(SHARED_MEMBER,)))
    both = run_plan(factory_dir, "dev")
    shared = [
        r for r in both.custom_resources
        if r.type == "azure-native:authorization:RoleAssignment" and "/containers/shared-" in r.inputs["scope"]
        and r.inputs["principalId"] == SHARED_MEMBER
    ]
    assert len(shared) == 2  # master and reference, once each
    owner = both.project_of()
    assert all(owner[r.urn] is None for r in shared)  # the platform's, not a project's

    churn.unlink()
    (factory_dir / "projects" / "support-copilot.yaml").unlink()
    (factory_dir / "projects" / "telemetry-stream.yaml").unlink()
    alone = run_plan(factory_dir, "dev")
    kept = {r.urn for r in alone.custom_resources}
    assert all(r.urn in kept for r in shared)


NAMES = st.from_regex(r"[a-z][a-z0-9]{1,6}(-[a-z0-9]{1,5}){0,2}", fullmatch=True).filter(
    lambda n: 3 <= len(n) <= 24 and n not in RESERVED_PROJECT_NAMES
)
TYPES = st.sampled_from(["esml", "genai", "streaming"])


def _write(root: Path, projects: list[tuple[str, str]]) -> None:
    from aifactory.core.addressing import allocate, parse_network

    directory = root / "projects"
    shutil.rmtree(directory)
    directory.mkdir()
    catalog = load_catalog()
    pools = {"esml": parse_network("10.64.0.0/16"), "streaming": parse_network("10.64.0.0/16"), "genai": parse_network("172.16.0.0/16")}
    taken: dict[str, list] = {"10.64.0.0/16": [], "172.16.0.0/16": []}
    for name, kind in projects:
        pool = pools[kind]
        block = allocate(pool, catalog.types[kind].min_spoke_prefix, taken[str(pool)])
        taken[str(pool)].append(block)
        write_yaml(directory / f"{name}.yaml", request(name, str(block), kind, members=(SHARED_MEMBER,)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(NAMES, TYPES), min_size=1, max_size=6, unique_by=lambda p: p[0]))
def test_valid_requests_never_claim_one_name_twice(factory_dir: Path, projects):
    """Whatever the names (prefixes of each other, names ending in a qualifier such as '-dbw-managed'), a set of
    valid requests assembles: the invariant finds nothing to refuse."""
    _write(factory_dir, projects)
    factory = load_factory(factory_dir, "dev", catalog=load_catalog())
    assert {p.name for p in factory.projects} == {name for name, _ in projects}


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(NAMES, TYPES), min_size=2, max_size=3, unique_by=lambda p: p[0]))
def test_every_azure_id_in_the_plan_is_unique(factory_dir: Path, projects):
    _write(factory_dir, projects)
    plan = run_plan(factory_dir, "dev")
    ids = [r.id.lower() for r in plan.custom_resources]
    assert len(ids) == len(set(ids))


def test_names_that_would_collide_are_caught_before_planning(factory_dir: Path, monkeypatch):
    """The invariant itself refuses a collision nobody foresaw: two services of one project naming one account."""
    from dataclasses import replace

    from aifactory.core.naming import ResourceKind
    from aifactory.core.spec import NameClaim
    from aifactory.services import builtin_catalog

    catalog = builtin_catalog()
    services = dict(catalog.services)
    services["databricks"] = replace(services["databricks"], names=(NameClaim(ResourceKind.KEY_VAULT),))
    clashing = type(catalog)(services=services, types=catalog.types)
    with pytest.raises(ConfigError) as error:
        load_factory(factory_dir, "dev", catalog=clashing)
    assert "would be taken twice by project 'churn-prediction'" in str(error.value)
