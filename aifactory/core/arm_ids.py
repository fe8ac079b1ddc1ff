"""The Azure resource id of every resource type the factory registers, from its inputs (pure).

Azure identifies a resource by its id: subscription, resource group, provider type, and the names
of the resource and its parents (or, for extension resources such as role assignments, the scope
they extend). The offline plan gives every resource the id Azure would assign, so that scopes,
peerings and zone links are the real strings; and it refuses a plan in which two resources would
have the same id (compared as Azure compares them, case-insensitively).

A type not in :data:`ARM_ID_TEMPLATES` gets a generic id and is reported by
``tests/test_arm_ids.py`` for every type of the shipped plans, so the table cannot fall behind.
"""

from __future__ import annotations

import re
from types import MappingProxyType
from typing import Any, Mapping

_RG = "/subscriptions/{subscription}/resourceGroups/{resourceGroupName}/providers"

ARM_ID_TEMPLATES: Mapping[str, str] = MappingProxyType(
    {
        "azure-native:resources:ResourceGroup": "/subscriptions/{subscription}/resourceGroups/{resourceGroupName}",
        "azure-native:resources:Resource": _RG + "/{resourceProviderNamespace}/{parentResourcePath}/{resourceType}/{resourceName}",
        "azure-native:network:NetworkSecurityGroup": _RG + "/Microsoft.Network/networkSecurityGroups/{networkSecurityGroupName}",
        "azure-native:network:VirtualNetwork": _RG + "/Microsoft.Network/virtualNetworks/{virtualNetworkName}",
        "azure-native:network:VirtualNetworkPeering": _RG
        + "/Microsoft.Network/virtualNetworks/{virtualNetworkName}/virtualNetworkPeerings/{virtualNetworkPeeringName}",
        "azure-native:network:RouteTable": _RG + "/Microsoft.Network/routeTables/{routeTableName}",
        "azure-native:network:PrivateEndpoint": _RG + "/Microsoft.Network/privateEndpoints/{privateEndpointName}",
        "azure-native:network:PrivateDnsZoneGroup": _RG
        + "/Microsoft.Network/privateEndpoints/{privateEndpointName}/privateDnsZoneGroups/{privateDnsZoneGroupName}",
        "azure-native:network:PublicIPAddress": _RG + "/Microsoft.Network/publicIPAddresses/{publicIpAddressName}",
        "azure-native:network:AzureFirewall": _RG + "/Microsoft.Network/azureFirewalls/{azureFirewallName}",
        "azure-native:network:FirewallPolicy": _RG + "/Microsoft.Network/firewallPolicies/{firewallPolicyName}",
        "azure-native:network:FirewallPolicyRuleCollectionGroup": _RG
        + "/Microsoft.Network/firewallPolicies/{firewallPolicyName}/ruleCollectionGroups/{ruleCollectionGroupName}",
        "azure-native:network:BastionHost": _RG + "/Microsoft.Network/bastionHosts/{bastionHostName}",
        "azure-native:privatedns:PrivateZone": _RG + "/Microsoft.Network/privateDnsZones/{privateZoneName}",
        "azure-native:privatedns:VirtualNetworkLink": _RG
        + "/Microsoft.Network/privateDnsZones/{privateZoneName}/virtualNetworkLinks/{virtualNetworkLinkName}",
        "azure-native:storage:StorageAccount": _RG + "/Microsoft.Storage/storageAccounts/{accountName}",
        "azure-native:storage:BlobServiceProperties": _RG
        + "/Microsoft.Storage/storageAccounts/{accountName}/blobServices/{blobServicesName}",
        "azure-native:storage:BlobContainer": _RG
        + "/Microsoft.Storage/storageAccounts/{accountName}/blobServices/default/containers/{containerName}",
        "azure-native:storage:ManagementPolicy": _RG
        + "/Microsoft.Storage/storageAccounts/{accountName}/managementPolicies/{managementPolicyName}",
        "azure-native:keyvault:Vault": _RG + "/Microsoft.KeyVault/vaults/{vaultName}",
        "azure-native:operationalinsights:Workspace": _RG + "/Microsoft.OperationalInsights/workspaces/{workspaceName}",
        "azure-native:applicationinsights:Component": _RG + "/Microsoft.Insights/components/{resourceName}",
        "azure-native:monitor:DiagnosticSetting": "{resourceUri}/providers/Microsoft.Insights/diagnosticSettings/{name}",
        "azure-native:monitor:ActionGroup": _RG + "/Microsoft.Insights/actionGroups/{actionGroupName}",
        "azure-native:consumption:Budget": "{scope}/providers/Microsoft.Consumption/budgets/{budgetName}",
        "azure-native:authorization:RoleAssignment": "{scope}/providers/Microsoft.Authorization/roleAssignments/{roleAssignmentName}",
        "azure-native:authorization:ManagementLockByScope": "{scope}/providers/Microsoft.Authorization/locks/{lockName}",
        "azure-native:managedidentity:UserAssignedIdentity": _RG + "/Microsoft.ManagedIdentity/userAssignedIdentities/{resourceName}",
        "azure-native:containerregistry:Registry": _RG + "/Microsoft.ContainerRegistry/registries/{registryName}",
        "azure-native:machinelearningservices:Workspace": _RG + "/Microsoft.MachineLearningServices/workspaces/{workspaceName}",
        "azure-native:machinelearningservices:Compute": _RG
        + "/Microsoft.MachineLearningServices/workspaces/{workspaceName}/computes/{computeName}",
        "azure-native:machinelearningservices:Datastore": _RG
        + "/Microsoft.MachineLearningServices/workspaces/{workspaceName}/datastores/{name}",
        "azure-native:machinelearningservices:Registry": _RG + "/Microsoft.MachineLearningServices/registries/{registryName}",
        "azure-native:databricks:Workspace": _RG + "/Microsoft.Databricks/workspaces/{workspaceName}",
        "azure-native:datafactory:Factory": _RG + "/Microsoft.DataFactory/factories/{factoryName}",
        "azure-native:datafactory:IntegrationRuntime": _RG
        + "/Microsoft.DataFactory/factories/{factoryName}/integrationruntimes/{integrationRuntimeName}",
        "azure-native:datafactory:ManagedPrivateEndpoint": _RG
        + "/Microsoft.DataFactory/factories/{factoryName}/managedVirtualNetworks/{managedVirtualNetworkName}"
        "/managedPrivateEndpoints/{managedPrivateEndpointName}",
        "azure-native:datafactory:LinkedService": _RG
        + "/Microsoft.DataFactory/factories/{factoryName}/linkedservices/{linkedServiceName}",
        "azure-native:eventhub:Namespace": _RG + "/Microsoft.EventHub/namespaces/{namespaceName}",
        "azure-native:eventhub:EventHub": _RG + "/Microsoft.EventHub/namespaces/{namespaceName}/eventhubs/{eventHubName}",
        "azure-native:eventhub:ConsumerGroup": _RG
        + "/Microsoft.EventHub/namespaces/{namespaceName}/eventhubs/{eventHubName}/consumergroups/{consumerGroupName}",
        "azure-native:containerservice:ManagedCluster": _RG + "/Microsoft.ContainerService/managedClusters/{resourceName}",
        "azure-native:search:Service": _RG + "/Microsoft.Search/searchServices/{searchServiceName}",
        "azure-native:cognitiveservices:Account": _RG + "/Microsoft.CognitiveServices/accounts/{accountName}",
        "azure-native:cognitiveservices:Deployment": _RG
        + "/Microsoft.CognitiveServices/accounts/{accountName}/deployments/{deploymentName}",
        "azure-native:cognitiveservices:Project": _RG + "/Microsoft.CognitiveServices/accounts/{accountName}/projects/{projectName}",
        "azure-native:cognitiveservices:ProjectConnection": _RG
        + "/Microsoft.CognitiveServices/accounts/{accountName}/projects/{projectName}/connections/{connectionName}",
        "azure-native:cognitiveservices:ProjectCapabilityHost": _RG
        + "/Microsoft.CognitiveServices/accounts/{accountName}/projects/{projectName}/capabilityHosts/{capabilityHostName}",
        "azure-native:cognitiveservices:AccountCapabilityHost": _RG
        + "/Microsoft.CognitiveServices/accounts/{accountName}/capabilityHosts/{capabilityHostName}",
        "azure-native:documentdb:DatabaseAccount": _RG + "/Microsoft.DocumentDB/databaseAccounts/{accountName}",
        "azure-native:cosmosdb:DatabaseAccount": _RG + "/Microsoft.DocumentDB/databaseAccounts/{accountName}",
        "azure-native:cosmosdb:SqlResourceSqlRoleAssignment": _RG
        + "/Microsoft.DocumentDB/databaseAccounts/{accountName}/sqlRoleAssignments/{roleAssignmentId}",
        "azure-native:cosmosdb:SqlResourceSqlDatabase": _RG
        + "/Microsoft.DocumentDB/databaseAccounts/{accountName}/sqlDatabases/{databaseName}",
        "azure-native:subscription:Alias": "/providers/Microsoft.Subscription/aliases/{aliasName}",
    }
)
"""azure-native type token -> id template over its inputs (and ``subscription``)."""

_FIELD = re.compile(r"\{(\w+)\}")


def _lower_camel(text: str) -> str:
    return text[:1].lower() + text[1:]


def known_type(type_token: str) -> bool:
    return type_token in ARM_ID_TEMPLATES


def arm_id(type_token: str, logical_name: str, inputs: Mapping[str, Any], subscription_id: str) -> str:
    """The id Azure would give a resource of this type with these inputs.

    A field the inputs lack (an output not known at plan time) becomes the logical name, so the id
    stays deterministic; unknown types get ``<rg>/providers/Microsoft.<Module>/<type>s/<name>``.
    """
    template = ARM_ID_TEMPLATES.get(type_token)
    if template is None:
        _, module, resource = (type_token.split(":") + ["", ""])[:3]
        name = next(
            (v for k, v in sorted(inputs.items()) if k.endswith("Name") and k != "resourceGroupName" and isinstance(v, str)),
            logical_name,
        )
        plural = f"{_lower_camel(resource)}s"
        template = f"{_RG}/Microsoft.{module.capitalize()}/{plural}/{{_name}}"
        inputs = {**inputs, "_name": name}
    values: dict[str, str] = {"subscription": subscription_id, "resourceGroupName": "mock-rg"}
    values.update({k: str(v) for k, v in inputs.items() if isinstance(v, (str, int))})

    def field(match: re.Match[str]) -> str:
        value = values.get(match.group(1))
        return str(value) if value is not None else logical_name

    return _FIELD.sub(field, template)


def canonical(resource_id: str) -> str:
    """How Azure compares ids: case-insensitively (and without a trailing slash)."""
    return resource_id.rstrip("/").lower()


def subscription_of(resource_id: str) -> str | None:
    parts = resource_id.split("/")
    lowered = [p.lower() for p in parts]
    if "subscriptions" in lowered:
        index = lowered.index("subscriptions") + 1
        return parts[index] if index < len(parts) else None
    return None
