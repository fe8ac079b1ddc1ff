"""The editor schemas (schemas/*.schema.json): generated from the models, committed, and in agreement with aifactory.

The committed files cannot drift from the models (they are compared with a fresh generation), every shipped
request and stack file validates, and the mistakes an editor should flag (a misspelt key or setting, an
unknown type, environment or service) are flagged, while what aifactory accepts is not.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, Iterator

import jsonschema
import pytest

from aifactory.core.config import parse_settings, read_stack_config, read_yaml
from aifactory.core.spec import Catalog
from aifactory.services import builtin_catalog
from aifactory.tools.schema import (
    MODELINE,
    PROJECT_SCHEMA_FILE,
    STACK_SCHEMA_FILE,
    project_schema,
    render_schema,
    stack_schema,
    write_schemas,
)
from tests.conftest import REPO

SCHEMAS = REPO / "schemas"
REQUESTS = sorted((REPO / "projects").glob("*.yaml"))
STACK_FILES = sorted(REPO.glob("Pulumi.*.yaml"))
PLUGIN_EXAMPLE = REPO / "examples" / "aifactory-docintel"

REGENERATE = {
    PROJECT_SCHEMA_FILE: "aifactory schema project > schemas/project.schema.json",
    STACK_SCHEMA_FILE: "aifactory schema stack > schemas/stack.schema.json",
}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return builtin_catalog()


@pytest.fixture(scope="module")
def project_validator(catalog: Catalog) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(project_schema(catalog))


@pytest.fixture(scope="module")
def stack_validator(catalog: Catalog) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(stack_schema(catalog))


def errors(validator: jsonschema.Draft202012Validator, document: Any) -> list[tuple[str, str]]:
    """Every schema error as (path, message), for assertion messages a person can read."""
    return [(".".join(map(str, e.absolute_path)) or "(top)", e.message) for e in validator.iter_errors(document)]


def flagged_at(validator: jsonschema.Draft202012Validator, document: Any) -> set[str]:
    return {path for path, _ in errors(validator, document)}


def a_request() -> dict[str, Any]:
    return copy.deepcopy(read_yaml(REPO / "projects" / "support-copilot.yaml"))


def a_stack() -> dict[str, Any]:
    return copy.deepcopy(read_yaml(REPO / "Pulumi.dev.yaml"))


# --- the committed files --------------------------------------------------------------------


@pytest.mark.parametrize("name", [PROJECT_SCHEMA_FILE, STACK_SCHEMA_FILE])
def test_committed_schemas_are_what_the_models_generate(name: str, catalog: Catalog):
    generated = render_schema(project_schema(catalog) if name == PROJECT_SCHEMA_FILE else stack_schema(catalog))
    committed = SCHEMAS / name
    assert committed.is_file(), f"schemas/{name} is missing; generate it: {REGENERATE[name]}"
    assert committed.read_text(encoding="utf-8") == generated, (
        f"schemas/{name} is out of date with the models; regenerate it: {REGENERATE[name]} "
        "(add --builtin-only where plug-ins are installed; or `python -m aifactory.tools.schema schemas` for both files)"
    )


@pytest.mark.parametrize("name", [PROJECT_SCHEMA_FILE, STACK_SCHEMA_FILE])
def test_committed_schemas_are_valid_draft_2020_12(name: str):
    schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


NEWER_THAN_DRAFT_07 = {
    "prefixItems", "$dynamicRef", "$dynamicAnchor", "$recursiveRef", "$anchor", "unevaluatedProperties",
    "unevaluatedItems", "dependentRequired", "dependentSchemas", "minContains", "maxContains",
}


def keywords(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield key
            if key not in ("properties", "patternProperties", "$defs", "default", "enum", "const"):
                yield from keywords(value)
            elif key in ("properties", "patternProperties", "$defs"):
                for sub in value.values():
                    yield from keywords(sub)
    elif isinstance(node, list):
        for item in node:
            yield from keywords(item)


@pytest.mark.parametrize("name", [PROJECT_SCHEMA_FILE, STACK_SCHEMA_FILE])
def test_schemas_mean_the_same_to_draft_07_editors(name: str):
    """yaml-language-server (VS Code's YAML extension) validates with draft-07 semantics: keywords only 2019-09
    or 2020-12 know would be silently ignored there, so the schemas use none."""
    schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    assert sorted(set(keywords(schema)) & NEWER_THAN_DRAFT_07) == []


def test_write_schemas_writes_both_canonical_files(tmp_path: Path, catalog: Catalog):
    written = write_schemas(tmp_path / "out", catalog)
    assert [p.name for p in written] == [PROJECT_SCHEMA_FILE, STACK_SCHEMA_FILE]
    assert written[0].read_text(encoding="utf-8") == render_schema(project_schema(catalog))
    assert written[1].read_text(encoding="utf-8") == render_schema(stack_schema(catalog))


# --- shipped files validate -------------------------------------------------------------------


@pytest.mark.parametrize("path", REQUESTS, ids=lambda p: p.name)
def test_every_shipped_request_validates(path: Path, project_validator):
    assert errors(project_validator, read_yaml(path)) == []


@pytest.mark.parametrize("path", STACK_FILES, ids=lambda p: p.name)
def test_every_shipped_stack_file_validates(path: Path, stack_validator):
    assert errors(stack_validator, read_yaml(path)) == []


def test_there_are_shipped_files_to_check():
    assert len(REQUESTS) >= 3 and len(STACK_FILES) >= 3


@pytest.mark.parametrize("path", REQUESTS, ids=lambda p: p.name)
def test_the_modeline_is_the_first_line_of_each_shipped_request(path: Path):
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == MODELINE == "# yaml-language-server: $schema=../schemas/project.schema.json"
    assert lines[1].startswith("# ") and "yaml-language-server" not in lines[1], "the file's own first comment stays after it"
    assert (path.parent / "../schemas/project.schema.json").resolve() == (SCHEMAS / PROJECT_SCHEMA_FILE).resolve()


# --- mistakes are flagged ---------------------------------------------------------------------


def test_a_misspelt_request_key_is_flagged(project_validator):
    request = a_request()
    request["costCentre"] = request.pop("costCenter")
    found = errors(project_validator, request)
    assert ("(top)", "Additional properties are not allowed ('costCentre' was unexpected)") in found
    assert any("'costCenter' is a required property" in message for _, message in found)


def test_a_misspelt_service_setting_is_flagged(project_validator):
    request = a_request()
    request["services"] = {"foundry": {"deplyments": []}}
    assert errors(project_validator, request) == [
        ("services.foundry", "Additional properties are not allowed ('deplyments' was unexpected)")
    ]


def test_a_misspelt_setting_inside_an_environment_is_flagged(project_validator):
    request = a_request()
    request["environments"]["dev"]["services"] = {"agents": {"searchSKU": "basic"}}
    assert flagged_at(project_validator, request) == {"environments.dev.services.agents"}


def test_an_unknown_project_type_is_flagged(project_validator):
    request = a_request()
    request["type"] = "quantum"
    assert ("type", "'quantum' is not one of ['esml', 'genai', 'streaming']") in errors(project_validator, request)


def test_a_wrong_environment_name_is_flagged(project_validator):
    request = a_request()
    request["environments"]["staging"] = request["environments"].pop("test")
    assert errors(project_validator, request) == [
        ("environments", "Additional properties are not allowed ('staging' was unexpected)")
    ]


def test_a_misspelt_service_is_flagged(project_validator):
    request = a_request()
    request["services"]["foundyr"] = request["services"].pop("foundry")
    assert flagged_at(project_validator, request) == {"services"}


def test_a_service_the_type_lacks_is_flagged(project_validator):
    request = a_request()  # genai has no aks
    request["services"]["aks"] = {}
    assert flagged_at(project_validator, request) == {"services"}
    request = a_request()
    request["environments"]["dev"]["services"] = {"eventhubs": True}
    assert flagged_at(project_validator, request) == {"environments.dev.services"}


def test_a_required_service_cannot_be_switched_off_but_an_optional_one_can_be_on(project_validator):
    request = a_request()
    request["environments"]["dev"]["services"] = {"foundry": False}
    assert flagged_at(project_validator, request) == {"environments.dev.services.foundry"}
    request["environments"]["dev"]["services"] = {"foundry": True, "agents": False, "search": {"replicas": 2}}
    assert errors(project_validator, request) == []


def test_values_are_checked_as_aifactory_checks_them(project_validator):
    for field, value in (("name", "hub"), ("name", "Support_Copilot"), ("costCenter", "")):
        request = a_request()
        request[field] = value
        assert flagged_at(project_validator, request) == {field}, (field, value)
    request = a_request()
    request["owners"][0]["objectId"] = "not-a-guid"
    request["environments"]["dev"]["cidr"] = "10.64.0.0/33"
    assert flagged_at(project_validator, request) == {"owners.0.objectId", "environments.dev.cidr"}


def test_a_misspelt_stack_setting_is_flagged_and_other_namespaces_are_not(stack_validator):
    stack = a_stack()
    stack["config"]["aifactory:prefx"] = stack["config"].pop("aifactory:prefix")
    stack["config"]["azure-native:environment"] = "public"
    stack["config"]["pulumi:tags"] = {"team": "platform"}
    found = errors(stack_validator, stack)
    assert any(path == "config" and "'aifactory:prefx' does not match" in message for path, message in found), found
    assert any("'aifactory:prefix' is a required property" in message for _, message in found)
    assert flagged_at(stack_validator, stack) == {"config"}


def test_stack_services_are_typed_per_service(stack_validator):
    stack = a_stack()
    stack["config"]["aifactory:services"] = {"search": {"sku": "standard", "replicas": 2}, "aml": {"maxNodes": 4}}
    assert errors(stack_validator, stack) == []
    stack["config"]["aifactory:services"] = {"serach": {"sku": "standard"}, "aml": {"maxNode": 4}}
    assert flagged_at(stack_validator, stack) == {"config.aifactory:services", "config.aifactory:services.aml"}
    stack["config"]["aifactory:services"] = {"aks": True}
    assert flagged_at(stack_validator, stack) == {"config.aifactory:services.aks"}


def test_a_key_without_a_namespace_is_flagged(stack_validator):
    """Pulumi would read ``prefix`` as ``aifactory:prefix``, aifactory's offline tools would not: flag it."""
    stack = a_stack()
    stack["config"]["defaultSpokeSize"] = 25
    assert flagged_at(stack_validator, stack) == {"config"}


def test_what_pulumi_config_set_writes_is_accepted_like_aifactory_accepts_it(stack_validator, tmp_path: Path):
    """``pulumi config set aifactory:defaultSpokeSize 25`` writes the string ``"25"``: valid for aifactory, so valid here."""
    stack_path = tmp_path / "Pulumi.dev.yaml"
    text = (REPO / "Pulumi.dev.yaml").read_text(encoding="utf-8")
    stack_path.write_text(
        text.replace("aifactory:defaultSpokeSize: 24", 'aifactory:defaultSpokeSize: "25"') + '  aifactory:mlRegistry: "true"\n',
        encoding="utf-8",
    )
    settings = parse_settings(read_stack_config(stack_path), source=str(stack_path))
    assert (settings.default_spoke_size, settings.ml_registry) == (25, True)
    assert errors(stack_validator, read_yaml(stack_path)) == []
    document = read_yaml(stack_path)
    document["config"]["aifactory:mlRegistry"] = "yes"
    assert flagged_at(stack_validator, document) == {"config.aifactory:mlRegistry"}


# --- documentation and plug-ins ---------------------------------------------------------------


def test_field_docstrings_become_descriptions(catalog: Catalog):
    project, stack = project_schema(catalog), stack_schema(catalog)
    environment = project["$defs"]["ProjectEnvironment"]["properties"]
    assert environment["cidr"]["description"] == "The spoke, recorded once by `aifactory onboard` and never moved."
    assert "Model deployments" in project["$defs"]["FoundrySettings"]["properties"]["deployments"]["description"]
    assert project["$defs"]["Principal"]["description"] == "An Entra ID user, group or service principal, by object id."
    assert "(the agent subnet cannot be in 10.0.0.0/8)" in stack["properties"]["config"]["properties"]["aifactory:agentAddressPool"]["description"]
    assert "Microsoft Foundry" in project["properties"]["services"]["properties"]["foundry"]["description"]


def test_a_plugin_service_and_type_appear_in_a_schema_generated_with_the_plugin(monkeypatch, project_validator, catalog: Catalog):
    monkeypatch.syspath_prepend(str(PLUGIN_EXAMPLE))
    from aifactory_docintel.spec import DOCINTEL, DOCUMENTS

    with_plugin = Catalog(services={**catalog.services, DOCINTEL.key: DOCINTEL}, types={**catalog.types, DOCUMENTS.name: DOCUMENTS})
    validator = jsonschema.Draft202012Validator(project_schema(with_plugin))
    request = read_yaml(PLUGIN_EXAMPLE / "requests" / "contract-review.yaml")
    request["services"] = {"docintel": {"sku": "S0"}}
    assert errors(validator, request) == []
    assert flagged_at(project_validator, request) == {"type", "services"}, "the built-in schema knows no plug-in"
    request["services"] = {"docintel": {"sku": "F0"}}
    assert flagged_at(validator, request) == {"services.docintel.sku"}
    stack = a_stack()
    stack["config"]["aifactory:services"] = {"docintel": {"sku": "S0"}}
    assert errors(jsonschema.Draft202012Validator(stack_schema(with_plugin)), stack) == []


# --- the command line -------------------------------------------------------------------------


@pytest.mark.parametrize("name", [PROJECT_SCHEMA_FILE, STACK_SCHEMA_FILE])
def test_aifactory_schema_prints_exactly_the_committed_file(name: str, catalog: Catalog):
    """``aifactory schema project > schemas/project.schema.json`` is how the files are regenerated: it must
    print them byte for byte (skipped until the command is wired, or where plug-ins change the catalog)."""
    import typer.main
    from typer.testing import CliRunner

    from aifactory.services import load_catalog
    from aifactory.tools.cli import app

    if "schema" not in typer.main.get_command(app).commands:  # type: ignore[attr-defined]
        pytest.skip("the `aifactory schema` command is not wired yet")
    if set(load_catalog().services) != set(catalog.services) or set(load_catalog().types) != set(catalog.types):
        pytest.skip("plug-ins are installed: the command's schema includes them, the committed one does not")
    kind = name.split(".", 1)[0]
    result = CliRunner().invoke(app, ["schema", kind])
    assert result.exit_code == 0, result.output
    assert result.stdout == (SCHEMAS / name).read_text(encoding="utf-8")
