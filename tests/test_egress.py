"""Egress through the hub firewall: the rules each service's spec needs, scoped to the subnets that need them,
and AKS sending its outbound traffic through the firewall (userDefinedRouting)."""

from __future__ import annotations

import pytest

from aifactory.tools.plan import Plan, run_plan
from tests.conftest import REPO


@pytest.fixture(scope="module")
def with_firewall() -> Plan:
    return run_plan(REPO, "dev", overrides={"hub.firewall": "true"})


def rules(plan: Plan) -> dict[str, dict]:
    group = next(r for r in plan.custom_resources if r.type == "azure-native:network:FirewallPolicyRuleCollectionGroup")
    assert group.inputs["ruleCollectionGroupName"] == "aifactory-egress" and group.inputs["priority"] == 200
    found = {}
    for collection in group.inputs["ruleCollections"]:
        assert collection["ruleCollectionType"] == "FirewallPolicyFilterRuleCollection" and collection["action"] == {"type": "Allow"}
        for rule in collection["rules"]:
            found[rule["name"]] = rule
    return found


def test_each_service_gets_its_rules_from_its_own_subnets_only(with_firewall: Plan):
    found = rules(with_firewall)
    network = with_firewall.network["projects"]
    databricks = found["churn-prediction-databricks-control-plane"]
    assert databricks["ruleType"] == "NetworkRule" and databricks["ipProtocols"] == ["TCP"]
    assert databricks["destinationAddresses"] == ["AzureDatabricks"] and databricks["destinationPorts"] == ["443", "3306", "8443-8451"]
    assert databricks["sourceAddresses"] == [network["churn-prediction"]["subnets"]["dbx-host"], network["churn-prediction"]["subnets"]["dbx-container"]]
    assert found["churn-prediction-databricks-storage"]["destinationAddresses"] == ["Storage.swedencentral"]
    aks = found["telemetry-stream-aks-fqdn-tag"]
    assert aks["ruleType"] == "ApplicationRule" and aks["fqdnTags"] == ["AzureKubernetesService"]
    assert aks["protocols"] == [{"protocolType": "Https", "port": 443}, {"protocolType": "Http", "port": 80}]
    assert aks["sourceAddresses"] == [network["telemetry-stream"]["subnets"]["aks"]]
    agents = found["support-copilot-agents-identity"]
    assert "login.microsoftonline.com" in agents["targetFqdns"] and agents["sourceAddresses"] == [network["support-copilot"]["subnets"]["agents"]]
    assert not any(name.startswith("churn-prediction-aks") for name in found)  # churn has no AKS


def test_aks_egresses_through_the_firewall(with_firewall: Plan):
    cluster = next(r for r in with_firewall.custom_resources if r.type == "azure-native:containerservice:ManagedCluster")
    assert cluster.inputs["networkProfile"]["outboundType"] == "userDefinedRouting"
    route_table = next(r for r in with_firewall.custom_resources if r.type == "azure-native:network:RouteTable" and "telemetry" in r.inputs["routeTableName"])
    joins = [r for r in with_firewall.custom_resources if r.type == "azure-native:authorization:RoleAssignment" and r.inputs["scope"] == route_table.id]
    assert len(joins) == 1 and joins[0].inputs["roleDefinitionId"].endswith("4d97b98b-1d4f-4787-a291-c67834d212e7")
    assert route_table.id in cluster.dependencies or any(j.urn in cluster.dependencies for j in joins)


def test_without_a_firewall_no_rules_and_aks_uses_its_load_balancer():
    plan = run_plan(REPO, "dev")
    assert not [r for r in plan.custom_resources if r.type == "azure-native:network:FirewallPolicyRuleCollectionGroup"]
    cluster = next(r for r in plan.custom_resources if r.type == "azure-native:containerservice:ManagedCluster")
    assert cluster.inputs["networkProfile"]["outboundType"] == "loadBalancer"


def test_prod_ships_its_firewall_with_rules_for_what_runs_there():
    found = rules(run_plan(REPO, "prod"))
    assert {name.split("-databricks-")[0] for name in found} == {"churn-prediction"}
