"""Configuration: every bad input is one ConfigError naming the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from aifactory.core.errors import FactoryError
from aifactory.core.factory import load_factory
from tests.conftest import load_yaml, write_yaml

GOOD_PROJECT = {
    "name": "fraud-detect",
    "type": "esml",
    "costCenter": "CC-1",
    "owners": [{"objectId": "6f1d3c2a-9b8e-4f7d-a6c5-0e1f2a3b4c5d", "type": "Group"}],
    "environments": {"dev": {"cidr": "10.64.10.0/24"}},
}


def with_changes(base: dict, path: str, value: object) -> dict:
    data = __import__("copy").deepcopy(base)
    keys = path.split(".")
    cursor = data
    for key in keys[:-1]:
        cursor = cursor[int(key)] if isinstance(cursor, list) else cursor.setdefault(key, {})
    if value is KeyError:
        del cursor[keys[-1]]
    else:
        cursor[keys[-1]] = value
    return data


PROJECT_CASES = [
    ("unknown key", "colour", "blue", "colour", "unknown key"),
    ("missing name", "name", KeyError, "name", "required field is missing"),
    ("bad name", "name", "Fraud_Detect", "name", "invalid project name"),
    ("unicode name", "name", "frаud", "name", "invalid project name"),
    ("path separator in name", "name", "../etc", "name", "invalid project name"),
    ("unknown type", "type", "quantum", "type", "unknown project type 'quantum'; known types: esml, genai, streaming"),
    ("owners empty", "owners", [], "owners", "at least 1 item"),
    ("object id not a guid", "owners.0.objectId", "not-a-guid", "owners[0].objectId", "must be a GUID"),
    ("principal type wrong", "owners.0.type", "Robot", "owners[0].type", "'User', 'Group' or 'ServicePrincipal'"),
    ("unknown environment", "environments.staging", {"cidr": "10.64.10.0/24"}, "environments.staging", "'dev', 'test' or 'prod'"),
    ("host address cidr", "environments.dev.cidr", "10.64.10.7/24", "environments.dev.cidr", "not aligned"),
    ("ipv6 cidr", "environments.dev.cidr", "fd00::/64", "environments.dev.cidr", "IPv6"),
    ("cidr wrong type", "environments.dev.cidr", 42, "environments.dev.cidr", "valid string"),
    ("cidr outside pool", "environments.dev.cidr", "10.99.0.0/24", "environments.dev.cidr", "outside the environment's address pool"),
    ("cidr overlaps a project", "environments.dev.cidr", "10.64.0.0/24", "environments.dev.cidr", "overlaps project 'churn-prediction'"),
    ("budget negative", "budget", {"monthlyAmount": -5}, "budget.monthlyAmount", "greater than 0"),
    ("budget huge", "budget", {"monthlyAmount": 1e12}, "budget.monthlyAmount", "less than or equal to 10000000"),
    ("unknown service", "environments.dev.services", {"quantum": True}, "environments.dev.services", "unknown service 'quantum'"),
    ("required service off", "environments.dev.services", {"keyvault": False}, "environments.dev.services", "required by project type"),
    ("no environments", "environments", {}, "environments", "at least 1 item"),
    ("huge description", "description", "x" * 5000, "description", "at most 500 characters"),
]


@pytest.mark.parametrize("label, path, value, field, message", PROJECT_CASES, ids=[c[0] for c in PROJECT_CASES])
def test_bad_project_files(factory_dir: Path, label, path, value, field, message):
    source = write_yaml(factory_dir / "projects" / "fraud-detect.yaml", with_changes(GOOD_PROJECT, path, value))
    with pytest.raises(FactoryError) as raised:
        load_factory(factory_dir, "dev")
    assert raised.value.file == str(source)
    assert raised.value.field == field
    assert message in raised.value.message


@pytest.mark.parametrize(
    "content, message",
    [
        ("", "project file is empty"),
        ("name: [unclosed", "malformed YAML at line 1"),
        ("- just\n- a list\n", "must be a mapping"),
        ("\x00\x01", "malformed YAML"),
    ],
)
def test_unreadable_project_files(factory_dir: Path, content, message):
    (factory_dir / "projects" / "broken.yaml").write_text(content)
    with pytest.raises(FactoryError, match=message) as raised:
        load_factory(factory_dir, "dev")
    assert raised.value.file.endswith("broken.yaml")


def test_binary_and_oversized_files(factory_dir: Path):
    (factory_dir / "projects" / "binary.yaml").write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(FactoryError, match="not UTF-8"):
        load_factory(factory_dir, "dev")
    (factory_dir / "projects" / "binary.yaml").write_text("description: " + "x" * 300_000)
    with pytest.raises(FactoryError, match="the limit is"):
        load_factory(factory_dir, "dev")


def test_duplicate_project_names_across_files(factory_dir: Path):
    data = load_yaml(factory_dir / "projects" / "churn-prediction.yaml")
    write_yaml(factory_dir / "projects" / "zz-copy.yaml", data)
    with pytest.raises(FactoryError, match="'churn-prediction' is already defined in") as raised:
        load_factory(factory_dir, "dev")
    assert raised.value.file.endswith("zz-copy.yaml") and raised.value.field == "name"


def test_one_principal_with_two_personas_is_refused(factory_dir: Path):
    bad = with_changes(GOOD_PROJECT, "members", [GOOD_PROJECT["owners"][0]])
    write_yaml(factory_dir / "projects" / "fraud-detect.yaml", bad)
    with pytest.raises(FactoryError, match="listed in both owners and members"):
        load_factory(factory_dir, "dev")


STACK_CASES = [
    ("addressPool", "10.64.0.0/33", "addressPool", "not a valid IPv4"),
    ("addressPool", "10.65.0.0/16", "addressPool", "overlaps the address pool of stack 'test'"),
    ("subscriptionId", "nope", "subscriptionId", "must be a GUID"),
    ("environment", "staging", "environment", "'dev', 'test' or 'prod'"),
    ("prefix", "AIF", "prefix", "invalid naming prefix"),
    ("defaultSpokeSize", "29", "defaultSpokeSize", "less than or equal to 26"),
    ("defaultSpokeSize", "big", "defaultSpokeSize", "valid integer"),
    ("colour", "blue", "colour", "unknown key"),
    ("hub", '{"firewall": true}', "hub", "give the hub a cidr"),
    ("hub.cidr", "10.64.0.0/23", "hub.cidr", "overlaps the address pool"),
    ("hub.cidr", "10.60.0.0/25", "hub.cidr", "needs at least a /24"),
    ("keepLegacyAliases", "maybe", "keepLegacyAliases", "valid boolean"),
    ("hub.existing", '{"virtualNetworkId": "vnet-1"}', "hub.existing.virtualNetworkId", "virtual network resource id"),
]


@pytest.mark.parametrize("key, value, field, message", STACK_CASES)
def test_bad_stack_settings(factory_dir: Path, key, value, field, message):
    with pytest.raises(FactoryError) as raised:
        load_factory(factory_dir, "dev", overrides={key: value})
    assert raised.value.file == "Pulumi.dev.yaml"
    assert raised.value.field == field
    assert message in raised.value.message


def test_hub_too_small_for_its_subnets_is_refused(factory_dir: Path):
    from aifactory.components.hub import HubNetworkArgs
    from aifactory.core.naming import NamingContext

    with pytest.raises(FactoryError, match="needs at least a /24"):
        HubNetworkArgs(location="swedencentral", naming=NamingContext("aif", "dev", "00000000-0000-0000-0000-000000000000"), cidr="10.60.0.0/25")


def test_unknown_stack_lists_the_known_ones(factory_dir: Path):
    with pytest.raises(FactoryError, match="stacks here: dev, prod, test"):
        load_factory(factory_dir, "staging")


def test_empty_and_malformed_stack_files(factory_dir: Path):
    (factory_dir / "Pulumi.dev.yaml").write_text("")
    with pytest.raises(FactoryError, match="stack file is empty"):
        load_factory(factory_dir, "dev")
    (factory_dir / "Pulumi.dev.yaml").write_text("config: [1, 2]")
    with pytest.raises(FactoryError, match="config: must be a mapping"):
        load_factory(factory_dir, "dev")


def test_missing_projects_dir(factory_dir: Path):
    with pytest.raises(FactoryError, match="projects directory does not exist"):
        load_factory(factory_dir, "dev", overrides={"projectsDir": "nowhere"})


def test_example_factory_is_valid_in_every_environment(factory_dir: Path):
    counts = {env: len(load_factory(factory_dir, env).projects) for env in ("dev", "test", "prod")}
    assert counts == {"dev": 3, "test": 2, "prod": 1}
