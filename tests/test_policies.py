"""Policy rules: a passing and a failing case for every rule; the plan and the CrossGuard pack agree."""

from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path
from typing import Any, Callable

import pytest
from typer.testing import CliRunner

from aifactory.core.policies import (
    ADVISORY,
    INSECURE_TAG,
    MANDATORY,
    RESOURCE_RULES,
    STACK_RULES,
    Finding,
    PolicyContext,
    ResourceRule,
    ResourceView,
    evaluate,
)
from aifactory.services import load_catalog
from aifactory.tools.cli import app
from aifactory.tools.plan import Plan, run_plan
from aifactory.tools.policy_pack import policies

REPO = Path(__file__).resolve().parent.parent
CONTEXT = PolicyContext(diagnosed_types=load_catalog().diagnosed_types())
AGENT_DELEGATION = "Microsoft.App/environments"


@pytest.fixture(scope="module")
def dev_plan() -> Plan:
    return run_plan(REPO, "dev")


def views(plan: Plan) -> list[ResourceView]:
    return [ResourceView(r.urn, r.type, r.name, r.inputs) for r in plan.custom_resources]


def put(path: str, value: Any) -> Callable[[dict], dict]:
    def mutate(props: dict) -> dict:
        cursor = props
        parts = path.split(".")
        for part in parts[:-1]:
            cursor = cursor.setdefault(part, {})
        cursor[parts[-1]] = value
        return props

    return mutate


def drop(path: str) -> Callable[[dict], dict]:
    def mutate(props: dict) -> dict:
        cursor = props
        parts = path.split(".")
        for part in parts[:-1]:
            cursor = cursor[part]
        cursor.pop(parts[-1], None)
        return props

    return mutate


def pools(key: str, value: Any) -> Callable[[dict], dict]:
    def mutate(props: dict) -> dict:
        props["agentPoolProfiles"][0][key] = value
        return props

    return mutate


def open_rule(props: dict) -> dict:
    props["securityRules"].append({"name": "ssh", "access": "Allow", "direction": "Inbound", "sourceAddressPrefix": "*",
                                   "destinationPortRange": "22", "protocol": "Tcp", "priority": 100})
    return props


def bare_subnet(props: dict) -> dict:
    props["subnets"][0].pop("networkSecurityGroup")
    return props


def agent_subnet_in_class_a(props: dict) -> dict:
    subnet = next(s for s in props["subnets"] if any(d["serviceName"] == AGENT_DELEGATION for d in s.get("delegations") or []))
    subnet["addressPrefix"] = "10.64.200.0/24"
    return props


def agents_in_microsofts_network(props: dict) -> dict:
    props["properties"]["networkInjections"][0]["useMicrosoftManagedNetwork"] = True
    return props


BREAKERS: dict[str, Callable[[dict], dict]] = {
    "storage-public-network-disabled": put("publicNetworkAccess", "Enabled"),
    "storage-network-default-deny": put("networkRuleSet.defaultAction", "Allow"),
    "storage-shared-key-disabled": put("allowSharedKeyAccess", True),
    "storage-blob-public-access-disabled": put("allowBlobPublicAccess", True),
    "storage-https-only": put("enableHttpsTrafficOnly", False),
    "storage-min-tls-1-2": put("minimumTlsVersion", "TLS1_0"),
    "storage-cross-tenant-replication-disabled": drop("allowCrossTenantReplication"),
    "storage-infrastructure-encryption": put("encryption.requireInfrastructureEncryption", False),
    "keyvault-rbac-mode": put("properties.enableRbacAuthorization", False),
    "keyvault-purge-protection": drop("properties.enablePurgeProtection"),
    "keyvault-soft-delete": put("properties.enableSoftDelete", False),
    "keyvault-public-network-disabled": put("properties.publicNetworkAccess", "Enabled"),
    "keyvault-network-default-deny": put("properties.networkAcls.defaultAction", "Allow"),
    "registry-premium": put("sku.name", "Basic"),
    "registry-admin-disabled": put("adminUserEnabled", True),
    "registry-anonymous-pull-disabled": put("anonymousPullEnabled", True),
    "registry-public-network-disabled": put("publicNetworkAccess", "Enabled"),
    "ml-public-network-disabled": put("publicNetworkAccess", "Enabled"),
    "ml-managed-network-isolated": put("managedNetwork.isolationMode", "Disabled"),
    "ml-identity-datastores": put("systemDatastoresAuthMode", "AccessKey"),
    "ml-compute-secure": put("properties.disableLocalAuth", False),
    "databricks-premium": put("sku.name", "standard"),
    "databricks-no-public-ip": put("parameters.enableNoPublicIp.value", False),
    "databricks-public-network-disabled": put("publicNetworkAccess", "Enabled"),
    "databricks-vnet-injected": drop("parameters.customVirtualNetworkId"),
    "datafactory-public-network-disabled": put("publicNetworkAccess", "Enabled"),
    "datafactory-managed-identity": drop("identity"),
    "eventhubs-local-auth-disabled": put("disableLocalAuth", False),
    "eventhubs-min-tls-1-2": put("minimumTlsVersion", "1.0"),
    "eventhubs-public-network-disabled": put("publicNetworkAccess", "Enabled"),
    "eventhubs-standard-or-higher": put("sku.name", "Basic"),
    "aks-private-cluster": put("apiServerAccessProfile.enablePrivateCluster", False),
    "aks-local-accounts-disabled": put("disableLocalAccounts", False),
    "aks-entra-rbac": put("aadProfile.enableAzureRBAC", False),
    "aks-rbac-enabled": put("enableRBAC", False),
    "aks-encryption-at-host": pools("enableEncryptionAtHost", False),
    "aks-no-node-public-ip": pools("enableNodePublicIP", True),
    "aks-workload-identity": put("securityProfile.workloadIdentity.enabled", False),
    "aks-azure-policy": put("addonProfiles.azurepolicy.enabled", False),
    "aks-public-network-disabled": put("publicNetworkAccess", "Enabled"),
    "ai-services-local-auth-disabled": put("properties.disableLocalAuth", False),
    "ai-services-public-network-disabled": put("properties.publicNetworkAccess", "Enabled"),
    "ai-services-custom-subdomain": drop("properties.customSubDomainName"),
    "ai-services-network-default-deny": put("properties.networkAcls.defaultAction", "Allow"),
    "ai-services-agents-in-spoke": agents_in_microsofts_network,
    "foundry-project-identity": drop("identity"),
    "cosmos-public-network-disabled": put("publicNetworkAccess", "Enabled"),
    "cosmos-local-auth-disabled": put("disableLocalAuth", False),
    "cosmos-key-metadata-writes-disabled": put("disableKeyBasedMetadataWriteAccess", False),
    "cosmos-min-tls-1-2": put("minimalTlsVersion", "Tls11"),
    "search-local-auth-disabled": put("disableLocalAuth", False),
    "search-public-network-disabled": put("publicNetworkAccess", "Enabled"),
    "search-sku-not-free": put("sku.name", "free"),
    "log-analytics-local-auth-disabled": put("features.disableLocalAuth", False),
    "nsg-no-internet-inbound": open_rule,
    "subnets-have-nsgs": bare_subnet,
    "agent-subnet-delegation-and-class": agent_subnet_in_class_a,
    "required-tags": drop("tags"),
}

PREFERRED: dict[str, Callable[[ResourceView], bool]] = {
    # a sample that has what the rule is about, so its passing case means something
    "ml-compute-secure": lambda v: v.props.get("properties", {}).get("computeType") == "AmlCompute",
    "ai-services-agents-in-spoke": lambda v: bool(v.props.get("properties", {}).get("networkInjections")),
    "agent-subnet-delegation-and-class": lambda v: any(
        d.get("serviceName") == AGENT_DELEGATION for s in v.props.get("subnets") or [] for d in s.get("delegations") or []
    ),
}


def test_every_resource_rule_has_a_failing_case():
    assert set(BREAKERS) == {rule.name for rule in RESOURCE_RULES}


def sample(plan: Plan, rule: ResourceRule) -> ResourceView:
    for view in views(plan):
        if view.type in rule.types and rule.check(view.props) is None and PREFERRED.get(rule.name, lambda v: True)(view):
            return view
    raise AssertionError(f"no passing resource for {rule.name} in the dev plan")


@pytest.mark.parametrize("rule", RESOURCE_RULES, ids=[r.name for r in RESOURCE_RULES])
def test_resource_rule_passes_and_fails(dev_plan, rule):
    good = sample(dev_plan, rule)
    assert rule.evaluate(good) is None
    bad_props = BREAKERS[rule.name](copy.deepcopy(dict(good.props)))
    finding = rule.evaluate(ResourceView(good.urn, good.type, good.name, bad_props))
    assert finding is not None and finding.level == rule.level and finding.policy == rule.name
    assert finding.urn == good.urn and ";" in finding.message  # says what is wrong and how to fix it


def test_a_rule_ignores_types_it_does_not_cover(dev_plan):
    rule = next(r for r in RESOURCE_RULES if r.name == "keyvault-purge-protection")
    other = next(v for v in views(dev_plan) if v.type not in rule.types)
    assert rule.evaluate(ResourceView(other.urn, other.type, other.name, {})) is None


@pytest.mark.parametrize(
    "rule_name, path, sdk_value, wrong_spelling",
    [
        ("search-public-network-disabled", "publicNetworkAccess", "Disabled", "disabled"),
        ("ml-identity-datastores", "systemDatastoresAuthMode", "Identity", "identity"),
    ],
)
def test_rules_expect_the_sdks_exact_enum_values(dev_plan, rule_name, path, sdk_value, wrong_spelling):
    rule = next(r for r in RESOURCE_RULES if r.name == rule_name)
    good = sample(dev_plan, rule)
    assert good.props[path] == sdk_value
    finding = rule.evaluate(ResourceView(good.urn, good.type, good.name, put(path, wrong_spelling)(copy.deepcopy(dict(good.props)))))
    assert finding is not None and sdk_value in finding.message


def test_insecure_tag_relaxes_only_waivable_rules_outside_prod(dev_plan):
    rule = next(r for r in RESOURCE_RULES if r.name == "storage-public-network-disabled")
    lake = sample(dev_plan, rule)
    props = put("publicNetworkAccess", "Enabled")(copy.deepcopy(dict(lake.props)))
    props["tags"] = {**props["tags"], INSECURE_TAG: "publicNetworkAccess"}
    assert rule.evaluate(ResourceView(lake.urn, lake.type, lake.name, props)).level == ADVISORY
    props["tags"]["environment"] = "prod"
    assert rule.evaluate(ResourceView(lake.urn, lake.type, lake.name, props)).level == MANDATORY
    shared_key = next(r for r in RESOURCE_RULES if r.name == "storage-shared-key-disabled")
    props["tags"]["environment"] = "dev"
    props["allowSharedKeyAccess"] = True
    assert shared_key.evaluate(ResourceView(lake.urn, lake.type, lake.name, props)).level == MANDATORY


def first(items: list[ResourceView], type_: str) -> ResourceView:
    return next(v for v in items if v.type == type_)


def without(items: list[ResourceView], predicate: Callable[[ResourceView], bool]) -> list[ResourceView]:
    return [v for v in items if not predicate(v)]


STACK_BREAKERS: dict[str, Callable[[list[ResourceView]], list[ResourceView]]] = {
    "diagnostics-attached": lambda items: without(
        items, lambda v: v.type == "azure-native:monitor:DiagnosticSetting" and "/vaults/" in v.props["resourceUri"]
    ),
    "private-endpoint-dns-zone-group": lambda items: without(items, lambda v: v.type == "azure-native:network:PrivateDnsZoneGroup"),
    "address-ranges-disjoint": lambda items: items + [ResourceView("urn:x", "azure-native:network:VirtualNetwork", "x",
        {"virtualNetworkName": "vnet-x", "addressSpace": {"addressPrefixes": ["10.64.0.0/20"]}, "subnets": []})],
    "spoke-peered-both-ways": lambda items: without(
        items, lambda v: v.type == "azure-native:network:VirtualNetworkPeering" and v.name.endswith("peer-from-hub") and "churn" in v.name
    ),
}


def test_every_stack_rule_has_a_failing_case_and_the_per_stack_limits_are_gone():
    names = {rule.name for rule in STACK_RULES}
    assert set(STACK_BREAKERS) == names
    assert not names & {"role-assignment-limit", "peering-limit", "private-endpoints-per-vnet"}


@pytest.mark.parametrize("rule", STACK_RULES, ids=[r.name for r in STACK_RULES])
def test_stack_rule_passes_and_fails(dev_plan, rule):
    items = views(dev_plan)
    assert list(rule.check(items, CONTEXT)) == []
    findings = list(rule.check(STACK_BREAKERS[rule.name](list(items)), CONTEXT))
    assert findings and all(f.policy == rule.name for f in findings)
    assert any(f.level == MANDATORY for f in findings)
    assert all(f.urn for f in findings)


def test_diagnostics_are_required_of_the_types_the_catalog_names(dev_plan):
    rule = next(r for r in STACK_RULES if r.name == "diagnostics-attached")
    broken = STACK_BREAKERS[rule.name](views(dev_plan))
    flagged = list(rule.check(broken, CONTEXT))
    vaults = {v.urn for v in broken if v.type == "azure-native:keyvault:Vault"}
    assert vaults and {f.urn for f in flagged} == vaults
    assert "azure-native:keyvault:Vault" in CONTEXT.diagnosed_types
    assert list(rule.check(broken, PolicyContext())) == []  # no type is required to send diagnostics
    assert list(rule.check(broken, PolicyContext(diagnosed_types=frozenset({"azure-native:eventhub:Namespace"})))) == []


def test_diagnostics_cannot_be_judged_before_ids_are_known(dev_plan):
    rule = next(r for r in STACK_RULES if r.name == "diagnostics-attached")
    broken = STACK_BREAKERS[rule.name](views(dev_plan))
    unknown = ResourceView("urn:d", "azure-native:monitor:DiagnosticSetting", "d", {"workspaceId": "/w", "resourceUri": None})
    assert list(rule.check(broken + [unknown], CONTEXT)) == []  # a preview of new resources: nothing to conclude


def test_evaluate_runs_every_rule_mandatory_first(dev_plan):
    items = views(dev_plan)
    assert evaluate(items, CONTEXT) == []
    lake = sample(dev_plan, next(r for r in RESOURCE_RULES if r.name == "storage-infrastructure-encryption"))
    broken = [
        ResourceView(v.urn, v.type, v.name, BREAKERS["storage-infrastructure-encryption"](copy.deepcopy(dict(v.props)))) if v.urn == lake.urn else v
        for v in STACK_BREAKERS["private-endpoint-dns-zone-group"](items)
    ]
    findings = evaluate(broken, CONTEXT)
    assert {f.policy for f in findings} == {"storage-infrastructure-encryption", "private-endpoint-dns-zone-group"}
    levels = [f.level for f in findings]
    assert levels == sorted(levels, key=lambda level: level != MANDATORY) and levels[-1] == ADVISORY


@pytest.mark.parametrize("env", ["dev", "test", "prod"])
def test_example_stacks_plan_without_mandatory_violations(dev_plan, env):
    plan = dev_plan if env == "dev" else run_plan(REPO, env)
    assert plan.environment == env
    assert [v for v in plan.violations if v.level == MANDATORY] == []


def test_insecure_option_in_dev_is_reported_as_advisory():
    plan = run_plan(REPO, "dev", overrides={"insecure": json.dumps({"publicNetworkAccess": True}), "scope": "platform"})
    policies_hit = {v.policy for v in plan.violations}
    assert {"storage-public-network-disabled", "storage-network-default-deny"} <= policies_hit
    assert all(v.level == ADVISORY for v in plan.violations)


@pytest.fixture(scope="module")
def platform_plan() -> Plan:
    return run_plan(REPO, "dev", overrides={"scope": "platform"})


def test_plan_exits_1_on_a_mandatory_violation(platform_plan, monkeypatch, tmp_path):
    finding = Finding("storage-shared-key-disabled", MANDATORY, platform_plan.resources[0].urn, "shared keys on; fix it")
    real = dataclasses.replace(platform_plan, violations=[finding])
    monkeypatch.setattr("aifactory.tools.plan.run_plan", lambda *a, **k: real)
    out = tmp_path / "plan.json"
    result = CliRunner().invoke(app, ["plan", "-s", "dev", "--dir", str(REPO), "--json", str(out)])
    assert result.exit_code == 1
    assert "storage-shared-key-disabled" in result.output
    assert json.loads(out.read_text())["violations"][0]["level"] == "mandatory"


def test_plan_exits_0_with_only_advisory_findings(platform_plan, monkeypatch):
    finding = Finding("storage-infrastructure-encryption", ADVISORY, platform_plan.resources[0].urn, "single encryption; fix it")
    real = dataclasses.replace(platform_plan, violations=[finding])
    monkeypatch.setattr("aifactory.tools.plan.run_plan", lambda *a, **k: real)
    result = CliRunner().invoke(app, ["plan", "-s", "dev", "--dir", str(REPO), "--quiet"])
    assert result.exit_code == 0, result.output


# --- the CrossGuard pack calls the same rules -------------------------------------------------------------

from pulumi_policy import PolicyResource, ResourceValidationArgs, StackValidationArgs  # noqa: E402


def run_resource_policy(name: str, view: ResourceView, pack: list | None = None) -> list[str]:
    policy = next(p for p in (pack or policies()) if p.name == name)
    reported: list[str] = []
    args = ResourceValidationArgs(view.type, view.props, view.urn, view.name, None, None)  # type: ignore[arg-type]
    validators = policy._ResourceValidationPolicy__validate if hasattr(policy, "_ResourceValidationPolicy__validate") else None
    if validators is None:
        policy.validate(args, lambda message, urn=None: reported.append(message))
    else:
        for validate in validators if isinstance(validators, list) else [validators]:
            validate(args, lambda message, urn=None: reported.append(message))
    return reported


def run_stack_policy(name: str, items: list[ResourceView], pack: list | None = None) -> list[tuple[str, Any]]:
    policy = next(p for p in (pack or policies()) if p.name == name)
    resources = [PolicyResource(v.type, v.props, v.urn, v.name, None, None, None, [], {}) for v in items]  # type: ignore[arg-type]
    reported: list[tuple[str, Any]] = []
    policy.validate(StackValidationArgs(resources), lambda message, urn=None: reported.append((message, urn)))
    return reported


def test_policy_pack_has_a_policy_per_rule():
    names = [p.name for p in policies()]
    assert len(names) == len(set(names))
    assert {r.name for r in RESOURCE_RULES} | {r.name for r in STACK_RULES} | {"insecure-overrides"} == set(names)


def test_policy_pack_resource_policies_report_what_the_plan_reports(dev_plan):
    rule = next(r for r in RESOURCE_RULES if r.name == "keyvault-purge-protection")
    good = sample(dev_plan, rule)
    assert run_resource_policy(rule.name, good) == []
    bad = ResourceView(good.urn, good.type, good.name, BREAKERS[rule.name](copy.deepcopy(dict(good.props))))
    reported = run_resource_policy(rule.name, bad)
    assert reported == [rule.evaluate(bad).message]


def test_policy_pack_routes_waived_findings_to_the_advisory_policy(dev_plan):
    rule = next(r for r in RESOURCE_RULES if r.name == "storage-public-network-disabled")
    lake = sample(dev_plan, rule)
    props = put("publicNetworkAccess", "Enabled")(copy.deepcopy(dict(lake.props)))
    props["tags"] = {**props["tags"], INSECURE_TAG: "publicNetworkAccess"}
    view = ResourceView(lake.urn, lake.type, lake.name, props)
    assert run_resource_policy(rule.name, view) == []
    assert any("storage-public-network-disabled" in m for m in run_resource_policy("insecure-overrides", view))


def test_policy_pack_stack_policies(dev_plan):
    items = views(dev_plan)
    assert run_stack_policy("private-endpoint-dns-zone-group", items) == []
    reported = run_stack_policy("private-endpoint-dns-zone-group", STACK_BREAKERS["private-endpoint-dns-zone-group"](items))
    assert reported and all(urn for _, urn in reported)


def test_policy_pack_stack_policies_see_the_catalogs_diagnosed_types(dev_plan):
    broken = STACK_BREAKERS["diagnostics-attached"](views(dev_plan))
    assert run_stack_policy("diagnostics-attached", broken)  # the default context: the installed catalog's
    assert run_stack_policy("diagnostics-attached", broken, pack=policies(PolicyContext())) == []
