"""Configuration: every bad input is a located problem (file and field), and every problem of every
file is reported at once. Validated without Pulumi through ``load_factory``."""

from __future__ import annotations

import copy
import os
from ipaddress import IPv4Network
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import aifactory.services as services_module
from aifactory.core.config import (
    MOVED_KEYS,
    OVERRIDES_SOURCE,
    apply_overrides,
    blame,
    decode_pulumi_config,
    encode_pulumi_config,
    project_files,
)
from aifactory.core.errors import ConfigError, FactoryError, PluginError, Problem, Problems
from aifactory.core.factory import Factory, load_factory, overridden_keys
from aifactory.services import SERVICES_GROUP, TYPES_GROUP, builtin_catalog, load_catalog
from tests.conftest import load_yaml, write_yaml

CATALOG = load_catalog()
DEV_SUB = "3f2c1a9e-8d4b-4c7e-9a51-0b6d2e7f4a10"
TEST_SUB = "7a1e5c3d-2b9f-4e6a-8c0d-1f3b5a7c9e21"
OTHER_SUB = "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e"
OWNER = "6f1d3c2a-9b8e-4f7d-a6c5-0e1f2a3b4c5d"

GOOD_PROJECT: dict[str, Any] = {
    "name": "fraud-detect",
    "type": "esml",
    "costCenter": "CC-1",
    "owners": [{"objectId": OWNER, "type": "Group"}],
    "environments": {"dev": {"cidr": "10.64.10.0/24"}},
}
GENAI_PROJECT: dict[str, Any] = {**GOOD_PROJECT, "type": "genai", "environments": {"dev": {"cidr": "172.16.2.0/23"}}}
"""GenAI with the Agent Service: its spoke comes from the agent pool (172.16.0.0/16 in dev)."""
STREAMING_PROJECT: dict[str, Any] = {**GOOD_PROJECT, "type": "streaming", "environments": {"dev": {"cidr": "10.64.10.0/23"}}}


def load(root: Path, stack: str = "dev", **kwargs: Any) -> Factory:
    return load_factory(root, stack, catalog=CATALOG, **kwargs)


def problems_of(action: Callable[[], object]) -> tuple[Problem, ...]:
    with pytest.raises(FactoryError) as raised:
        action()
    return raised.value.problems


def located(problems: tuple[Problem, ...], root: Path) -> list[tuple[str | None, str | None]]:
    """(file relative to the factory folder, field) of each problem."""
    return [(p.file.replace(f"{root}{os.sep}", "") if p.file else None, p.field) for p in problems]


def with_changes(base: dict, path: str, value: object) -> dict:
    data = copy.deepcopy(base)
    keys = path.split(".")
    cursor = data
    for key in keys[:-1]:
        cursor = cursor[int(key)] if isinstance(cursor, list) else cursor.setdefault(key, {})
    if value is KeyError:
        del cursor[keys[-1]]
    else:
        cursor[keys[-1]] = value
    return data


def write_project(root: Path, data: dict, name: str = "fraud-detect") -> Path:
    return write_yaml(root / "projects" / f"{name}.yaml", data)


def set_stack(root: Path, key: str, value: object, stack: str = "dev") -> Path:
    """Write ``aifactory:<key>`` (dotted keys nest) into the stack file."""
    path = root / f"Pulumi.{stack}.yaml"
    data = load_yaml(path)
    first, *rest = key.split(".")
    if not rest:
        data["config"][f"aifactory:{first}"] = value
    else:
        cursor = data["config"].setdefault(f"aifactory:{first}", {})
        for part in rest[:-1]:
            cursor = cursor.setdefault(part, {})
        cursor[rest[-1]] = value
    return write_yaml(path, data)


# --- project files -------------------------------------------------------------------------------

PROJECT_CASES = [
    ("unknown key", "colour", "blue", "colour", "unknown key"),
    ("unknown nested key", "environments.dev.colour", "blue", "environments.dev.colour", "unknown key"),
    ("unknown budget key", "budget", {"monthlyAmount": 5, "currency": "EUR"}, "budget.currency", "unknown key"),
    ("missing name", "name", KeyError, "name", "required field is missing"),
    ("bad name", "name", "Fraud_Detect", "name", "invalid project name"),
    ("unicode name", "name", "frаud", "name", "invalid project name"),
    ("path separator in name", "name", "../etc", "name", "invalid project name"),
    ("reserved name", "name", "platform", "name", "'platform' is reserved and can never be a project"),
    ("unknown type", "type", "quantum", "type", "unknown project type 'quantum'; known types: esml, genai, streaming"),
    ("owners empty", "owners", [], "owners", "at least 1 item"),
    ("object id not a guid", "owners.0.objectId", "not-a-guid", "owners[0].objectId", "must be a GUID"),
    ("principal type wrong", "owners.0.type", "Robot", "owners[0].type", "'User', 'Group' or 'ServicePrincipal'"),
    ("owner email", "owners.0.email", "nobody", "owners[0].email", "must be an e-mail address"),
    ("unknown environment", "environments.staging", {"cidr": "10.64.10.0/24"}, "environments.staging", "'dev', 'test' or 'prod'"),
    ("host address cidr", "environments.dev.cidr", "10.64.10.7/24", "environments.dev.cidr", "not aligned"),
    ("ipv6 cidr", "environments.dev.cidr", "fd00::/64", "environments.dev.cidr", "IPv6"),
    ("cidr wrong type", "environments.dev.cidr", 42, "environments.dev.cidr", "valid string"),
    ("cidr outside pool", "environments.dev.cidr", "10.99.0.0/24", "environments.dev.cidr", "outside the environment's addressPool"),
    ("cidr overlaps a project", "environments.dev.cidr", "10.64.0.0/24", "environments.dev.cidr", "overlaps project 'churn-prediction'"),
    ("no spoke yet", "environments.dev.cidr", None, "environments.dev.cidr", "no spoke is allocated in dev; run: aifactory onboard"),
    ("subscription not a guid", "environments.dev.subscription", "nope", "environments.dev.subscription", "must be a GUID"),
    ("foreign subscription", "environments.dev.subscription", TEST_SUB, "environments.dev.subscription", "the stack lists no projectSubscriptions"),
    ("retiring not a boolean", "environments.dev.retiring", "yes", "environments.dev.retiring", "write true or false"),
    ("budget negative", "budget", {"monthlyAmount": -5}, "budget.monthlyAmount", "greater than 0"),
    ("budget huge", "budget", {"monthlyAmount": 1e12}, "budget.monthlyAmount", "less than or equal to 10000000"),
    ("budget threshold", "budget", {"monthlyAmount": 5, "actualThresholds": [0]}, "budget.actualThresholds[0]", "greater than or equal to 1"),
    ("budget contact", "budget", {"monthlyAmount": 5, "contactEmails": ["x@"]}, "budget.contactEmails[0]", "must be an e-mail address"),
    ("unknown service switch", "environments.dev.services", {"quantum": True}, "environments.dev.services", "unknown service 'quantum'"),
    ("required service off", "environments.dev.services", {"keyvault": False}, "environments.dev.services", "required by project type"),
    ("unknown service settings", "services", {"quantum": {}}, "services.quantum", "project type 'esml' has no service 'quantum'"),
    ("settings of a service the type lacks", "services", {"eventhubs": {"hubs": []}}, "services.eventhubs", "has no service 'eventhubs'"),
    ("service setting out of range", "services", {"aml": {"maxNodes": 500}}, "services.aml.maxNodes", "less than or equal to 100"),
    ("unknown service setting", "services", {"aml": {"colour": 1}}, "services.aml.colour", "unknown key"),
    ("environment service setting", "environments.dev.services", {"aml": {"vmSize": "huge"}}, "environments.dev.services.aml.vmSize", "should match pattern"),
    ("services not a mapping", "services", ["aml"], "services", "valid dictionary"),
    ("old model deployments", "modelDeployments", [{"name": "chat"}], "modelDeployments", "moved to services.<service>.deployments"),
    ("old event hubs", "eventHubs", [{"name": "telemetry"}], "eventHubs", "moved to services.eventhubs.hubs"),
    ("no environments", "environments", {}, "environments", "at least 1 item"),
    ("huge description", "description", "x" * 5000, "description", "at most 500 characters"),
    ("cost center", "costCenter", "", "costCenter", "at least 1 character"),
]


@pytest.mark.parametrize("label, path, value, field, message", PROJECT_CASES, ids=[c[0] for c in PROJECT_CASES])
def test_bad_project_files(factory_dir: Path, label, path, value, field, message):
    source = write_project(factory_dir, with_changes(GOOD_PROJECT, path, value))
    problems = problems_of(lambda: load(factory_dir))
    first = problems[0]
    assert (first.file, first.field) == (str(source), field)
    assert message in first.message
    assert all(p.file == str(source) for p in problems), problems  # nothing else is blamed
    if not field.startswith("owners["):  # see test_one_bad_owner_is_one_problem
        assert len(problems) == 1, problems


@pytest.mark.parametrize("path, value", [("owners.0.objectId", "not-a-guid"), ("owners.0.email", "nobody"), ("owners.0.type", "Robot")])
def test_one_bad_owner_is_one_problem(factory_dir: Path, path, value):
    write_project(factory_dir, with_changes(GOOD_PROJECT, path, value))
    problems = problems_of(lambda: load(factory_dir))
    assert [p.field for p in problems] == [path.replace(".0.", "[0].")]


@pytest.mark.parametrize("key", ["[acl]", "colour[0]", "boolean", "function-x"])
def test_an_unknown_key_with_brackets_is_named(factory_dir: Path, key):
    write_project(factory_dir, {**GOOD_PROJECT, key: 1})
    problems = problems_of(lambda: load(factory_dir))
    assert located(problems, factory_dir) == [("projects/fraud-detect.yaml", key)]


@pytest.mark.parametrize(
    "content, message",
    [
        ("", "project file is empty"),
        ("name: [unclosed", "malformed YAML at line"),
        ("name: ok\n- item\n", "malformed YAML at line 2, column 1"),
        ("- just\n- a list\n", "must be a mapping"),
        ("\x00\x01", "malformed YAML at line 1, column 1: unacceptable character"),
        ("name: !!python/object:os.system x\n", "is not allowed"),
    ],
)
def test_unreadable_project_files(factory_dir: Path, content, message):
    (factory_dir / "projects" / "broken.yaml").write_text(content)
    problems = problems_of(lambda: load(factory_dir))
    assert len(problems) == 1
    assert message in problems[0].message
    assert problems[0].file == str(factory_dir / "projects" / "broken.yaml")


def test_binary_and_oversized_files(factory_dir: Path):
    (factory_dir / "projects" / "binary.yaml").write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(FactoryError, match="not UTF-8"):
        load(factory_dir)
    (factory_dir / "projects" / "binary.yaml").write_text("description: " + "x" * 300_000)
    with pytest.raises(FactoryError, match="the limit is"):
        load(factory_dir)


def test_duplicate_project_names_across_files(factory_dir: Path):
    data = load_yaml(factory_dir / "projects" / "churn-prediction.yaml")
    write_yaml(factory_dir / "projects" / "zz-copy.yaml", data)
    with pytest.raises(FactoryError, match="'churn-prediction' is already defined in") as raised:
        load(factory_dir)
    assert raised.value.file.endswith("zz-copy.yaml") and raised.value.field == "name"


def test_one_principal_with_two_personas_is_refused(factory_dir: Path):
    bad = with_changes(GOOD_PROJECT, "members", [GOOD_PROJECT["owners"][0]])
    write_project(factory_dir, bad)
    with pytest.raises(FactoryError, match="listed in both owners and members"):
        load(factory_dir)


def test_guids_are_one_principal_whatever_their_case(factory_dir: Path):
    """GUIDs are lower-cased: two spellings of one principal are one principal."""
    write_project(factory_dir, with_changes(GOOD_PROJECT, "members", [{"objectId": OWNER.upper(), "type": "User"}]))
    with pytest.raises(FactoryError, match=f"principal {OWNER} is listed in both owners and members"):
        load(factory_dir)
    upper = with_changes(GOOD_PROJECT, "owners.0.objectId", f"  {OWNER.upper()} ")
    write_project(factory_dir, with_changes(upper, "environments.dev.subscription", DEV_SUB.upper()))
    project = load(factory_dir).project("fraud-detect")
    assert project is not None
    assert project.request.owners[0].object_id == OWNER
    assert project.subscription_id == DEV_SUB


def test_service_switches(factory_dir: Path):
    """false switches a default service off, true switches an optional one on, a mapping switches it on too."""
    write_project(factory_dir, with_changes(GOOD_PROJECT, "environments.dev.services", {"aml": False}))
    project = load(factory_dir).project("fraud-detect")
    assert project is not None and project.services == {"keyvault", "databricks", "datafactory"}
    write_project(factory_dir, with_changes(GENAI_PROJECT, "environments.dev.services", {"search": True, "aml": {"maxNodes": 1}}))
    project = load(factory_dir).project("fraud-detect")
    assert project is not None and project.services == {"keyvault", "foundry", "agents", "search", "aml"}
    assert project.settings["aml"].max_nodes == 1 and project.settings["search"].sku == "basic"  # the dev default


@pytest.mark.parametrize("value", ["no", "yes", "off", 0])
def test_a_service_switch_is_a_strict_boolean(factory_dir: Path, value):
    write_project(factory_dir, with_changes(GOOD_PROJECT, "environments.dev.services", {"aml": value}))
    problems = problems_of(lambda: load(factory_dir))
    assert [p.field for p in problems] == ["environments.dev.services.aml"]


# --- service settings, validated by each service's model ------------------------------------------------


def test_service_settings_resolve_over_the_catalog_defaults(factory_dir: Path):
    set_stack(factory_dir, "services", {"aml": {"maxNodes": 5, "vmSize": "Standard_D2_v3"}})
    write_project(factory_dir, with_changes(GOOD_PROJECT, "services", {"aml": {"maxNodes": 7}}))
    factory = load(factory_dir)
    mine, churn = factory.project("fraud-detect"), factory.project("churn-prediction")
    assert mine is not None and churn is not None
    assert (mine.settings["aml"].max_nodes, mine.settings["aml"].vm_size) == (7, "Standard_D2_v3")  # request over stack
    assert churn.settings["aml"].max_nodes == 5  # stack over the catalog's dev default
    write_project(factory_dir, with_changes(GOOD_PROJECT, "environments.dev.services", {"aml": {"maxNodes": 9}}))
    assert load(factory_dir).project("fraud-detect").settings["aml"].max_nodes == 9  # type: ignore[union-attr]


@pytest.mark.parametrize("service", ["foundry", "aiservices"])
def test_duplicate_model_deployment_names_are_refused(factory_dir: Path, service):
    deployment = {"name": "chat", "model": "gpt-4o", "version": "2024-11-20"}
    data = {**GENAI_PROJECT, "services": {service: {"deployments": [deployment, {**deployment, "version": "1"}]}}}
    if service != "foundry":
        data["environments"] = {"dev": {"cidr": "172.16.2.0/23", "services": {service: True}}}
    source = write_project(factory_dir, data)
    problems = problems_of(lambda: load(factory_dir))
    assert located(problems, factory_dir) == [("projects/fraud-detect.yaml", f"services.{service}.deployments")]
    assert "model deployment 'chat' is listed twice" in problems[0].message
    assert problems[0].file == str(source)


def test_duplicate_event_hubs_are_refused(factory_dir: Path):
    hubs = [{"name": "telemetry"}, {"name": "Telemetry"}]
    write_project(factory_dir, {**STREAMING_PROJECT, "services": {"eventhubs": {"hubs": hubs}}})
    problems = problems_of(lambda: load(factory_dir))
    assert located(problems, factory_dir) == [("projects/fraud-detect.yaml", "services.eventhubs.hubs")]
    assert "event hub 'Telemetry' is listed twice" in problems[0].message
    write_project(factory_dir, {**STREAMING_PROJECT, "services": {"eventhubs": {"hubs": [{"name": "a", "consumerGroups": ["x", "x"]}]}}})
    problems = problems_of(lambda: load(factory_dir))
    assert located(problems, factory_dir) == [("projects/fraud-detect.yaml", "services.eventhubs.hubs[0].consumerGroups")]


def test_aks_pod_range_may_not_overlap_another_environments_pool(factory_dir: Path):
    aks = {"podCidr": "10.65.0.0/16", "serviceCidr": "10.246.0.0/16", "dnsServiceIp": "10.246.0.10"}
    source = write_project(factory_dir, {**STREAMING_PROJECT, "services": {"aks": aks}})
    problems = problems_of(lambda: load(factory_dir))
    assert located(problems, factory_dir) == [("projects/fraud-detect.yaml", "services.aks.podCidr")]
    assert "overlaps the address pool of stack 'test'" in problems[0].message
    assert problems[0].file == str(source)
    # its own spoke range, or its own pool, are no better
    write_project(factory_dir, {**STREAMING_PROJECT, "services": {"aks": {**aks, "podCidr": "10.64.0.0/16"}}})
    assert "overlaps the addressPool" in problems_of(lambda: load(factory_dir))[0].message
    # a range nobody uses is fine
    write_project(factory_dir, {**STREAMING_PROJECT, "services": {"aks": {**aks, "podCidr": "10.250.0.0/16"}}})
    assert load(factory_dir).project("fraud-detect") is not None


def test_aks_settings_are_checked_together(factory_dir: Path):
    write_project(factory_dir, {**STREAMING_PROJECT, "services": {"aks": {"serviceCidr": "10.244.0.0/17"}}})
    problems = problems_of(lambda: load(factory_dir))
    assert "overlaps serviceCidr" in problems[0].message and problems[0].field.startswith("services.aks")


@pytest.mark.parametrize("where", ["stack", "environment"])
def test_a_service_check_names_where_the_value_was_set(factory_dir: Path, where):
    if where == "stack":
        set_stack(factory_dir, "services", {"aks": {"podCidr": "10.65.0.0/16"}})
        expected = ("Pulumi.dev.yaml", "services.aks.podCidr")
    else:
        write_project(factory_dir, {**STREAMING_PROJECT, "environments": {"dev": {"cidr": "10.64.10.0/23", "services": {"aks": {"podCidr": "10.65.0.0/16"}}}}})
        expected = ("projects/fraud-detect.yaml", "environments.dev.services.aks.podCidr")
    problems = problems_of(lambda: load(factory_dir))
    assert expected in located(problems, factory_dir)


def test_a_spoke_comes_from_the_agent_pool_when_the_agent_service_is_on(factory_dir: Path):
    write_project(factory_dir, GENAI_PROJECT)
    project = load(factory_dir).project("fraud-detect")
    assert project is not None and "agents" in project.services and project.spoke.pool == "agentAddressPool"
    assert project.spoke.subnets["agents"].subnet_of(IPv4Network("172.16.0.0/16"))
    # the same type without agents comes from the address pool
    write_project(factory_dir, {**GENAI_PROJECT, "environments": {"dev": {"cidr": "10.64.10.0/23", "services": {"agents": False}}}})
    project = load(factory_dir).project("fraud-detect")
    assert project is not None and project.spoke.pool == "addressPool"
    # with agents, a spoke in the address pool is refused
    write_project(factory_dir, {**GENAI_PROJECT, "environments": {"dev": {"cidr": "10.64.10.0/23"}}})
    problems = problems_of(lambda: load(factory_dir))
    assert located(problems, factory_dir) == [("projects/fraud-detect.yaml", "environments.dev.cidr")]
    assert "outside the environment's agentAddressPool" in problems[0].message


# --- every problem at once ----------------------------------------------------------------------------------


def test_two_bad_project_files_are_two_problems(factory_dir: Path):
    write_project(factory_dir, {**GOOD_PROJECT, "name": "a-bad", "colour": "blue"}, "a-bad")
    write_project(factory_dir, {**GOOD_PROJECT, "name": "b-bad", "costCenter": ""}, "b-bad")
    problems = problems_of(lambda: load(factory_dir))
    assert sorted(located(problems, factory_dir)) == [("projects/a-bad.yaml", "colour"), ("projects/b-bad.yaml", "costCenter")]


def test_one_file_with_three_bad_fields_is_three_problems(factory_dir: Path):
    bad = {**GOOD_PROJECT, "colour": "blue", "costCenter": "", "budget": {"monthlyAmount": -1}}
    write_project(factory_dir, bad)
    problems = problems_of(lambda: load(factory_dir))
    assert sorted(p.field for p in problems) == ["budget.monthlyAmount", "colour", "costCenter"]
    assert {p.file for p in problems} == {str(factory_dir / "projects" / "fraud-detect.yaml")}


def test_assembly_problems_of_several_files_come_together(factory_dir: Path):
    write_project(factory_dir, {**GOOD_PROJECT, "name": "a-bad", "type": "quantum"}, "a-bad")
    write_project(factory_dir, {**GOOD_PROJECT, "name": "x-bad", "environments": {"dev": {"cidr": "10.64.0.0/24"}}}, "x-bad")
    write_project(factory_dir, {**GOOD_PROJECT, "name": "c-bad", "services": {"aml": {"maxNodes": -1}}, "environments": {"dev": {"cidr": "10.64.20.0/24"}}}, "c-bad")
    set_stack(factory_dir, "prefix", "AIF")
    problems = problems_of(lambda: load(factory_dir))
    # the stack file's problem stops assembly (nothing can be planned without valid settings)
    assert located(problems, factory_dir) == [("Pulumi.dev.yaml", "prefix")]
    set_stack(factory_dir, "prefix", "aif")
    problems = problems_of(lambda: load(factory_dir))
    assert sorted(located(problems, factory_dir)) == [
        ("projects/a-bad.yaml", "type"),
        ("projects/c-bad.yaml", "services.aml.maxNodes"),
        ("projects/x-bad.yaml", "environments.dev.cidr"),
    ]


def test_an_invalid_file_does_not_hide_the_problems_of_the_others(factory_dir: Path):
    write_project(factory_dir, {**GOOD_PROJECT, "name": "a-bad", "colour": "blue"}, "a-bad")
    write_project(factory_dir, {**GOOD_PROJECT, "name": "x-bad", "type": "quantum"}, "x-bad")
    problems = problems_of(lambda: load(factory_dir))
    assert sorted(located(problems, factory_dir)) == [("projects/a-bad.yaml", "colour"), ("projects/x-bad.yaml", "type")]


def test_problems_collector_locates_and_deduplicates():
    problems = Problems()
    assert not problems
    with problems.collect(file="a.yaml"):
        raise ConfigError("bad", field="x")
    with problems.collect(file="a.yaml", field="y"):
        raise ConfigError(problems=[Problem("worse"), Problem("worse"), Problem("elsewhere", "b.yaml", "z")])
    with problems.collect(file="c.yaml"):
        pass
    problems.add("bad", file="a.yaml", field="x")
    assert len(problems) == 5
    with pytest.raises(ConfigError) as raised:
        problems.raise_if_any()
    assert raised.value.problems == (
        Problem("bad", "a.yaml", "x"),
        Problem("worse", "a.yaml", "y"),
        Problem("elsewhere", "b.yaml", "z"),
    )
    assert str(raised.value) == "a.yaml: x: bad\na.yaml: y: worse\nb.yaml: z: elsewhere"
    assert (raised.value.file, raised.value.field, raised.value.message) == ("a.yaml", "x", "bad")
    with pytest.raises(PluginError):
        problems.raise_if_any(PluginError)
    Problems().raise_if_any()  # nothing collected, nothing raised


# --- the projects folder ------------------------------------------------------------------------------------


def test_every_entry_of_the_projects_folder_is_a_request_or_an_error(factory_dir: Path):
    projects = factory_dir / "projects"
    (projects / "x.YAML").write_text("name: x\n")
    (projects / "sub").mkdir()
    (projects / "sub" / "hidden.yaml").write_text("name: y\n")
    (projects / "dangling.yaml").symlink_to("nowhere.yaml")
    (projects / "loop.yaml").symlink_to("loop.yaml")
    (projects / "notes.txt").write_text("todo")
    (projects / ".draft.yaml").write_text("name: z\n")
    problems = problems_of(lambda: load(factory_dir))
    by_file = {Path(p.file).name: p.message for p in problems}
    assert set(by_file) == {"x.YAML", "sub", "dangling.yaml", "loop.yaml", "notes.txt", ".draft.yaml"}
    assert "hidden files are not read: rename it to 'draft.yaml'" in by_file[".draft.yaml"]
    assert "not a request file (write .yaml)" in by_file["x.YAML"]
    assert "subfolders are not read" in by_file["sub"]
    assert "dangling symlink to 'nowhere.yaml'" in by_file["dangling.yaml"]
    assert "symlink loop" in by_file["loop.yaml"]
    assert "not a request file: requests end in .yaml or .yml" in by_file["notes.txt"]


def test_hidden_entries_and_documentation_are_ignored(factory_dir: Path):
    projects = factory_dir / "projects"
    (projects / ".aifactory.lock").write_text("")
    (projects / ".gitkeep").write_text("")
    (projects / ".drafts").mkdir()
    (projects / "README.md").write_text("# [acl] requests\n")
    before = [p.name for p in load(factory_dir).projects]
    assert before == ["churn-prediction", "support-copilot", "telemetry-stream"]
    assert [p.name for p in project_files(projects)] == ["churn-prediction.yaml", "support-copilot.yaml", "telemetry-stream.yaml"]


def test_yml_requests_and_links_to_requests_are_read(factory_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    write_yaml(factory_dir / "projects" / "fraud-detect.yml", GOOD_PROJECT)
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "other.yaml"
    write_yaml(elsewhere, {**GOOD_PROJECT, "name": "linked", "environments": {"dev": {"cidr": "10.64.11.0/24"}}})
    (factory_dir / "projects" / "linked.yaml").symlink_to(elsewhere)
    names = [p.name for p in load(factory_dir).projects]
    assert "fraud-detect" in names and "linked" in names


def test_a_folder_problem_does_not_hide_a_bad_request(factory_dir: Path):
    (factory_dir / "projects" / "notes.txt").write_text("todo")
    write_project(factory_dir, {**GOOD_PROJECT, "colour": "blue"})
    problems = problems_of(lambda: load(factory_dir))
    assert sorted(located(problems, factory_dir)) == [("projects/fraud-detect.yaml", "colour"), ("projects/notes.txt", None)]


@pytest.mark.parametrize("where", ["end", "nested"])
def test_duplicate_yaml_keys_are_located_errors(factory_dir: Path, where):
    path = factory_dir / "projects" / "churn-prediction.yaml"
    text = path.read_text()
    if where == "end":
        path.write_text(text + "type: esml\n")
        line = text.count("\n") + 1
        expected = ("projects/churn-prediction.yaml", None)
        first = text.splitlines().index("type: esml") + 1
        message = f"duplicate key 'type' at line {line} (first at line {first})"
    else:
        assert "  prod:\n    cidr: 10.66.0.0/24\n" in text
        path.write_text(text.replace("  prod:\n    cidr: 10.66.0.0/24\n", "  prod:\n    cidr: 10.66.0.0/24\n    cidr: 10.66.1.0/24\n"))
        line = text.splitlines().index("    cidr: 10.66.0.0/24") + 2
        expected = ("projects/churn-prediction.yaml", "environments.prod")
        message = f"duplicate key 'cidr' at line {line} (first at line {line - 1})"
    problems = problems_of(lambda: load(factory_dir))
    assert located(problems, factory_dir) == [expected]
    assert problems[0].message == message


def test_duplicate_keys_in_the_stack_file_are_located_errors(factory_dir: Path):
    path = factory_dir / "Pulumi.dev.yaml"
    path.write_text(path.read_text() + "  aifactory:prefix: xyz\n")
    problems = problems_of(lambda: load(factory_dir))
    assert [(Path(p.file).name, p.field) for p in problems] == [("Pulumi.dev.yaml", "config")]
    assert "duplicate key 'aifactory:prefix'" in problems[0].message


# --- stack settings -------------------------------------------------------------------------------------------

STACK_CASES = [
    ("addressPool", "10.64.0.0/33", "addressPool", "not a valid IPv4"),
    ("addressPool", "10.65.0.0/16", "addressPool", "overlaps the address pool of stack 'test'"),
    ("agentAddressPool", "10.200.0.0/16", "agentAddressPool", "is outside the space the Foundry Agent Service supports"),
    ("agentAddressPool", "100.64.0.0/16", "agentAddressPool", "use a range inside 172.16.0.0/12 or 192.168.0.0/16"),
    ("agentAddressPool", "172.17.0.0/16", "agentAddressPool", "overlaps the agent address pool of stack 'test'"),
    ("agentAddressPool", "172.16.0.7/16", "agentAddressPool", "not aligned"),
    ("subscriptionId", "nope", "subscriptionId", "must be a GUID"),
    ("tenantId", "tenant", "tenantId", "must be a GUID"),
    ("projectSubscriptions", ["nope"], "projectSubscriptions[0]", "must be a GUID"),
    ("projectSubscriptions", [TEST_SUB, TEST_SUB.upper()], "projectSubscriptions", "each subscription is listed once"),
    ("environment", "staging", "environment", "'dev', 'test' or 'prod'"),
    ("location", "Sweden Central", "location", "must be an Azure region name"),
    ("prefix", "AIF", "prefix", "invalid naming prefix"),
    ("defaultSpokeSize", 29, "defaultSpokeSize", "less than or equal to 26"),
    ("defaultSpokeSize", "big", "defaultSpokeSize", "valid integer"),
    ("colour", "blue", "colour", "unknown key"),
    ("hub", {"firewall": True}, "hub", "give the hub a cidr"),
    ("hub.cidr", "10.64.0.0/23", "hub.cidr", "overlaps addressPool"),
    ("hub.cidr", "10.60.0.0/25", "hub.cidr", "needs at least a /24"),
    ("hub.firewall", "yes", "hub.firewall", "write true or false"),
    ("hub.existing", {"virtualNetworkId": "vnet-1", "endpointSubnetId": "snet-1"}, "hub.existing.virtualNetworkId", "must be an Azure resource id"),
    ("keepLegacyAliases", "maybe", "keepLegacyAliases", "removed: the factory registers resources without azure-native's legacy aliases"),
    ("keepLegacyAliases", True, "keepLegacyAliases", "removed:"),
    ("mlRegistry", "yes", "mlRegistry", "write true or false"),
    ("profile", {"softDeleteDays": 0}, "profile.softDeleteDays", "greater than or equal to 1"),
    ("profile", {"storageSku": "Premium_LRS"}, "profile.storageSku", "Standard_LRS"),
    ("profile", {"searchSku": "basic"}, "profile.searchSku", "moved to aifactory:services.search.sku"),
    ("services", {"quantum": {}}, "services.quantum", "unknown service 'quantum'; known services:"),
    ("services", {"aml": {"maxNodes": 1000}}, "services.aml.maxNodes", "less than or equal to 100"),
    ("services", {"eventhubs": {"capacity": 100}}, "services.eventhubs.capacity", "less than or equal to 40"),
    ("tags", {"a/b": "x"}, "tags", "tag name 'a/b'"),
    ("scope", "everything", "scope", "should match pattern"),
    ("scope", "project:nope", "scope", "scope names project 'nope', which is not recorded in dev"),
]


@pytest.mark.parametrize("key, value, field, message", STACK_CASES, ids=[f"{c[0]}={c[1]}" for c in STACK_CASES])
def test_bad_stack_settings(factory_dir: Path, key, value, field, message):
    set_stack(factory_dir, key, value)
    problems = problems_of(lambda: load(factory_dir))
    matching = [p for p in problems if p.field == field and message in p.message]
    assert matching, problems
    assert matching[0].file == "Pulumi.dev.yaml"


@pytest.mark.parametrize("key", sorted(k for k, v in MOVED_KEYS.items() if v.startswith("moved to aifactory:services.")))
def test_sizing_keys_point_to_their_service(factory_dir: Path, key):
    set_stack(factory_dir, key, "1")
    problems = problems_of(lambda: load(factory_dir))
    assert [(p.file, p.field) for p in problems] == [("Pulumi.dev.yaml", key)]
    service, setting = MOVED_KEYS[key].removeprefix("moved to aifactory:services.").split(".")
    assert service in CATALOG.services
    assert setting in {f.alias for f in CATALOG.services[service].settings.model_fields.values()}


def test_the_profile_keeps_only_protection_and_retention(factory_dir: Path):
    set_stack(factory_dir, "profile", {"protectStateful": True, "deleteLocks": True, "storageSku": "Standard_ZRS",
                                       "zoneRedundant": True, "softDeleteDays": 30, "logRetentionDays": 90})
    profile = load(factory_dir).profile
    assert (profile.protect_stateful, profile.delete_locks, profile.storage_sku) == (True, True, "Standard_ZRS")
    assert (profile.zone_redundant, profile.soft_delete_days, profile.log_retention_days) == (True, 30, 90)


def test_prod_protection_cannot_be_weakened(factory_dir: Path):
    set_stack(factory_dir, "profile", {"deleteLocks": False}, stack="prod")
    set_stack(factory_dir, "insecure", {"publicNetworkAccess": True}, stack="prod")
    problems = problems_of(lambda: load(factory_dir, "prod"))
    assert sorted((p.file, p.field) for p in problems) == [("Pulumi.prod.yaml", "insecure"), ("Pulumi.prod.yaml", "profile.deleteLocks")]
    assert "deleteLocks cannot be weakened in prod (True -> False)" in {p.message for p in problems}  # both reported, as written
    set_stack(factory_dir, "profile", {"deleteLocks": True, "softDeleteDays": 60}, stack="prod")  # strengthening is fine
    problems = problems_of(lambda: load(factory_dir, "prod"))
    assert [(p.file, p.field, p.message) for p in problems] == [("Pulumi.prod.yaml", "insecure", "insecure options are not allowed in prod")]
    # dev may
    set_stack(factory_dir, "profile", {"deleteLocks": False})
    set_stack(factory_dir, "insecure", {"publicNetworkAccess": True})
    assert load(factory_dir).profile.insecure.public_network_access



@pytest.mark.parametrize(
    "key, value",
    [("storageSku", "Standard_LRS"), ("storageSku", "Standard_GRS"), ("logRetentionDays", 30), ("vaultSoftDeleteDays", 7),
     ("softDeleteDays", 1), ("zoneRedundant", False), ("protectStateful", False)],
)
def test_no_protection_of_data_or_evidence_can_be_lowered_in_prod(factory_dir: Path, key: str, value: object):
    set_stack(factory_dir, "profile", {key: value}, stack="prod")
    problems = problems_of(lambda: load(factory_dir, "prod"))
    assert [(p.file, p.field) for p in problems] == [("Pulumi.prod.yaml", f"profile.{key}")]
    assert f"{key} cannot be weakened in prod" in problems[0].message


@pytest.mark.parametrize("key, value", [("storageSku", "Standard_RAGZRS"), ("logRetentionDays", 365), ("vaultSoftDeleteDays", 90)])
def test_prod_may_strengthen_and_dev_may_lower(factory_dir: Path, key: str, value: object):
    set_stack(factory_dir, "profile", {key: value}, stack="prod")
    load(factory_dir, "prod")
    set_stack(factory_dir, "profile", {"vaultSoftDeleteDays": 7, "logRetentionDays": 30, "storageSku": "Standard_LRS"})
    profile = load(factory_dir).profile
    assert (profile.vault_soft_delete_days, profile.log_retention_days, profile.storage_sku) == (7, 30, "Standard_LRS")


def test_stack_booleans_are_read_as_pulumi_hands_them(factory_dir: Path):
    """Pulumi passes a top-level boolean to the program as the string 'true'."""
    set_stack(factory_dir, "mlRegistry", True)
    assert load(factory_dir).settings.ml_registry is True
    assert encode_pulumi_config({"mlRegistry": True, "hub": {"firewall": False}, "x": None}) == {
        "mlRegistry": "true",
        "hub": '{"firewall": false}',
    }
    assert decode_pulumi_config({"hub": '{"firewall": false}', "tags": "[not json", "prefix": "aif"}) == {
        "hub": {"firewall": False},
        "tags": "[not json",
        "prefix": "aif",
    }



def test_a_yaml_1_1_boolean_in_a_stack_file_is_refused_where_pulumi_would_pass_a_string(factory_dir: Path):
    path = factory_dir / "Pulumi.dev.yaml"
    path.write_text(path.read_text().replace("config:\n", "config:\n  aifactory:mlRegistry: yes\n", 1))
    problems = problems_of(lambda: load(factory_dir))
    assert [(p.file, p.field) for p in problems] == [("Pulumi.dev.yaml", "mlRegistry")]
    assert "write true or false: YAML 1.2, which Pulumi reads, takes 'yes' as a string" in problems[0].message


def test_stack_guids_are_lower_cased(factory_dir: Path):
    set_stack(factory_dir, "subscriptionId", DEV_SUB.upper())
    set_stack(factory_dir, "tenantId", OTHER_SUB.upper())
    factory = load(factory_dir)
    assert factory.settings.subscription_id == DEV_SUB and factory.settings.tenant_id == OTHER_SUB
    assert factory.naming.subscription_id == DEV_SUB


def test_stack_settings_of_an_unused_service_are_validated(factory_dir: Path):
    set_stack(factory_dir, "services", {"search": {"sku": "free"}})  # no project of dev has AI Search
    problems = problems_of(lambda: load(factory_dir))
    assert located(problems, factory_dir) == [("Pulumi.dev.yaml", "services.search.sku")]


def test_project_subscriptions(factory_dir: Path):
    set_stack(factory_dir, "projectSubscriptions", [OTHER_SUB])
    problems = problems_of(lambda: load(factory_dir))
    assert {p.field for p in problems} == {"environments.dev.subscription"}
    assert len(problems) == 3 and all("no subscription is recorded in dev; run: aifactory onboard" in p.message for p in problems)
    for name in ("churn-prediction", "support-copilot", "telemetry-stream"):
        path = factory_dir / "projects" / f"{name}.yaml"
        write_yaml(path, with_changes(load_yaml(path), "environments.dev.subscription", OTHER_SUB.upper()))
    factory = load(factory_dir)
    assert {p.subscription_id for p in factory.projects} == {OTHER_SUB}
    assert factory.settings.all_subscriptions() == (DEV_SUB, OTHER_SUB)
    write_project(factory_dir, with_changes(GOOD_PROJECT, "environments.dev.subscription", TEST_SUB))
    problems = problems_of(lambda: load(factory_dir))
    assert located(problems, factory_dir) == [("projects/fraud-detect.yaml", "environments.dev.subscription")]
    assert "is not in aifactory:projectSubscriptions" in problems[0].message
    # the platform's own subscription is always allowed
    write_project(factory_dir, with_changes(GOOD_PROJECT, "environments.dev.subscription", DEV_SUB))
    assert load(factory_dir).project("fraud-detect").subscription_id == DEV_SUB  # type: ignore[union-attr]


def test_retiring_projects_are_recorded_but_not_built(factory_dir: Path):
    write_project(factory_dir, with_changes(GOOD_PROJECT, "environments.dev.retiring", True))
    factory = load(factory_dir)
    assert factory.project("fraud-detect").retiring  # type: ignore[union-attr]
    assert "fraud-detect" not in [p.name for p in factory.active_projects]
    # its block stays reserved: nobody else may take it
    write_project(factory_dir, {**GOOD_PROJECT, "name": "newcomer"}, "newcomer")
    problems = problems_of(lambda: load(factory_dir))
    assert "overlaps project 'fraud-detect'" in problems[0].message


# --- --config overrides ---------------------------------------------------------------------------------


OVERRIDE_CASES = [
    ("prefix", "AIF", "prefix"),
    ("subscriptionId", "nope", "subscriptionId"),
    ("colour", "blue", "colour"),
    ("keepLegacyAliases", "true", "keepLegacyAliases"),
    ("searchSku", "basic", "searchSku"),
    ("profile.searchSku", "basic", "profile.searchSku"),
    ("hub.firewall", "yes", "hub.firewall"),
    ("hub", '{"firewall": true}', "hub"),
    ("hub.existing", '{"virtualNetworkId": "vnet-1"}', "hub.existing.virtualNetworkId"),
    ("projectSubscriptions", '["nope"]', "projectSubscriptions[0]"),
    ("defaultSpokeSize", "big", "defaultSpokeSize"),
    ("scope", "project:nope", "scope"),
    ("aifactory:prefix", "AIF", "prefix"),
]


@pytest.mark.parametrize("key, value, field", OVERRIDE_CASES, ids=[c[0] for c in OVERRIDE_CASES])
def test_problems_in_overridden_values_name_config(factory_dir: Path, key, value, field):
    problems = problems_of(lambda: load(factory_dir, overrides={key: value}))
    assert (OVERRIDES_SOURCE, field) in [(p.file, p.field) for p in problems]
    assert all(p.file == OVERRIDES_SOURCE for p in problems), problems


@pytest.mark.parametrize(
    "key, value, field",
    [
        ("profile.deleteLocks", "false", "profile.deleteLocks"),
        ("profile", '{"protectStateful": false}', "profile.protectStateful"),
        ("insecure.publicNetworkAccess", "true", "insecure"),
    ],
)
def test_prod_protection_weakened_by_config_names_config(factory_dir: Path, key, value, field):
    problems = problems_of(lambda: load(factory_dir, "prod", overrides={key: value}))
    assert [(p.file, p.field) for p in problems] == [(OVERRIDES_SOURCE, field)]


@pytest.mark.parametrize(
    "stack, key, value, field",
    [
        ("dev", "addressPool", "10.65.0.0/16", "addressPool"),
        ("dev", "hub.cidr", "10.64.0.0/23", "hub.cidr"),
        ("dev", "agentAddressPool", "10.200.0.0/16", "agentAddressPool"),
        ("dev", "services.eventhubs.capacity", "100", "services.eventhubs.capacity"),
    ],
    ids=["addressPool", "hub.cidr", "agentAddressPool", "services"],
)
def test_every_problem_in_an_overridden_value_names_config(factory_dir: Path, stack, key, value, field):
    problems = problems_of(lambda: load(factory_dir, stack, overrides={key: value}))
    assert (OVERRIDES_SOURCE, field) in [(p.file, p.field) for p in problems]


def test_overrides_blame_only_what_they_set(factory_dir: Path):
    set_stack(factory_dir, "prefix", "AIF")
    problems = problems_of(lambda: load(factory_dir, overrides={"colour": "blue", "profile": '{"protectStateful": "no"}'}))
    assert sorted((p.file, p.field) for p in problems) == [
        ("--config", "colour"),
        ("--config", "profile.protectStateful"),
        ("Pulumi.dev.yaml", "prefix"),
    ]
    # an override that fixes the file's problem wins
    assert load(factory_dir, overrides={"prefix": "aif"}).settings.prefix == "aif"


def test_apply_overrides_sets_dotted_keys_like_pulumi_config_set_path():
    settings = {"hub": {"cidr": "10.60.0.0/23", "firewall": False}, "prefix": "aif"}
    result = apply_overrides(settings, {"hub.firewall": "true", "aifactory:prefix": "xyz", "tags": '{"a": "b"}', "x.y.z": "1"})
    assert result == {"hub": {"cidr": "10.60.0.0/23", "firewall": "true"}, "prefix": "xyz", "tags": {"a": "b"}, "x": {"y": {"z": "1"}}}
    assert settings["hub"]["firewall"] is False  # the input is not changed
    assert apply_overrides({"hub": "10.60.0.0/23"}, {"hub.cidr": "x"}) == {"hub": {"cidr": "x"}}


def test_bad_overrides_are_all_reported_against_config():
    with pytest.raises(ConfigError) as raised:
        apply_overrides({}, {"hub..cidr": "x", "tags": '{"a": ', ".x": "1", "ok": "fine"})
    assert [(p.file, p.field) for p in raised.value.problems] == [("--config", "hub..cidr"), ("--config", "tags"), ("--config", ".x")]
    assert "not valid JSON" in raised.value.problems[1].message


def test_overridden_keys_drop_the_namespace():
    assert overridden_keys({"aifactory:hub.cidr": "x", "prefix": "y"}) == ("hub.cidr", "prefix")
    assert overridden_keys(None) == ()


fields = st.lists(st.sampled_from(["hub", "cidr", "existing", "profile", "tags", "x"]), min_size=1, max_size=3)


@given(field=fields, index=st.one_of(st.none(), st.integers(0, 3)), key=fields)
def test_blame_names_config_exactly_for_overridden_fields(field, index, key):
    """A problem names ``--config`` when its value was set there, or sits inside or holds what was set there."""
    path = ".".join(field) + (f"[{index}]" if index is not None else "")
    overridden = ".".join(key)
    [problem] = blame([Problem("bad", None, path)], source="Pulumi.dev.yaml", overridden=(overridden,))
    inside = field[: len(key)] == key
    holds = index is None and len(field) < len(key) and key[: len(field)] == field
    assert problem.file == ("--config" if inside or holds else "Pulumi.dev.yaml")
    assert (problem.field, problem.message) == (path, "bad")


def test_blame_compares_whole_keys():
    [problem] = blame([Problem("bad", None, "hubx")], source="Pulumi.dev.yaml", overridden=("hub",))
    assert problem.file == "Pulumi.dev.yaml"
    [problem] = blame([Problem("bad", None, "hub")], source="Pulumi.dev.yaml", overridden=("hubx.cidr",))
    assert problem.file == "Pulumi.dev.yaml"


# --- stacks, folders, the example ---------------------------------------------------------------------------


def test_hub_too_small_for_its_subnets_is_refused():
    from aifactory.components.hub import HubNetworkArgs
    from aifactory.core.naming import NamingContext

    with pytest.raises(FactoryError, match="needs at least a /24"):
        HubNetworkArgs(location="swedencentral", naming=NamingContext("aif", "dev", "00000000-0000-0000-0000-000000000000"), cidr="10.60.0.0/25")


def test_unknown_stack_lists_the_known_ones(factory_dir: Path):
    with pytest.raises(FactoryError, match="stacks here: dev, prod, test"):
        load(factory_dir, "staging")


def test_empty_and_malformed_stack_files(factory_dir: Path):
    (factory_dir / "Pulumi.dev.yaml").write_text("")
    with pytest.raises(FactoryError, match="stack file is empty"):
        load(factory_dir)
    (factory_dir / "Pulumi.dev.yaml").write_text("config: [1, 2]")
    with pytest.raises(FactoryError, match="config: must be a mapping"):
        load(factory_dir)
    (factory_dir / "Pulumi.dev.yaml").write_text("- a list\n")
    with pytest.raises(FactoryError, match="stack file must be a mapping"):
        load(factory_dir)


def test_a_broken_sibling_stack_does_not_break_this_one(factory_dir: Path):
    (factory_dir / "Pulumi.test.yaml").write_text("config: [")
    assert len(load(factory_dir).projects) == 3
    with pytest.raises(FactoryError, match="malformed YAML"):
        load(factory_dir, "test")


def test_missing_projects_dir(factory_dir: Path):
    with pytest.raises(FactoryError, match="projects directory does not exist") as raised:
        load(factory_dir, overrides={"projectsDir": "nowhere"})
    assert raised.value.field == "projectsDir"


def test_example_factory_is_valid_in_every_environment(factory_dir: Path):
    counts = {env: len(load(factory_dir, env).projects) for env in ("dev", "test", "prod")}
    assert counts == {"dev": 3, "test": 2, "prod": 1}


# --- plug-ins ---------------------------------------------------------------------------------------------------


class FakeEntryPoint:
    """Enough of importlib.metadata.EntryPoint for load_catalog."""

    def __init__(self, name: str, value: str, group: str, load: Callable[[], object]) -> None:
        self.name, self.value, self.group = name, value, group
        self.dist = SimpleNamespace(name="aifactory-broken-plugin")
        self._load = load

    def load(self) -> object:
        return self._load()


def fake_entry_points(monkeypatch: pytest.MonkeyPatch, **groups: list[FakeEntryPoint]) -> None:
    by_group = {SERVICES_GROUP: groups.get("services", []), TYPES_GROUP: groups.get("types", [])}
    monkeypatch.setattr(services_module, "entry_points", lambda *, group: by_group[group])


def _raise_import_error() -> object:
    raise ImportError("No module named 'quantum_sdk'")


def test_a_plugin_that_fails_to_load_names_its_package_and_entry_point(monkeypatch: pytest.MonkeyPatch):
    fake_entry_points(
        monkeypatch,
        services=[FakeEntryPoint("quantum", "quantum_plugin:SERVICE", SERVICES_GROUP, _raise_import_error)],
        types=[FakeEntryPoint("wrong", "wrong_plugin:TYPE", TYPES_GROUP, lambda: 42)],
    )
    with pytest.raises(PluginError) as raised:
        load_catalog()
    messages = [p.message for p in raised.value.problems]
    assert len(messages) == 2
    assert "entry point 'quantum' (quantum_plugin:SERVICE) of package aifactory-broken-plugin failed to load" in messages[0]
    assert "ImportError: No module named 'quantum_sdk'" in messages[0]
    assert "entry point 'wrong' (wrong_plugin:TYPE) of package aifactory-broken-plugin gives int, not a ProjectTypeSpec" in messages[1]
    assert [p.file for p in raised.value.problems] == [f"plug-in {SERVICES_GROUP}", f"plug-in {TYPES_GROUP}"]
    assert load_catalog(include_entry_points=False) == builtin_catalog()


def test_a_plugin_may_not_replace_a_builtin(monkeypatch: pytest.MonkeyPatch):
    keyvault = builtin_catalog().services["keyvault"]
    fake_entry_points(monkeypatch, services=[FakeEntryPoint("keyvault", "evil:KEYVAULT", SERVICES_GROUP, lambda: keyvault)])
    with pytest.raises(PluginError, match="service 'keyvault' from a plug-in is already registered"):
        load_catalog()


def test_a_plugin_factory_function_is_called(monkeypatch: pytest.MonkeyPatch):
    from dataclasses import replace

    extra = replace(builtin_catalog().services["registry"], key="extraregistry")
    fake_entry_points(monkeypatch, services=[FakeEntryPoint("extra", "extra:make", SERVICES_GROUP, lambda: (lambda: extra))])
    assert load_catalog().services["extraregistry"] is extra
