"""The service catalog and the project types built from it: composition, the nested contract, role rows at the
narrowest scope, service settings in layers, profiles, split stacks, and plug-ins through entry points."""

from __future__ import annotations

import uuid
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aifactory.core.access import PRIVILEGED_ROLES, Persona, Role
from aifactory.core.errors import FactoryError, PluginError
from aifactory.core.factory import load_factory
from aifactory.core.spec import Catalog, Inclusion, ProjectTypeSpec, Wiring
from aifactory.services import BUILTIN_SERVICES, builtin_catalog, load_catalog
from aifactory.services.types import ESML
from aifactory.tools.cli import app
from aifactory.tools.plan import MOCK_NAMESPACE, Plan, run_plan
from tests.conftest import REPO, load_yaml, write_yaml

OWNERS = "6f1d3c2a-9b8e-4f7d-a6c5-0e1f2a3b4c5d"  # churn-prediction owners group
MEMBERS = "2a7b9c1d-3e4f-4a5b-8c6d-7e8f9a0b1c2d"
READER = "9d8c7b6a-5f4e-4d3c-b2a1-0f9e8d7c6b5a"
MEMBERS_STREAMING = "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b"  # telemetry-stream's member (AcrPull by the registry's row)


@pytest.fixture(scope="module")
def plans() -> dict[str, Plan]:
    return {env: run_plan(REPO, env) for env in ("dev", "test", "prod")}


def components_of(plan: Plan, project: str) -> set[str]:
    owner = plan.project_of()
    return {r.type for r in plan.resources if not r.custom and owner[r.urn] == project and r.name != project}


FOUNDATION = {"aifactory:network:ProjectSpoke", "aifactory:data:LakeArea", "aifactory:governance:Budget", "aifactory:network:PrivateEndpoint"}
EXPECTED_COMPONENTS = {
    "churn-prediction": FOUNDATION | {
        "aifactory:security:KeyVault", "aifactory:ml:MachineLearningWorkspace", "aifactory:data:DatabricksWorkspace",
        "aifactory:data:DataFactory", "aifactory:containers:ContainerRegistry",
    },
    "support-copilot": FOUNDATION | {
        "aifactory:security:KeyVault", "aifactory:ai:FoundryProject", "aifactory:ai:AgentService", "aifactory:ai:AiSearch",
        "aifactory:data:CosmosDb",
    },
    "telemetry-stream": FOUNDATION | {
        "aifactory:security:KeyVault", "aifactory:streaming:EventHubs", "aifactory:data:DatabricksWorkspace",
        "aifactory:containers:AksCluster", "aifactory:containers:ContainerRegistry",
    },
}
ENABLED = [("dev", "churn-prediction"), ("dev", "support-copilot"), ("dev", "telemetry-stream"),
           ("test", "churn-prediction"), ("test", "support-copilot"), ("prod", "churn-prediction")]


@pytest.mark.parametrize("env, project", ENABLED)
def test_each_type_composes_its_components_in_every_environment(plans, env, project):
    assert components_of(plans[env], project) == EXPECTED_COMPONENTS[project]
    assert set(plans[env].projects) == {p for e, p in ENABLED if e == env}


def test_every_project_exports_the_contract_with_outputs_nested_per_service(plans):
    catalog = builtin_catalog()
    foundation = {"type", "cidr", "subscriptionId", "resourceGroup", "vnetId", "lakeAreaUrl", "workloadIdentity", "actionGroupId", "services"}
    for env, plan in plans.items():
        for name, outputs in plan.outputs["projects"].items():
            assert set(outputs) == foundation, (env, name)
            assert set(outputs["services"]) == set(plan.projects[name]["services"])
            for key, values in outputs["services"].items():
                assert set(values) == set(catalog.services[key].outputs), (name, key)
            assert outputs["lakeAreaUrl"] == f"abfss://prj-{name}@{plan.outputs['lakeAccountName']}.dfs.core.windows.net/"
            assert outputs["workloadIdentity"]["clientId"] and outputs["services"]["keyvault"]["uri"].startswith("https://kv-")
    copilot = plans["dev"].outputs["projects"]["support-copilot"]["services"]
    assert copilot["foundry"]["projectEndpoint"].startswith("https://aif-aif-support-copilot-dev-")
    assert copilot["agents"]["capabilityHost"] == "agents"


def assignments(plan: Plan) -> list[dict]:
    return [r.inputs for r in plan.custom_resources if r.type == "azure-native:authorization:RoleAssignment"]


def roles_of(plan: Plan, principal: str) -> set[tuple[str, str]]:
    """(role GUID, last two scope segments) for a principal."""
    return {
        (a["roleDefinitionId"].rsplit("/", 1)[-1], "/".join(a["scope"].split("/")[-2:]))
        for a in assignments(plan)
        if a["principalId"] == principal
    }


def test_role_assignments_follow_each_services_rows_at_the_narrowest_scope(plans):
    plan = plans["dev"]
    owners = roles_of(plan, OWNERS)
    assert (Role.STORAGE_BLOB_DATA_CONTRIBUTOR.value, "containers/prj-churn-prediction") in owners
    assert (Role.STORAGE_BLOB_DATA_READER.value, "containers/shared-master") in owners
    assert (Role.KEY_VAULT_SECRETS_OFFICER.value, "vaults/kv-aif-churn-pr-898b7623") in owners
    assert (Role.AZUREML_COMPUTE_OPERATOR.value, "workspaces/mlw-aif-churn-prediction-dev") in owners
    members = roles_of(plan, MEMBERS)
    assert (Role.KEY_VAULT_SECRETS_USER.value, "vaults/kv-aif-churn-pr-898b7623") in members
    assert not any(role == Role.KEY_VAULT_SECRETS_OFFICER.value for role, _ in members)
    readers = roles_of(plan, READER)
    assert {role for role, _ in readers} == {Role.STORAGE_BLOB_DATA_READER.value, Role.READER.value}
    assert all(a["principalType"] in ("User", "Group", "ServicePrincipal") for a in assignments(plan))
    copilot_owners = roles_of(plan, "1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e")
    assert (Role.AZURE_AI_PROJECT_MANAGER.value, "projects/proj-aif-support-copilot-dev") in copilot_owners
    copilot_members = roles_of(plan, "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f")
    assert (Role.AZURE_AI_USER.value, "projects/proj-aif-support-copilot-dev") in copilot_members


def test_nobody_gets_privileged_roles_and_names_are_unique(plans):
    for plan in plans.values():
        names = [a["roleAssignmentName"] for a in assignments(plan)]
        assert len(names) == len(set(names))
        assert not any(a["roleDefinitionId"].rsplit("/", 1)[-1] in PRIVILEGED_ROLES for a in assignments(plan))
    for spec in BUILTIN_SERVICES:
        for roles in spec.roles.values():
            assert not {r.value for r in roles} & PRIVILEGED_ROLES, spec.key


def test_workload_identity_gets_the_rows_of_its_services_and_the_wiring_only(plans):
    from aifactory.core.access import LAKE_ROLES, SHARED_LAKE_ROLES

    plan = plans["dev"]
    workload = plan.outputs["projects"]["churn-prediction"]["workloadIdentity"]["principalId"]
    roles = {role for role, _ in roles_of(plan, workload)}
    catalog = builtin_catalog()
    expected = {r.value for r in (*LAKE_ROLES[Persona.WORKLOAD], *SHARED_LAKE_ROLES[Persona.WORKLOAD])}
    expected |= {r.value for key in plan.projects["churn-prediction"]["services"] for r in catalog.services[key].roles.get(Persona.WORKLOAD, ())}
    assert roles == expected


def test_declared_wiring_is_applied(plans):
    plan = plans["dev"]
    registry = next(r for r in plan.custom_resources if r.type == "azure-native:containerregistry:Registry" and "telemetry" in r.inputs["registryName"])
    pulls = [a for a in assignments(plan) if a["scope"] == registry.id and a["roleDefinitionId"].endswith(Role.ACR_PULL.value)]
    cluster = next(r for r in plan.custom_resources if r.type == "azure-native:containerservice:ManagedCluster")
    kubelet = str(uuid.uuid5(MOCK_NAMESPACE, f"kubelet|{cluster.id}"))  # what the mocks answer as its kubelet identity
    assert sorted(a["principalId"] for a in pulls) == sorted([kubelet, MEMBERS_STREAMING])


def test_budgets_alert_owners_through_a_project_action_group(plans):
    plan = plans["dev"]
    budgets = {r.inputs["budgetName"]: r.inputs for r in plan.custom_resources if r.type == "azure-native:consumption:Budget"}
    churn = budgets["budget-aif-churn-prediction-dev"]
    assert churn["amount"] == 3000 and churn["timeGrain"] == "Monthly" and churn["category"] == "Cost"
    assert churn["scope"].endswith("/resourceGroups/rg-aif-churn-prediction-dev")
    assert set(churn["notifications"]) == {"actual-50", "actual-80", "actual-100", "forecasted-100"}
    assert set(churn["notifications"]["actual-80"]["contactEmails"]) == {"churn-owners@contoso.example", "finance-ai@contoso.example"}
    groups = [r.inputs for r in plan.custom_resources if r.type == "azure-native:monitor:ActionGroup"]
    assert len(groups) == len(budgets) == 3
    assert all(len(g["groupShortName"]) <= 12 for g in groups)


def test_prod_profile_hardens_stateful_resources(plans):
    prod, dev = plans["prod"], plans["dev"]
    for plan, protected in ((prod, True), (dev, False)):
        vaults = [r for r in plan.custom_resources if r.type == "azure-native:keyvault:Vault"]
        assert vaults and all(r.protect is protected for r in vaults)
    locks = [r for r in prod.custom_resources if r.type == "azure-native:authorization:ManagementLockByScope"]
    assert len(locks) == 3  # lake, project key vault, AML storage
    workspace = next(r for r in prod.custom_resources if r.type == "azure-native:operationalinsights:Workspace")
    assert workspace.inputs["retentionInDays"] == 180


def test_service_settings_come_in_layers(factory_dir: Path):
    """Catalog defaults per environment, then the stack's aifactory:services, then the request, then its environment."""
    path = factory_dir / "projects" / "telemetry-stream.yaml"
    data = load_yaml(path)
    data["services"]["aks"] = {"userMaxNodes": 7}
    data["environments"]["dev"]["services"] = {"aks": {"systemMinNodes": 2}}
    write_yaml(path, data)
    catalog = load_catalog()
    factory = load_factory(factory_dir, "dev", catalog=catalog, overrides={"services": '{"aks": {"tier": "Premium", "userMaxNodes": 4}}'})
    aks = factory.project("telemetry-stream").settings["aks"]
    assert (aks.user_max_nodes, aks.system_min_nodes, aks.tier) == (7, 2, "Premium")
    plain = load_factory(REPO, "prod", catalog=catalog)
    assert plain.project("churn-prediction").settings["aml"].max_nodes == 10  # the prod default


@pytest.mark.parametrize(
    "services, field, message",
    [
        ({"aks": {"userMaxNodes": "many"}}, "services.aks.userMaxNodes", "valid integer"),
        ({"aks": {"podCidr": "10.64.0.0/16"}}, "services.aks.podCidr", "overlaps the addressPool"),
        ({"aks": {"podCidr": "10.66.0.0/16"}}, "services.aks.podCidr", "overlaps the address pool of stack 'prod'"),
        ({"eventhubs": {"hubs": [{"name": "a"}, {"name": "A"}]}}, "services.eventhubs.hubs", "listed twice"),
        ({"foundry": {}}, "services.foundry", "project type 'streaming' has no service 'foundry'"),
    ],
)
def test_bad_service_settings_are_located(factory_dir: Path, services, field, message):
    path = factory_dir / "projects" / "telemetry-stream.yaml"
    data = load_yaml(path)
    data["services"] = {**data["services"], **services}
    write_yaml(path, data)
    with pytest.raises(FactoryError) as raised:
        load_factory(factory_dir, "dev", catalog=load_catalog())
    problem = next(p for p in raised.value.problems if p.field and p.field.startswith(field))
    assert problem.file == str(path) and message in problem.message


def test_an_unknown_service_in_the_stack_file_is_located(factory_dir: Path):
    with pytest.raises(FactoryError) as raised:
        load_factory(factory_dir, "dev", catalog=load_catalog(), overrides={"services": '{"quantum": {}}'})
    assert raised.value.problems[0].field == "services.quantum" and "unknown service 'quantum'" in raised.value.message


def test_split_scopes_add_up_to_the_whole(factory_dir: Path):
    def key(r):
        return (r.type, r.name, repr(sorted(r.inputs.items())), r.protect)

    whole = run_plan(factory_dir, "dev")
    parts = [run_plan(factory_dir, "dev", overrides={"scope": "platform"})]
    parts += [run_plan(factory_dir, "dev", overrides={"scope": f"project:{name}"}) for name in whole.projects]
    assert Counter(key(r) for p in parts for r in p.custom_resources) == Counter(key(r) for r in whole.custom_resources)
    assert parts[0].projects == {} and all(len(p.projects) == 1 for p in parts[1:])


def test_stacks_command_lists_platform_first(factory_dir: Path):
    import json

    result = CliRunner().invoke(app, ["stacks", "--env", "dev", "--dir", str(factory_dir), "--json"])
    assert result.exit_code == 0, result.output
    stacks = json.loads(result.output)
    assert stacks[0] == {"stack": "dev-platform", "environment": "dev", "scope": "platform", "project": None, "type": None, "retiring": False}
    assert [s["stack"] for s in stacks[1:]] == ["dev-churn-prediction", "dev-support-copilot", "dev-telemetry-stream"]


def test_optional_services_can_be_switched_off_and_on(factory_dir: Path):
    path = factory_dir / "projects" / "churn-prediction.yaml"
    data = load_yaml(path)
    data["environments"]["dev"]["services"] = {"databricks": False, "datafactory": False}
    write_yaml(path, data)
    plan = run_plan(factory_dir, "dev", overrides={"scope": "project:churn-prediction"})
    types = {r.type for r in plan.custom_resources}
    assert "azure-native:databricks:Workspace" not in types and "azure-native:datafactory:Factory" not in types
    assert "azure-native:machinelearningservices:Workspace" in types
    copilot = factory_dir / "projects" / "support-copilot.yaml"
    data = load_yaml(copilot)
    data["environments"]["dev"]["services"] = {"search": True}
    write_yaml(copilot, data)
    assert "search" in load_factory(factory_dir, "dev", catalog=load_catalog()).project("support-copilot").services


@pytest.mark.parametrize(
    "stack, overrides, field, message",
    [
        ("prod", {"insecure.publicNetworkAccess": "true"}, "insecure", "not allowed in prod"),
        ("prod", {"profile.protectStateful": "false"}, "profile.protectStateful", "cannot be weakened in prod"),
        ("prod", {"profile.softDeleteDays": "3"}, "profile.softDeleteDays", "cannot be weakened"),
        ("dev", {"profile.colour": "blue"}, "profile.colour", "unknown key"),
        ("dev", {"profile.searchSku": "basic"}, "profile.searchSku", "moved to aifactory:services.search.sku"),
        ("dev", {"scope": "project:nope-project"}, "scope", "not recorded in dev"),
        ("dev", {"scope": "everything"}, "scope", "String should match pattern"),
    ],
)
def test_refused_profiles_and_scopes(factory_dir: Path, stack, overrides, field, message):
    with pytest.raises(FactoryError) as raised:
        load_factory(factory_dir, stack, catalog=load_catalog(), overrides=overrides)
    assert raised.value.field == field and message in raised.value.message
    assert raised.value.file == "--config"


def test_insecure_options_are_allowed_in_dev_and_visible(factory_dir: Path):
    plan = run_plan(factory_dir, "dev", overrides={"insecure.publicNetworkAccess": "true", "scope": "platform"})
    account = next(r for r in plan.custom_resources if r.type == "azure-native:storage:StorageAccount")
    assert account.inputs["publicNetworkAccess"] == "Enabled"
    assert account.inputs["allowSharedKeyAccess"] is False  # still Entra-only


def test_profile_overrides_apply_in_dev(factory_dir: Path):
    factory = load_factory(factory_dir, "dev", catalog=load_catalog(), overrides={"profile.logRetentionDays": "90", "profile.storageSku": "Standard_ZRS"})
    assert factory.profile.log_retention_days == 90 and factory.profile.storage_sku == "Standard_ZRS"


def test_the_catalog_checks_itself():
    catalog = builtin_catalog()
    broken_type = ProjectTypeSpec(
        name="broken", description="x", subnets=ESML.subnets,
        services={"aml": Inclusion.DEFAULT, "aks": Inclusion.DEFAULT},
        wiring=(Wiring("aks", "nobody", "registry", Role.ACR_PULL, "x"),),
    )
    with pytest.raises(PluginError) as raised:
        Catalog(services=catalog.services, types={**catalog.types, "broken": broken_type})
    text = str(raised.value)
    assert "service 'aml' needs 'keyvault', which the type lacks" in text
    assert "service 'aks' needs subnet(s) ['aks'] in the template" in text
    assert "wiring names service 'registry', which the type lacks" in text
    assert "exposes no identity 'nobody'" in text


def test_every_spec_names_outputs_roles_and_policies():
    from aifactory.core.policies import RESOURCE_RULES

    covered = {t for rule in RESOURCE_RULES for t in rule.types}
    for spec in BUILTIN_SERVICES:
        assert spec.outputs and spec.resource_types, spec.key
        assert set(spec.diagnosed_types) <= set(spec.resource_types), spec.key
        main = spec.resource_types[0]
        assert main in covered, f"{spec.key}: no policy rule covers {main}"


class FakeEntryPoint:
    def __init__(self, name: str, value, group: str, fail: Exception | None = None) -> None:
        self.name, self.value, self.group, self._value, self._fail = name, f"pkg.module:{name}", group, value, fail
        self.dist = type("Dist", (), {"name": "contoso-plugin"})()

    def load(self):
        if self._fail is not None:
            raise self._fail
        return self._value


def test_plugins_register_services_and_types_through_entry_points(monkeypatch):
    from dataclasses import replace

    vision = replace(builtin_catalog().services["aiservices"], key="vision", abbreviation="vis")
    kind = ProjectTypeSpec(name="vision", description="vision", subnets=ESML.subnets, services={"keyvault": Inclusion.REQUIRED, "vision": Inclusion.DEFAULT})
    points = {"aifactory.services": [FakeEntryPoint("vision", lambda: vision, "aifactory.services")],
              "aifactory.project_types": [FakeEntryPoint("vision", kind, "aifactory.project_types")]}
    monkeypatch.setattr("aifactory.services.entry_points", lambda group: points[group])
    catalog = load_catalog()
    assert catalog.services["vision"] is vision and catalog.types["vision"] is kind
    assert "privatelink.openai.azure.com" in catalog.spoke_zones({"vision"})


def test_a_broken_plugin_is_a_located_error_naming_package_and_entry_point(monkeypatch):
    points = {
        "aifactory.services": [FakeEntryPoint("ocr", None, "aifactory.services", fail=ImportError("No module named 'cv2'"))],
        "aifactory.project_types": [FakeEntryPoint("esml", ESML, "aifactory.project_types")],
    }
    monkeypatch.setattr("aifactory.services.entry_points", lambda group: points[group])
    with pytest.raises(PluginError) as raised:
        load_catalog()
    text = str(raised.value)
    assert "entry point 'ocr' (pkg.module:ocr) of package contoso-plugin failed to load: ImportError: No module named 'cv2'" in text
    assert "project type 'esml' from a plug-in is already registered" in text
