"""The component reference (docs/components/*.md) is checked against the code: its examples run, its tables
are the code's.

Every ```python block of a page runs, in page order and in one namespace, inside a Pulumi program under the
offline plan's mocks (:func:`aifactory.tools.plan.record`). The namespace starts with these names, which the
pages' examples may use without defining them (docs/components/README.md lists them too):

==================  ============================================================================================
``subscription_id`` the subscription of the example environment (``3f2c1a9e-8d4b-4c7e-9a51-0b6d2e7f4a10``)
``tenant_id``       the Entra tenant id
``location``        ``"swedencentral"``
``naming``          ``NamingContext(prefix="aif", environment="dev", subscription_id=subscription_id)``
``dns_zone_ids``    every private DNS zone the built-in services use, zone name -> zone id (as a hub exposes them)
``workspace_id``    the id of the environment's Log Analytics workspace
``vnet_id``         the id of project ``churn``'s spoke VNet (its subnets are ``f"{vnet_id}/subnets/snet-<name>"``)
``endpoints``       an ``EndpointPlacement`` in that spoke's ``snet-pep`` subnet, resource group ``rg-aif-churn-dev``
``placement``       a ``ServicePlacement`` for project ``churn`` (``naming``, that resource group, ``endpoints``,
                    ``workspace_id``)
``team``            ``Grantee.entra(<object id>, "Group")``: an Entra group
``workload``        ``Grantee.identity(<principal id>, "identity", subscription_id, "id-aif-churn-workload-dev")``
==================  ============================================================================================

A block that contains a comment line ``# <ErrorClass>: <message>`` must raise that error with that message
(it documents a validation error). What a page's tables say is checked against what its examples registered
and against the code:

- ``| resource | azure-native type | when |``: rows whose ``when`` starts with ``always`` were registered; every
  Azure resource registered under the page's component (the classes its title names) is listed; every listed
  type is registered by some page's examples.
- ``| field | type | default | meaning |`` under a heading naming an Args model or dataclass: exactly its
  fields, ``required`` exactly where a field has no default, and simple defaults spelled as in Python.
- ``| method | role | scope |``: exactly the class's ``grant*`` methods; each is called on the example's
  instance with a fresh grantee and must assign the role the row names.
- ``| output | type | meaning |``: attributes the example's instance has.

Also: every component class (a ``FactoryComponent`` defined in ``aifactory.components``) has a page whose title
names it, every name ``aifactory.components`` exports is mentioned on a page, every page is in the index, and
relative links lead to files and headings that exist. A new page needs an index row, a python example and a
resource table; a new component needs a page.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import inspect
import pkgutil
import re
import sys
import types
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Optional

import pytest
from pydantic import BaseModel

import aifactory.components as components
from aifactory.components.base import FactoryComponent
from aifactory.components.private_endpoint import EndpointPlacement
from aifactory.components.rbac import Grantee
from aifactory.components.service import ServicePlacement
from aifactory.core.naming import NamingContext
from aifactory.services import builtin_catalog
from aifactory.tools.plan import Recording, ownership_problems, record
from tests.conftest import REPO

DOCS = REPO / "docs" / "components"
INDEX = DOCS / "README.md"
NOT_CHECKED = {"README.md", "multi-language.md"}
"""The index (checked separately) and the multi-language page (examples in other languages, owned elsewhere)."""
PAGES = sorted(p.name for p in DOCS.glob("*.md") if p.name not in NOT_CHECKED)

SUBSCRIPTION_ID = "3f2c1a9e-8d4b-4c7e-9a51-0b6d2e7f4a10"
TENANT_ID = "9b3a1c2d-4e5f-4a6b-8c7d-0e1f2a3b4c5d"
LOCATION = "swedencentral"
PROJECT_RG = "rg-aif-churn-dev"
HUB_RG = f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/rg-aif-hub-dev"
VNET_ID = f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{PROJECT_RG}/providers/Microsoft.Network/virtualNetworks/vnet-aif-churn-dev"
WORKSPACE_ID = (
    f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/rg-aif-platform-dev"
    "/providers/Microsoft.OperationalInsights/workspaces/log-aif-dev"
)
TEAM_OBJECT_ID = "6f1d3c2a-9b8e-4f7d-a6c5-0e1f2a3b4c5d"
WORKLOAD_PRINCIPAL_ID = "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"


def preamble() -> dict[str, Any]:
    """The names every example may use (see the module docstring); a fresh namespace for each page."""
    naming = NamingContext(prefix="aif", environment="dev", subscription_id=SUBSCRIPTION_ID)
    zones = {
        zone: f"{HUB_RG}/providers/Microsoft.Network/privateDnsZones/{zone}" for zone in builtin_catalog().zones(LOCATION)
    }
    endpoints = EndpointPlacement(
        subnet_id=f"{VNET_ID}/subnets/snet-pep", resource_group_name=PROJECT_RG, location=LOCATION, dns_zone_ids=zones
    )
    return {
        "subscription_id": SUBSCRIPTION_ID,
        "tenant_id": TENANT_ID,
        "location": LOCATION,
        "naming": naming,
        "dns_zone_ids": zones,
        "workspace_id": WORKSPACE_ID,
        "vnet_id": VNET_ID,
        "endpoints": endpoints,
        "placement": ServicePlacement(
            naming=naming, resource_group_name=PROJECT_RG, endpoints=endpoints, log_analytics_workspace_id=WORKSPACE_ID, project="churn"
        ),
        "team": Grantee.entra(TEAM_OBJECT_ID, "Group"),
        "workload": Grantee.identity(WORKLOAD_PRINCIPAL_ID, "identity", SUBSCRIPTION_ID, "id-aif-churn-workload-dev"),
    }


ROLE_IDS = {
    "Reader": "acdd72a7-3385-48ef-bd42-f606fba81ae7",
    "Network Contributor": "4d97b98b-1d4f-4787-a291-c67834d212e7",
    "Private DNS Zone Contributor": "b12aa53e-6015-4669-85d0-8515ebb3ae7f",
    "Storage Blob Data Owner": "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
    "Storage Blob Data Contributor": "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
    "Storage Blob Data Reader": "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
    "Key Vault Administrator": "00482a5a-887f-4fb3-b363-3b7fe8e74483",
    "Key Vault Secrets Officer": "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
    "Key Vault Secrets User": "4633458b-17de-408a-b874-0445c86b69e6",
    "AzureML Data Scientist": "f6c7c914-8db3-469d-8ca1-694a8f32e121",
    "AzureML Compute Operator": "e503ece1-11d0-4e8e-8e2c-7a6c3bf38815",
    "Azure Kubernetes Service RBAC Writer": "a7ffa36f-339b-4b5c-8bdf-e2c188b2c0eb",
    "Azure Kubernetes Service RBAC Reader": "7f6c6a51-bcf8-42ba-9220-52d62157d7db",
    "Azure Kubernetes Service Cluster User Role": "4abbcc35-e782-43d8-92c5-2d3f1bd2253f",
    "Cognitive Services OpenAI User": "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd",
    "Cognitive Services OpenAI Contributor": "a001fd3d-188f-4b5d-821b-7da978bf7442",
    "Cognitive Services User": "a97b65f3-24c7-4388-baec-2e87135dc908",
    "Search Index Data Contributor": "8ebe5a00-799e-43f5-93ac-243d3dce84a7",
    "Search Index Data Reader": "1407120a-92aa-4202-b7e9-c0e197c71c8f",
    "Search Service Contributor": "7ca78c08-252a-4471-8644-bb5ff32d4ba0",
    "AcrPull": "7f951dda-4ed3-4680-a7ca-43fe172d538d",
    "AcrPush": "8311e382-0749-4cb8-b61a-304f252e45ec",
    "Azure Event Hubs Data Sender": "2b629674-e913-4c01-ae53-ef4638d8f975",
    "Azure Event Hubs Data Receiver": "a638d3c7-ab3a-418d-83e6-5f17a39d4fde",
    "Data Factory Contributor": "673868aa-7521-48a0-acc6-0f60742d39f5",
    "Azure AI User": "53ca6127-db72-4b80-b1b0-d745d6d5456d",
    "Azure AI Project Manager": "eadc314b-1a2d-4efa-be10-5d325db5065e",
    "Cosmos DB Operator": "230815da-be43-4aae-9cb4-875f7bd000aa",
    "Cosmos DB Built-in Data Contributor": "00000000-0000-0000-0000-000000000002",
    "Cosmos DB Built-in Data Reader": "00000000-0000-0000-0000-000000000001",
}
"""Azure's names of the roles the pages name, to their role definition ids."""
ASSIGNMENT_TYPES = ("azure-native:authorization:RoleAssignment", "azure-native:cosmosdb:SqlResourceSqlRoleAssignment")


# --- reading the pages ---------------------------------------------------------------------------------------

FENCE = re.compile(r"^```(\w*)\s*$")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*$")
EXPECTED_ERROR = re.compile(r"^#\s*(\w+Error):\s*(.+?)\s*$", re.MULTILINE)
CODE = re.compile(r"`([^`]+)`")
TYPE_TOKEN = re.compile(r"^azure-native:[A-Za-z0-9]+:[A-Za-z0-9]+$")
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")


@dataclass
class Table:
    heading: str
    header: list[str]
    rows: list[list[str]]


@dataclass
class Page:
    name: str
    title: str
    blocks: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    headings: list[str] = field(default_factory=list)
    prose: str = ""
    """The page without its fenced code blocks."""

    def tables_of(self, first_column: str) -> list[Table]:
        return [t for t in self.tables if t.header and t.header[0].lower() == first_column]


def cells(line: str) -> list[str]:
    return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))]


@functools.cache
def read_page(name: str) -> Page:
    text = (DOCS / name).read_text(encoding="utf-8")
    page = Page(name=name, title="")
    lines = text.splitlines()
    heading, index, prose = "", 0, []
    while index < len(lines):
        line = lines[index]
        fence = FENCE.match(line)
        if fence:
            end = next(i for i in range(index + 1, len(lines)) if lines[i].startswith("```"))
            if fence.group(1) == "python":
                page.blocks.append("\n".join(lines[index + 1 : end]))
            index = end + 1
            continue
        prose.append(line)
        match = HEADING.match(line)
        if match:
            heading = match.group(2)
            page.headings.append(heading)
            if match.group(1) == "#" and not page.title:
                page.title = heading
        elif line.startswith("|"):
            block = []
            while index < len(lines) and lines[index].startswith("|"):
                block.append(lines[index])
                index += 1
            prose.extend(block[1:])
            page.tables.append(Table(heading, cells(block[0]), [cells(row) for row in block[2:]]))
            continue
        index += 1
    page.prose = "\n".join(prose)
    return page


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"`([^`]*)`", r"\1", heading)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    headings, fenced = [], False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and HEADING.match(line):
            headings.append(slug(HEADING.match(line).group(2)))
    return set(headings)


def code_names(text: str) -> list[str]:
    """Identifiers in backticks (``KeyVaultArgs``, ``grant_read(grantee)`` -> ``grant_read``)."""
    return [re.match(r"[\w.]+", span).group(0) for span in CODE.findall(text) if re.match(r"[\w.]+", span)]


# --- what the code defines -----------------------------------------------------------------------------------


def component_modules() -> list[Any]:
    return [
        importlib.import_module(f"aifactory.components.{info.name}")
        for info in pkgutil.iter_modules(components.__path__)
        if not info.name.startswith("_")
    ]


def defined_classes() -> dict[str, type]:
    """Every public class defined in aifactory.components' modules, and every class it exports."""
    found: dict[str, type] = {}
    for module in component_modules():
        for name, value in vars(module).items():
            if inspect.isclass(value) and value.__module__ == module.__name__ and not name.startswith("_"):
                found[name] = value
    for name in components.__all__:
        value = getattr(components, name)
        if inspect.isclass(value):
            found[name] = value
    return found


CLASSES = defined_classes()
COMPONENT_CLASSES = {name: cls for name, cls in CLASSES.items() if issubclass(cls, FactoryComponent)}
"""The Pulumi components: each has a page whose title names it."""


def fields_of(cls: type) -> Optional[dict[str, tuple[bool, Any]]]:
    """field -> (required, default) of a pydantic model or a dataclass; None for other classes."""
    if isinstance(cls, type) and issubclass(cls, BaseModel):
        return {
            name: (info.is_required(), None if info.is_required() else info.get_default(call_default_factory=True))
            for name, info in cls.model_fields.items()
        }
    if dataclasses.is_dataclass(cls):
        result = {}
        for f in dataclasses.fields(cls):
            if f.default is not dataclasses.MISSING:
                result[f.name] = (False, f.default)
            elif f.default_factory is not dataclasses.MISSING:
                result[f.name] = (False, f.default_factory())
            else:
                result[f.name] = (True, None)
        return result
    return None


DOCUMENTED_MODELS = {name: cls for name, cls in CLASSES.items() if fields_of(cls)}
"""Args models, their nested models and the dataclasses of the API: each has a field table."""


def literal(value: Any) -> Optional[str]:
    """How a simple default is written in a field table (Python spelling, double quotes); None if not simple."""
    if isinstance(value, str):
        return f'"{value}"'
    if value is None or isinstance(value, (bool, int, float)):
        return repr(value)
    if isinstance(value, tuple) and all(isinstance(v, (str, int, float)) for v in value):
        inner = ", ".join(literal(v) or "" for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, Mapping) and not value:
        return "{}"
    return None


def owner_of(page: Page, table: Table, candidates: Mapping[str, type]) -> Optional[str]:
    """The class a table is about: named in backticks in its heading, else the first one the title names."""
    for name in code_names(table.heading):
        if name in candidates:
            return name
    titled = title_classes(page)
    return next((name for name in titled if name in candidates), None)


def title_classes(page: Page) -> list[str]:
    return [word for word in re.findall(r"\w+", page.title) if word in COMPONENT_CLASSES]


# --- running a page's examples -------------------------------------------------------------------------------


@dataclass
class Run:
    recording: Recording
    namespace: dict[str, Any]
    errors: list[str]
    """Problems with the expected-error blocks."""
    grants: dict[tuple[str, str], tuple[str, str]]
    """(class, method) -> (grantee principal id, role id the row names)."""


def instances(namespace: Mapping[str, Any], class_name: str) -> list[Any]:
    cls = CLASSES[class_name]
    return [value for key, value in namespace.items() if not key.startswith("__") and isinstance(value, cls)]


def grant_rows(page: Page) -> list[tuple[str, str, str]]:
    """(owner class, method, role cell) of every row of the page's grant tables."""
    rows = []
    for table in page.tables_of("method"):
        owner = owner_of(page, table, CLASSES)
        assert owner, f"{page.name}: grants table under {table.heading!r} names no class"
        for row in table.rows:
            method = code_names(row[0])[0]
            rows.append((owner, method, row[1]))
    return rows


def call_grants(page: Page, namespace: Mapping[str, Any]) -> dict[tuple[str, str], tuple[str, str]]:
    """Call every documented grant method whose row names a role, with a grantee of its own."""
    called = {}
    parents = [v for v in namespace.values() if isinstance(v, FactoryComponent)]
    for owner, method, role in grant_rows(page):
        if role.lower().startswith("any"):
            continue
        assert role in ROLE_IDS, f"{page.name}: {owner}.{method}: unknown role name {role!r}"
        found = instances(namespace, owner)
        assert found, f"{page.name}: the examples make no {owner} to call {method} on"
        principal = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{page.name}/{owner}/{method}"))
        bound = getattr(found[0], method)
        kwargs = {}
        parameter = inspect.signature(bound).parameters.get("parent")
        if parameter is not None and parameter.default is inspect.Parameter.empty:
            kwargs["parent"] = parents[0]
        bound(Grantee.entra(principal, "Group"), **kwargs)
        called[(owner, method)] = (principal, ROLE_IDS[role])
    return called


@functools.cache
def run_page(name: str) -> Run:
    page = read_page(name)
    # a real module, so that classes an example defines resolve their annotations (pydantic looks them up there)
    module = types.ModuleType("component_docs_" + re.sub(r"\W", "_", name))
    sys.modules[module.__name__] = module
    namespace = module.__dict__
    namespace.update(preamble())
    errors: list[str] = []
    grants: dict[tuple[str, str], tuple[str, str]] = {}

    def program() -> None:
        for number, block in enumerate(page.blocks, start=1):
            code = compile(block, f"{name}[python block {number}]", "exec")
            expected = EXPECTED_ERROR.search(block)
            if expected is None:
                exec(code, namespace)
                continue
            try:
                exec(code, namespace)
            except Exception as error:  # noqa: BLE001 (the block says which error it expects)
                said, message = " ".join(str(error).split()), " ".join(expected.group(2).split())
                if type(error).__name__ != expected.group(1) or message not in said:
                    errors.append(f"block {number}: expected {expected.group(1)}: {message}; got {type(error).__name__}: {said}")
            else:
                errors.append(f"block {number}: expected {expected.group(1)}, nothing was raised")
        grants.update(call_grants(page, namespace))

    recording = record(program, subscription_id=SUBSCRIPTION_ID, tenant_id=TENANT_ID, location=LOCATION)
    return Run(recording, namespace, errors, grants)


def created_rows(page: Page) -> list[tuple[str, str]]:
    """(type token, when) of the page's resource tables."""
    rows = []
    for table in page.tables:
        if len(table.header) > 1 and table.header[1].lower() == "azure-native type":
            for row in table.rows:
                for token in CODE.findall(row[1]):
                    rows.append((token, row[-1]))
    return rows


def descendants(recording: Recording, root_urns: set[str]) -> list[Any]:
    children: dict[str, list[Any]] = {}
    for resource in recording.resources:
        if resource.parent:
            children.setdefault(resource.parent, []).append(resource)
    found, todo = [], list(root_urns)
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child.urn)
    return found


# --- the tests -----------------------------------------------------------------------------------------------


def test_the_index_lists_every_page_and_every_page_exists():
    index = read_page("README.md")
    linked = {target for table in index.tables for row in table.rows for target in re.findall(r"\]\(([^)#]+)\)", " ".join(row))}
    assert sorted(set(PAGES) - linked) == [], "pages missing from the index"
    for target in linked:
        assert (DOCS / target).is_file(), target


@pytest.mark.parametrize("name", ["README.md", *PAGES])
def test_relative_links_lead_to_files_and_headings_that_exist(name: str):
    broken = []
    for target in LINK.findall(read_page(name).prose):
        if re.match(r"^[a-z]+:", target):
            continue
        file, _, anchor = target.partition("#")
        path = (DOCS / file).resolve() if file else DOCS / name
        if not path.exists():
            broken.append(target)
        elif anchor and path.suffix == ".md" and anchor not in anchors(path):
            broken.append(target)
    assert broken == []


def test_the_index_documents_the_names_examples_may_use():
    index = INDEX.read_text(encoding="utf-8")
    missing = [name for name in preamble() if f"`{name}`" not in index]
    assert missing == []


def test_every_component_class_has_a_page_whose_title_names_it():
    titled = {name for page in PAGES for name in title_classes(read_page(page))}
    assert sorted(set(COMPONENT_CLASSES) - titled) == []
    index = INDEX.read_text(encoding="utf-8")
    assert [name for name in COMPONENT_CLASSES if f"`{name}`" not in index and name not in index] == []


def test_every_exported_name_is_documented():
    mentioned = {name for page in PAGES for name in code_names(read_page(page).prose)}
    mentioned |= {name.rsplit(".", 1)[-1] for name in mentioned}
    assert sorted(set(components.__all__) - mentioned) == []


@pytest.mark.parametrize("model", sorted(DOCUMENTED_MODELS))
def test_field_tables_are_the_fields_and_defaults_of_the_code(model: str):
    tables = [
        (page, table)
        for page in PAGES
        for table in read_page(page).tables_of("field")
        if owner_of(read_page(page), table, DOCUMENTED_MODELS) == model and model in code_names(table.heading)
    ]
    assert len(tables) == 1, f"{model}: expected one field table under a heading naming `{model}`, found {len(tables)}"
    page, table = tables[0]
    actual = fields_of(DOCUMENTED_MODELS[model])
    assert actual is not None
    documented = {code_names(row[0])[0]: row for row in table.rows}
    assert sorted(documented) == sorted(actual), f"{page}: {model}"
    for name, (required, default) in actual.items():
        cell = documented[name][2]
        if required:
            assert cell == "required", f"{page}: {model}.{name} is required, the table says {cell!r}"
            continue
        assert cell and cell != "required", f"{page}: {model}.{name} has a default"
        spelled = literal(default)
        if spelled is not None:
            assert f"`{spelled}`" in cell, f"{page}: {model}.{name} defaults to {spelled}, the table says {cell!r}"


@pytest.mark.parametrize("name", PAGES)
def test_the_examples_run_and_register_what_the_page_says(name: str):
    page = read_page(name)
    assert page.blocks, f"{name} has no python example"
    run = run_page(name)
    assert run.errors == []
    registered = {r.type for r in run.recording.resources if r.custom}
    rows = created_rows(page)
    assert rows, f"{name} has no | resource | azure-native type | when | table"
    assert all(TYPE_TOKEN.match(token) for token, _ in rows), rows
    always = {token for token, when in rows if when.lower().startswith("always")}
    assert sorted(always - registered) == [], f"{name}: listed as always created but not registered by its examples"

    listed = {token for token, _ in rows}
    roots = set()
    for class_name in title_classes(page):
        for instance in instances(run.namespace, class_name):
            roots |= {r.urn for r in run.recording.resources if r.type == instance._type and r.name == instance._name}
    if title_classes(page):
        assert roots, f"{name}: the examples make none of {title_classes(page)}"
    unlisted = {r.type for r in descendants(run.recording, roots) if r.custom} - listed
    assert sorted(unlisted) == [], f"{name}: registered under its component but not in its resource table"
    assert ownership_problems(run.recording.resources) == []


@pytest.mark.parametrize("name", PAGES)
def test_grant_tables_name_the_roles_the_methods_assign(name: str):
    page = read_page(name)
    rows = grant_rows(page)
    by_owner: dict[str, set[str]] = {}
    for owner, method, _ in rows:
        by_owner.setdefault(owner, set()).add(method)
    for class_name in title_classes(page):
        if any(m.startswith("grant") for m in dir(CLASSES[class_name])):
            assert class_name in by_owner, f"{name}: no grants table for {class_name}"
    for owner, methods in by_owner.items():
        actual = {m for m in dir(CLASSES[owner]) if m.startswith("grant") and callable(getattr(CLASSES[owner], m))}
        assert methods == actual, f"{name}: {owner}"
    run = run_page(name)
    assignments = [r.inputs for r in run.recording.resources if r.type in ASSIGNMENT_TYPES]
    for (owner, method), (principal, role_id) in run.grants.items():
        made = [a for a in assignments if a.get("principalId") == principal]
        assert len(made) == 1, f"{name}: {owner}.{method} made {len(made)} assignments"
        assert str(made[0]["roleDefinitionId"]).endswith(f"/{role_id}"), f"{name}: {owner}.{method}"


@pytest.mark.parametrize("name", PAGES)
def test_output_tables_name_attributes_of_the_components(name: str):
    page = read_page(name)
    run = run_page(name)
    for table in page.tables_of("output"):
        owner = owner_of(page, table, CLASSES)
        assert owner, f"{name}: outputs table under {table.heading!r} names no class"
        found = instances(run.namespace, owner)
        assert found, f"{name}: the examples make no {owner}"
        for row in table.rows:
            attribute = code_names(row[0])[0]
            assert hasattr(found[0], attribute), f"{name}: {owner} has no {attribute!r}"


def test_every_documented_resource_type_is_registered_by_some_example():
    registered = {r.type for page in PAGES for r in run_page(page).recording.resources if r.custom}
    listed = {token for page in PAGES for token, _ in created_rows(read_page(page))}
    assert sorted(listed - registered) == []
