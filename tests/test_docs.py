"""The docs stay honest: what they list is checked against the code that defines it.

Each test reads a page under ``docs/`` and compares it with the source of truth (the service catalog, the
settings models, the policy rules, Azure's limits), so a service, setting, zone or rule added to the code
without its documentation fails here, as does a relative link to a file that does not exist.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import BaseModel
from pydantic.alias_generators import to_camel

from aifactory.core.access import Persona, Role
from aifactory.core.config import MOVED_KEYS, EnvironmentSettings
from aifactory.core.limits import LIMITS
from aifactory.core.policies import RESOURCE_RULES, STACK_RULES
from aifactory.services import builtin_catalog
from tests.conftest import REPO

DOCS = REPO / "docs"
CATALOG = builtin_catalog()
LOCATION = "swedencentral"
FENCE = re.compile(r"^\s*(```|~~~)")
LINK = re.compile(r"(?<!\!)\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def page(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def prose(text: str) -> list[str]:
    """The lines of a Markdown text outside fenced code blocks."""
    lines, fenced = [], False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            lines.append(line)
    return lines


def without_code_spans(line: str) -> str:
    return re.sub(r"`[^`]*`", "", line)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"`([^`]*)`", r"\1", heading)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"[^\w\- ]", "", text.lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    found: set[str] = set()
    seen: dict[str, int] = {}
    for line in prose(path.read_text(encoding="utf-8")):
        match = HEADING.match(line)
        if match:
            base = slug(match.group(2))
            count = seen.get(base, 0)
            seen[base] = count + 1
            found.add(base if count == 0 else f"{base}-{count}")
    return found


def markdown_files() -> list[Path]:
    return [REPO / "README.md", *sorted(DOCS.glob("*.md"))]


def relative_links(path: Path) -> list[tuple[int, str]]:
    links = []
    for number, line in enumerate(prose(path.read_text(encoding="utf-8")), start=1):
        text = without_code_spans(line)
        for target in [*LINK.findall(text), *IMAGE.findall(text)]:
            if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):  # http:, https:, mailto:
                continue
            links.append((number, target))
    return links


# --- zones ---------------------------------------------------------------------------------------------------


def test_stack_settings_lists_every_private_dns_zone_the_factory_needs():
    text = page("stack-settings.md")
    zones = CATALOG.zones(LOCATION)
    assert zones, "the catalog names no zones"
    missing = []
    for zone in zones:
        documented = zone.replace(f".{LOCATION}.", ".<region>.")  # the AKS API server zone depends on the region
        if f"`{documented}`" not in text:
            missing.append(documented)
    assert not missing, f"docs/stack-settings.md does not list these zones: {missing}"


def test_the_regional_zone_is_documented_as_a_template_only():
    text = page("stack-settings.md")
    regional = [z for z in CATALOG.zones(LOCATION) if LOCATION in z]
    assert regional == ["privatelink.swedencentral.azmk8s.io"]
    assert "`privatelink.<region>.azmk8s.io`" in text
    assert regional == [z.replace("westeurope", LOCATION) for z in CATALOG.zones("westeurope") if "westeurope" in z]


# --- stack settings -----------------------------------------------------------------------------------------


def _settings_paths(model: type[BaseModel], prefix: str = "") -> list[str]:
    """Every setting of a settings model as a dotted camelCase path, nested settings models included."""
    paths = []
    for name, field in model.model_fields.items():
        key = f"{prefix}{field.alias or to_camel(name)}"
        paths.append(key)
        annotation = field.annotation
        for candidate in getattr(annotation, "__args__", (annotation,)):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                paths.extend(_settings_paths(candidate, f"{key}."))
    return paths


SETTINGS = _settings_paths(EnvironmentSettings)


@pytest.mark.parametrize("path", SETTINGS)
def test_every_stack_setting_is_documented(path: str):
    text = page("stack-settings.md")
    top, _, rest = path.partition(".")
    leaf = path.rsplit(".", 1)[-1]
    if not rest:
        assert f"`{path}`" in text or f"`{path}." in text, f"aifactory:{path} is missing from docs/stack-settings.md"
    else:
        assert f"`{path}`" in text or (f"`{top}`" in text and f"`{leaf}`" in text), (
            f"aifactory:{path} is missing from docs/stack-settings.md"
        )


def test_the_settings_walk_finds_nested_settings():
    assert {"hub.existing.privateDnsZoneIds", "profile.softDeleteDays", "insecure.publicNetworkAccess"} <= set(SETTINGS)


@pytest.mark.parametrize("key", sorted(MOVED_KEYS))
def test_every_moved_or_removed_key_is_explained(key: str):
    text = page("stack-settings.md") + page("project-requests.md")
    assert f"`{key}" in text or f"aifactory:{key}" in text, f"the moved key {key!r} is not explained in the docs"


# --- services -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["services.md", "access-model.md"])
def test_every_catalog_service_is_documented(name: str):
    text = page(name)
    missing = [key for key in CATALOG.services if f"`{key}`" not in text]
    assert not missing, f"docs/{name} does not mention the services {missing}"


def _table_row(text: str, key: str) -> list[str]:
    for line in prose(text):
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells and cells[0].startswith(f"`{key}`"):
            return cells
    raise AssertionError(f"no table row for `{key}`")


def test_services_page_lists_each_services_outputs():
    text = page("services.md")
    for key, spec in CATALOG.services.items():
        row = _table_row(text, key)
        listed = set(re.findall(r"`([A-Za-z]+)`", row[-1]))
        assert listed == set(spec.outputs), f"services.md, {key}: outputs {sorted(listed)} != spec {sorted(spec.outputs)}"


def test_services_page_lists_each_services_zones():
    text = page("services.md")
    for key, spec in CATALOG.services.items():
        row = " ".join(_table_row(text, key))
        for zone in spec.all_zones("<region>"):
            assert zone.replace("<region>", "&lt;region&gt;") in row or zone in row, f"services.md, {key}: zone {zone} missing"


ROLE_NAMES = {
    Role.READER: "Reader",
    Role.STORAGE_BLOB_DATA_CONTRIBUTOR: "Storage Blob Data Contributor",
    Role.STORAGE_BLOB_DATA_READER: "Storage Blob Data Reader",
    Role.KEY_VAULT_SECRETS_OFFICER: "Key Vault Secrets Officer",
    Role.KEY_VAULT_SECRETS_USER: "Key Vault Secrets User",
    Role.AZUREML_DATA_SCIENTIST: "AzureML Data Scientist",
    Role.AZUREML_COMPUTE_OPERATOR: "AzureML Compute Operator",
    Role.AKS_RBAC_WRITER: "Azure Kubernetes Service RBAC Writer",
    Role.AKS_RBAC_READER: "Azure Kubernetes Service RBAC Reader",
    Role.AKS_CLUSTER_USER: "Azure Kubernetes Service Cluster User Role",
    Role.COGNITIVE_SERVICES_OPENAI_USER: "Cognitive Services OpenAI User",
    Role.COGNITIVE_SERVICES_OPENAI_CONTRIBUTOR: "Cognitive Services OpenAI Contributor",
    Role.COGNITIVE_SERVICES_USER: "Cognitive Services User",
    Role.SEARCH_INDEX_DATA_CONTRIBUTOR: "Search Index Data Contributor",
    Role.SEARCH_INDEX_DATA_READER: "Search Index Data Reader",
    Role.ACR_PULL: "AcrPull",
    Role.ACR_PUSH: "AcrPush",
    Role.EVENT_HUBS_DATA_SENDER: "Azure Event Hubs Data Sender",
    Role.EVENT_HUBS_DATA_RECEIVER: "Azure Event Hubs Data Receiver",
    Role.DATA_FACTORY_CONTRIBUTOR: "Data Factory Contributor",
    Role.AZURE_AI_USER: "Azure AI User",
    Role.AZURE_AI_PROJECT_MANAGER: "Azure AI Project Manager",
}


def test_access_model_table_matches_each_services_role_rows():
    text = page("access-model.md")
    for key, spec in CATALOG.services.items():
        row = _table_row(text, key)
        for column, persona in enumerate(Persona, start=1):
            roles = spec.roles.get(persona, ())
            expected = ", ".join(ROLE_NAMES[role] for role in roles) or "-"
            assert row[column] == expected, f"access-model.md, {key}, {persona.value}: {row[column]!r} != {expected!r}"


# --- policies and limits ---------------------------------------------------------------------------------------


def test_every_policy_rule_is_documented_with_its_level():
    text = page("policies.md")
    for rule in [*RESOURCE_RULES, *STACK_RULES]:
        row = _table_row(text, rule.name)
        assert rule.level in row, f"policies.md: {rule.name} is {rule.level} in the code, the docs say {row}"


def test_no_documented_rule_is_gone_from_the_code():
    known = {rule.name for rule in [*RESOURCE_RULES, *STACK_RULES]} | {f"limit-{key}" for key in LIMITS} | {"insecure-overrides"}
    documented = set()
    for line in prose(page("policies.md")):
        match = re.match(r"^\| `([a-z0-9-]+)` \|", line)
        if match:
            documented.add(match.group(1))
    assert documented - known == set()


@pytest.mark.parametrize("key", sorted(LIMITS))
def test_every_limit_is_documented(key: str):
    assert f"`limit-{key}`" in page("policies.md")
    limit = LIMITS[key]
    row = _table_row(page("environments.md"), key)
    assert f"{limit.value:,}" in row, f"environments.md: the {key} limit is {limit.value:,} in the code"


# --- links ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", markdown_files(), ids=lambda p: str(p.relative_to(REPO)))
def test_relative_links_point_to_existing_files(path: Path):
    broken = []
    for number, target in relative_links(path):
        file_part, _, anchor = target.partition("#")
        destination = (path.parent / file_part).resolve() if file_part else path
        if not destination.exists():
            broken.append(f"{path.relative_to(REPO)}:{number}: {target} (no such file)")
        elif anchor and destination.suffix == ".md" and anchor not in anchors(destination):
            broken.append(f"{path.relative_to(REPO)}:{number}: {target} (no heading #{anchor} in {destination.name})")
    assert not broken, "\n".join(broken)


def test_the_link_checker_finds_links_and_skips_code(tmp_path: Path):
    sample = tmp_path / "sample.md"
    sample.write_text(
        "# A title: with `code`\n[ok](sample.md#a-title-with-code) [web](https://example.com)\n"
        "```\n[not a link](nowhere.md)\n```\n`[span](nowhere.md)` [gone](missing.md)\n"
    )
    assert [target for _, target in relative_links(sample)] == ["sample.md#a-title-with-code", "missing.md"]
    assert "a-title-with-code" in anchors(sample)
