"""Project types, environment profiles, access model, budgets and split stacks."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aifactory.core.access import PRIVILEGED_ROLES, ROLE_MATRIX, Persona, Role
from aifactory.tools.cli import app
from aifactory.core.errors import FactoryError
from aifactory.core.factory import load_factory
from aifactory.tools.plan import Plan, run_plan
from aifactory.project_types import ProjectType, load_registry
from aifactory.project_types.compose import CONTRACT_KEYS
from aifactory.subnet_templates import ESML_SUBNETS
from tests.conftest import load_yaml, write_yaml

REPO = Path(__file__).resolve().parent.parent
OWNERS = "6f1d3c2a-9b8e-4f7d-a6c5-0e1f2a3b4c5d"  # churn-prediction owners group
MEMBERS = "2a7b9c1d-3e4f-4a5b-8c6d-7e8f9a0b1c2d"
READER = "9d8c7b6a-5f4e-4d3c-b2a1-0f9e8d7c6b5a"


@pytest.fixture(scope="module")
def plans() -> dict[str, Plan]:
    return {env: run_plan(REPO, env) for env in ("dev", "test", "prod")}


def components_of(plan: Plan, project: str) -> Counter:
    owner = plan.project_of()
    return Counter(r.type for r in plan.resources if not r.custom and owner[r.urn] == project and r.name != project)


EXPECTED_COMPONENTS = {
    "churn-prediction": {
        "aifactory:network:ProjectSpoke", "aifactory:data:LakeArea", "aifactory:security:KeyVault",
        "aifactory:ml:MachineLearningWorkspace", "aifactory:data:DatabricksWorkspace", "aifactory:data:DataFactory",
        "aifactory:governance:Budget", "aifactory:containers:ContainerRegistry", "aifactory:network:PrivateEndpoint",
    },
    "support-copilot": {
        "aifactory:network:ProjectSpoke", "aifactory:data:LakeArea", "aifactory:security:KeyVault",
        "aifactory:ai:AiServices", "aifactory:ai:AiSearch", "aifactory:ml:MachineLearningWorkspace",
        "aifactory:governance:Budget", "aifactory:containers:ContainerRegistry", "aifactory:network:PrivateEndpoint",
    },
    "telemetry-stream": {
        "aifactory:network:ProjectSpoke", "aifactory:data:LakeArea", "aifactory:security:KeyVault",
        "aifactory:streaming:EventHubs", "aifactory:data:DatabricksWorkspace", "aifactory:containers:AksCluster",
        "aifactory:containers:ContainerRegistry", "aifactory:governance:Budget", "aifactory:network:PrivateEndpoint",
    },
}


ENABLED = [("dev", "churn-prediction"), ("dev", "support-copilot"), ("dev", "telemetry-stream"),
           ("test", "churn-prediction"), ("test", "support-copilot"), ("prod", "churn-prediction")]


@pytest.mark.parametrize("env, project", ENABLED)
def test_each_type_composes_its_components_in_every_environment(plans, env, project):
    assert set(components_of(plans[env], project)) == EXPECTED_COMPONENTS[project]
    assert set(plans[env].projects) == {p for e, p in ENABLED if e == env}


def test_every_project_exports_the_same_contract(plans):
    for env, plan in plans.items():
        for name, outputs in plan.outputs["projects"].items():
            assert set(outputs) == set(CONTRACT_KEYS), (env, name)
            assert outputs["lakeAreaUrl"] == f"abfss://prj-{name}@{plan.outputs['lakeAccountName']}.dfs.core.windows.net/"
            assert outputs["workloadIdentityClientId"] and outputs["keyVaultUri"].startswith("https://kv-")
    copilot = plans["dev"].outputs["projects"]["support-copilot"]
    assert copilot["aiServicesEndpoint"].startswith("https://ais-") and copilot["aksClusterId"] is None


def assignments(plan: Plan) -> list[dict]:
    return [r.inputs for r in plan.custom_resources if r.type == "azure-native:authorization:RoleAssignment"]


def roles_of(plan: Plan, principal: str) -> set[tuple[str, str]]:
    """(role GUID, last two scope segments) for a principal."""
    return {
        (a["roleDefinitionId"].rsplit("/", 1)[-1], "/".join(a["scope"].split("/")[-2:]))
        for a in assignments(plan)
        if a["principalId"] == principal
    }


def test_role_assignments_follow_the_matrix_at_the_narrowest_scope(plans):
    plan = plans["dev"]
    owners = roles_of(plan, OWNERS)
    assert (Role.STORAGE_BLOB_DATA_CONTRIBUTOR.value, "containers/prj-churn-prediction") in owners
    assert (Role.STORAGE_BLOB_DATA_READER.value, "containers/shared-master") in owners
    assert (Role.KEY_VAULT_SECRETS_OFFICER.value, "vaults/kv-aif-churn-predic-898b") in owners
    assert (Role.AZUREML_COMPUTE_OPERATOR.value, "workspaces/mlw-aif-churn-prediction-dev") in owners
    members = roles_of(plan, MEMBERS)
    assert (Role.KEY_VAULT_SECRETS_USER.value, "vaults/kv-aif-churn-predic-898b") in members
    assert not any(role == Role.KEY_VAULT_SECRETS_OFFICER.value for role, _ in members)
    readers = roles_of(plan, READER)
    assert {role for role, _ in readers} == {Role.STORAGE_BLOB_DATA_READER.value, Role.READER.value}
    assert all(a["principalType"] in ("User", "Group", "ServicePrincipal") for a in assignments(plan))


def test_nobody_gets_privileged_roles_and_names_are_unique(plans):
    for plan in plans.values():
        names = [a["roleAssignmentName"] for a in assignments(plan)]
        assert len(names) == len(set(names))
        assert not any(a["roleDefinitionId"].rsplit("/", 1)[-1] in PRIVILEGED_ROLES for a in assignments(plan))
    for service, personas in ROLE_MATRIX.items():
        for roles in personas.values():
            assert not {r.value for r in roles} & PRIVILEGED_ROLES, service


def test_workload_identity_gets_data_roles_only(plans):
    plan = plans["dev"]
    workload = plan.outputs["projects"]["churn-prediction"]["workloadIdentityPrincipalId"]
    roles = {role for role, _ in roles_of(plan, workload)}
    expected = {r.value for service in ("lake", "lake-shared", "keyvault", "aml") for r in ROLE_MATRIX[service].get(Persona.WORKLOAD, ())}
    assert roles == expected


def test_budgets_alert_owners_through_a_project_action_group(plans):
    plan = plans["dev"]
    budgets = {r.inputs["budgetName"]: r.inputs for r in plan.custom_resources if r.type == "azure-native:consumption:Budget"}
    churn = budgets["budget-aif-churn-prediction-dev"]
    assert churn["amount"] == 3000 and churn["timeGrain"] == "Monthly" and churn["category"] == "Cost"
    assert churn["scope"].endswith("/resourceGroups/rg-aif-churn-prediction-dev")
    assert set(churn["notifications"]) == {"actual-50", "actual-80", "actual-100", "forecasted-100"}
    assert churn["notifications"]["forecasted-100"]["thresholdType"] == "Forecasted"
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


def test_profile_values_reach_the_services(plans):
    search = next(r for r in plans["test"].custom_resources if r.type == "azure-native:search:Service")
    assert search.inputs["sku"] == {"name": "standard"}
    dev_search = next(r for r in plans["dev"].custom_resources if r.type == "azure-native:search:Service")
    assert dev_search.inputs["sku"] == {"name": "basic"}
    cluster = next(r for r in plans["dev"].custom_resources if r.type == "azure-native:containerservice:ManagedCluster")
    pools = {p["name"]: p for p in cluster.inputs["agentPoolProfiles"]}
    assert pools["user"]["maxCount"] == 3


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
    assert stacks[0] == {"stack": "dev-platform", "environment": "dev", "scope": "platform", "project": None, "type": None}
    assert [s["stack"] for s in stacks[1:]] == ["dev-churn-prediction", "dev-support-copilot", "dev-telemetry-stream"]


def test_optional_services_can_be_switched_off(factory_dir: Path):
    path = factory_dir / "projects" / "churn-prediction.yaml"
    data = load_yaml(path)
    data["environments"]["dev"]["services"] = {"databricks": False, "datafactory": False}
    write_yaml(path, data)
    plan = run_plan(factory_dir, "dev", overrides={"scope": "project:churn-prediction"})
    types = {r.type for r in plan.custom_resources}
    assert "azure-native:databricks:Workspace" not in types and "azure-native:datafactory:Factory" not in types
    assert "azure-native:machinelearningservices:Workspace" in types


@pytest.mark.parametrize(
    "stack, overrides, field, message",
    [
        ("prod", {"insecure.publicNetworkAccess": "true"}, "insecure", "not allowed in prod"),
        ("prod", {"profile.protectStateful": "false"}, "profile.protectStateful", "cannot be weakened in prod"),
        ("prod", {"profile.softDeleteDays": "3"}, "profile.softDeleteDays", "cannot be weakened"),
        ("dev", {"profile.colour": "blue"}, "profile.colour", "unknown key"),
        ("dev", {"scope": "project:nope-project"}, "scope", "not enabled in dev"),
        ("dev", {"scope": "everything"}, "scope", "String should match pattern"),
    ],
)
def test_refused_profiles_and_scopes(factory_dir: Path, stack, overrides, field, message):
    with pytest.raises(FactoryError) as raised:
        load_factory(factory_dir, stack, overrides=overrides)
    assert raised.value.field == field and message in raised.value.message


def test_insecure_options_are_allowed_in_dev_and_visible(factory_dir: Path):
    plan = run_plan(factory_dir, "dev", overrides={"insecure.publicNetworkAccess": "true", "scope": "platform"})
    account = next(r for r in plan.custom_resources if r.type == "azure-native:storage:StorageAccount")
    assert account.inputs["publicNetworkAccess"] == "Enabled"
    assert account.inputs["allowSharedKeyAccess"] is False  # still Entra-only


def test_profile_overrides_apply_in_dev(factory_dir: Path):
    factory = load_factory(factory_dir, "dev", overrides={"profile.logRetentionDays": "90", "profile.storageSku": "Standard_ZRS"})
    assert factory.profile.log_retention_days == 90 and factory.profile.storage_sku == "Standard_ZRS"


def test_plugin_types_register_through_entry_points(monkeypatch):
    custom = ProjectType(name="vision", description="computer vision", subnets=ESML_SUBNETS, services={"keyvault": True})

    class EntryPoint:
        name = "vision"

        def load(self):
            return lambda: custom

    monkeypatch.setattr("aifactory.project_types.entry_points", lambda group: [EntryPoint()])
    registry = load_registry()
    assert registry["vision"] is custom and {"esml", "genai", "streaming"} <= set(registry)

    clash = ProjectType(name="esml", description="x", subnets=ESML_SUBNETS)
    monkeypatch.setattr("aifactory.project_types.entry_points", lambda group: [type("E", (), {"name": "x", "load": lambda self: clash})()])
    with pytest.raises(ValueError, match="already registered"):
        load_registry()


def test_a_plugin_type_plans_end_to_end(factory_dir: Path, monkeypatch):
    """The example of docs/project-types.md, registered as an entry point, planned like a built-in type."""
    from aifactory.core.addressing import SubnetSpec
    from aifactory.components import AiServices, AiServicesArgs
    from aifactory.project_types.compose import ProjectBuild

    def build_vision(context):
        build = ProjectBuild(context)
        outputs = build.outputs()
        vision = AiServices(f"{context.project.name}-ais", AiServicesArgs(placement=build.placement(), settings=context.settings),
                            opts=context.opts())
        build.grant_matrix("aiservices", vision)
        outputs["aiServicesEndpoint"] = vision.endpoint
        return outputs

    vision = ProjectType(
        name="vision", description="Computer vision",
        subnets=(SubnetSpec("pep", 25, private_endpoints=True), SubnetSpec("apps", 25)),
        services={"keyvault": True}, required=frozenset({"keyvault"}), build=build_vision,
    )

    class EntryPoint:
        name = "vision"

        def load(self):
            return vision

    monkeypatch.setattr("aifactory.project_types.entry_points", lambda group: [EntryPoint()])
    write_yaml(factory_dir / "projects" / "shelf-scan.yaml", {
        "name": "shelf-scan", "type": "vision", "costCenter": "CC-5",
        "owners": [{"objectId": "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "type": "Group"}],
        "environments": {"dev": {"cidr": "10.64.4.0/24"}},
    })
    plan = run_plan(factory_dir, "dev", overrides={"scope": "project:shelf-scan"})
    assert plan.projects["shelf-scan"]["type"] == "vision"
    assert plan.outputs["projects"]["shelf-scan"]["aiServicesEndpoint"].startswith("https://ais-aif-shelf-scan-dev")
    assert [v for v in plan.violations if v.level == "mandatory"] == []
    subnets = {s["name"] for r in plan.custom_resources if r.type == "azure-native:network:VirtualNetwork" for s in r.inputs["subnets"]}
    assert subnets == {"snet-pep", "snet-apps"}
