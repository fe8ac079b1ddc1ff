"""Policy rules: what "secure" means for every resource the factory creates, written once.

Pure module (no Pulumi imports). The same rule functions run in two places: the offline plan
(``aifactory plan`` fills ``violations`` and exits 1 on a mandatory one) and the CrossGuard policy
pack in ``policypack/`` (``pulumi preview --policy-pack policypack``).

A resource rule looks at one resource's inputs (camelCase, as registered) and returns a message or
None. A stack rule looks at all resources. Rules that an explicit insecure option may relax name
that option (``waiver``): a resource tagged ``insecureOverride: <option>`` outside prod turns the
finding into an advisory one. Prod refuses the options before any plan (see ``profiles``).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Optional, Sequence

from aifactory.core.addressing import in_agent_space

if TYPE_CHECKING:
    from aifactory.core.limits import LimitFinding


MANDATORY, ADVISORY = "mandatory", "advisory"
INSECURE_TAG = "insecureOverride"
REQUIRED_TAGS = ("environment", "managedBy")
SPECIAL_SUBNETS = frozenset({"AzureFirewallSubnet", "AzureBastionSubnet", "GatewaySubnet", "AzureFirewallManagementSubnet"})
OPEN_SOURCES = frozenset({"*", "internet", "0.0.0.0/0", "any"})

Props = Mapping[str, Any]


@dataclass(frozen=True)
class ResourceView:
    """One resource as a policy sees it."""

    urn: str
    type: str
    name: str
    props: Props


@dataclass(frozen=True)
class Finding:
    policy: str
    level: str
    urn: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"policy": self.policy, "level": self.level, "urn": self.urn, "message": self.message}


@dataclass(frozen=True)
class ResourceRule:
    name: str
    description: str
    level: str
    types: tuple[str, ...]
    check: Callable[[Props], Optional[str]]
    fix: str
    waiver: Optional[str] = None

    def evaluate(self, resource: ResourceView) -> Optional[Finding]:
        if resource.type not in self.types:
            return None
        problem = self.check(resource.props)
        if problem is None:
            return None
        level = ADVISORY if self.waived(resource.props) else self.level
        return Finding(self.name, level, resource.urn, f"{problem}; {self.fix}")

    def waived(self, props: Props) -> bool:
        tags = props.get("tags") or {}
        if not self.waiver or not isinstance(tags, Mapping):
            return False
        options = str(tags.get(INSECURE_TAG, "")).split(",")
        return self.waiver in options and tags.get("environment") != "prod"


@dataclass(frozen=True)
class PolicyContext:
    """What stack rules need to know beyond the resources: facts derived from the service catalog."""

    diagnosed_types: frozenset[str] = frozenset()
    """Resource types that must send diagnostics to Log Analytics (each service's spec names its own)."""


@dataclass(frozen=True)
class StackRule:
    name: str
    description: str
    level: str
    check: Callable[[Sequence[ResourceView], PolicyContext], Iterable[Finding]]


def _get(props: Props, path: str) -> Any:
    cursor: Any = props
    for part in path.split("."):
        if not isinstance(cursor, Mapping):
            return None
        cursor = cursor.get(part)
    return cursor


def expect(path: str, wanted: Any, *, what: str) -> Callable[[Props], Optional[str]]:
    """A check that ``path`` equals ``wanted`` (an absent value fails too)."""

    def check(props: Props) -> Optional[str]:
        value = _get(props, path)
        if value == wanted:
            return None
        return f"{what}: {path} is {value!r}, expected {wanted!r}"

    return check


def expect_not(path: str, unwanted: Any, *, what: str) -> Callable[[Props], Optional[str]]:
    def check(props: Props) -> Optional[str]:
        value = _get(props, path)
        return f"{what}: {path} is {value!r}" if value == unwanted else None

    return check


def expect_in(path: str, allowed: Iterable[Any], *, what: str) -> Callable[[Props], Optional[str]]:
    allowed = tuple(allowed)

    lowered = {str(a).lower() for a in allowed}

    def check(props: Props) -> Optional[str]:
        value = _get(props, path)
        if isinstance(value, str) and value.lower() in lowered:
            return None
        return f"{what}: {path} is {value!r}, expected one of {list(allowed)!r}"

    return check


STORAGE = ("azure-native:storage:StorageAccount",)
KEY_VAULT = ("azure-native:keyvault:Vault",)
REGISTRY = ("azure-native:containerregistry:Registry",)
ML_WORKSPACE = ("azure-native:machinelearningservices:Workspace",)
ML_COMPUTE = ("azure-native:machinelearningservices:Compute",)
DATABRICKS = ("azure-native:databricks:Workspace",)
DATA_FACTORY = ("azure-native:datafactory:Factory",)
EVENT_HUBS = ("azure-native:eventhub:Namespace",)
AKS = ("azure-native:containerservice:ManagedCluster",)
AI_SERVICES = ("azure-native:cognitiveservices:Account",)
SEARCH = ("azure-native:search:Service",)
LOG_ANALYTICS = ("azure-native:operationalinsights:Workspace",)
NSG = ("azure-native:network:NetworkSecurityGroup",)
VNET = ("azure-native:network:VirtualNetwork",)
ML_REGISTRY = ("azure-native:machinelearningservices:Registry",)
COSMOS = ("azure-native:cosmosdb:DatabaseAccount",)
FOUNDRY_PROJECT = ("azure-native:cognitiveservices:Project",)
AGENT_DELEGATION = "Microsoft.App/environments"

TAGGED_TYPES: tuple[str, ...] = (
    *STORAGE, *KEY_VAULT, *REGISTRY, *ML_WORKSPACE, *DATABRICKS, *DATA_FACTORY, *EVENT_HUBS, *AKS,
    *AI_SERVICES, *SEARCH, *LOG_ANALYTICS, *NSG, *VNET, *COSMOS, *FOUNDRY_PROJECT,
    "azure-native:resources:ResourceGroup",
    "azure-native:network:PrivateEndpoint",
    "azure-native:managedidentity:UserAssignedIdentity",
)
"""Types that must carry the required tags."""


PUBLIC = "publicNetworkAccess"


def _aks_pools(check: Callable[[Mapping[str, Any]], bool], what: str) -> Callable[[Props], Optional[str]]:
    def run(props: Props) -> Optional[str]:
        bad = [p.get("name") for p in props.get("agentPoolProfiles") or [] if not check(p)]
        return f"node pools {bad} {what}" if bad else None

    return run


def _subnets_have_nsgs(props: Props) -> Optional[str]:
    bare = [
        s.get("name")
        for s in props.get("subnets") or []
        if s.get("name") not in SPECIAL_SUBNETS and not s.get("networkSecurityGroup")
    ]
    return f"subnets without a network security group: {bare}" if bare else None


def _no_open_inbound(props: Props) -> Optional[str]:
    for rule in props.get("securityRules") or []:
        if str(rule.get("access", "")).lower() != "allow" or str(rule.get("direction", "")).lower() != "inbound":
            continue
        sources = {str(rule.get("sourceAddressPrefix", "")).lower(), *(str(p).lower() for p in rule.get("sourceAddressPrefixes") or [])}
        if sources & OPEN_SOURCES:
            return f"rule {rule.get('name')!r} allows inbound traffic from the internet"
    return None


def _has_tags(props: Props) -> Optional[str]:
    tags = props.get("tags") or {}
    missing = [t for t in REQUIRED_TAGS if not (isinstance(tags, Mapping) and tags.get(t))]
    return f"missing required tags {missing}" if missing else None


def _search_not_free(props: Props) -> Optional[str]:
    sku = str(_get(props, "sku.name") or "").lower()
    return "AI Search free tier has no private endpoints" if sku in ("", "free") else None


def _ml_isolated(props: Props) -> Optional[str]:
    mode = _get(props, "managedNetwork.isolationMode")
    return None if mode in ("AllowOnlyApprovedOutbound", "AllowInternetOutbound") else f"managed network isolation is {mode!r}"


def _ml_compute_secure(props: Props) -> Optional[str]:
    compute = props.get("properties") or {}
    if compute.get("computeType") not in ("AmlCompute", "ComputeInstance", "AKS"):
        return None
    if compute.get("disableLocalAuth") is not True:
        return "compute allows local (key) authentication"
    inner = compute.get("properties") or {}
    if compute.get("computeType") == "AmlCompute" and inner.get("enableNodePublicIp") is not False:
        return "compute nodes get public IPs"
    return None


def _agent_subnets(props: Props) -> Optional[str]:
    """Agent Service subnets: delegated to exactly ``Microsoft.App/environments``, and not in 10.0.0.0/8."""
    for subnet in props.get("subnets") or []:
        for delegation in subnet.get("delegations") or []:
            service = str(delegation.get("serviceName", ""))
            if service.lower() != AGENT_DELEGATION.lower():
                continue
            if service != AGENT_DELEGATION:
                return f"subnet {subnet.get('name')!r} is delegated to {service!r}; the Agent Service needs exactly {AGENT_DELEGATION!r}"
            try:
                network = ipaddress.ip_network(str(subnet.get("addressPrefix")), strict=False)
            except ValueError:
                continue
            if not isinstance(network, ipaddress.IPv4Network) or not in_agent_space(network):
                return (
                    f"agent subnet {subnet.get('name')!r} ({network}) is outside 172.16.0.0/12 and 192.168.0.0/16, "
                    "the space the Agent Service supports"
                )
    return None


def _injected_agents(props: Props) -> Optional[str]:
    for injection in _get(props, "properties.networkInjections") or []:
        if injection.get("scenario") == "agent" and injection.get("useMicrosoftManagedNetwork") is not False:
            return "agent compute runs in Microsoft's managed network, not the project's subnet"
    return None


def _identity(props: Props) -> Optional[str]:
    identity = props.get("identity") or {}
    return None if identity.get("type") else "no managed identity"


def R(name: str, description: str, types: tuple[str, ...], check: Callable[[Props], Optional[str]], fix: str,
      level: str = MANDATORY, waiver: Optional[str] = None) -> ResourceRule:
    return ResourceRule(name, description, level, types, check, fix, waiver)


RESOURCE_RULES: tuple[ResourceRule, ...] = (
    # storage (lake and service storage)
    R("storage-public-network-disabled", "Storage accounts are reachable only through private endpoints", STORAGE,
      expect(PUBLIC, "Disabled", what="public network access"), "set publicNetworkAccess to Disabled", waiver="publicNetworkAccess"),
    R("storage-network-default-deny", "Storage network rules deny by default", STORAGE,
      expect("networkRuleSet.defaultAction", "Deny", what="network rules"), "set networkRuleSet.defaultAction to Deny", waiver="publicNetworkAccess"),
    R("storage-shared-key-disabled", "Storage accepts Entra ID only (no account keys, no SAS)", STORAGE,
      expect("allowSharedKeyAccess", False, what="shared key access"), "set allowSharedKeyAccess to false"),
    R("storage-blob-public-access-disabled", "No anonymous blob access", STORAGE,
      expect("allowBlobPublicAccess", False, what="anonymous access"), "set allowBlobPublicAccess to false"),
    R("storage-https-only", "HTTPS only", STORAGE, expect_not("enableHttpsTrafficOnly", False, what="HTTP allowed"),
      "set enableHttpsTrafficOnly to true"),
    R("storage-min-tls-1-2", "TLS 1.2 or later", STORAGE, expect("minimumTlsVersion", "TLS1_2", what="TLS"),
      "set minimumTlsVersion to TLS1_2"),
    R("storage-cross-tenant-replication-disabled", "No object replication to other tenants", STORAGE,
      expect("allowCrossTenantReplication", False, what="cross-tenant replication"), "set allowCrossTenantReplication to false"),
    R("storage-infrastructure-encryption", "Double encryption at rest", STORAGE,
      expect("encryption.requireInfrastructureEncryption", True, what="infrastructure encryption"),
      "set encryption.requireInfrastructureEncryption to true", level=ADVISORY),
    # key vault
    R("keyvault-rbac-mode", "Key vaults use Azure RBAC, not access policies", KEY_VAULT,
      expect("properties.enableRbacAuthorization", True, what="authorization"), "set enableRbacAuthorization to true"),
    R("keyvault-purge-protection", "Deleted vaults and secrets cannot be purged early", KEY_VAULT,
      expect("properties.enablePurgeProtection", True, what="purge protection"), "set enablePurgeProtection to true"),
    R("keyvault-soft-delete", "Soft delete on", KEY_VAULT, expect_not("properties.enableSoftDelete", False, what="soft delete"),
      "set enableSoftDelete to true"),
    R("keyvault-public-network-disabled", "Key vaults are private", KEY_VAULT,
      expect("properties.publicNetworkAccess", "Disabled", what="public network access"),
      "set publicNetworkAccess to Disabled", waiver="publicNetworkAccess"),
    R("keyvault-network-default-deny", "Key vault network ACLs deny by default", KEY_VAULT,
      expect("properties.networkAcls.defaultAction", "Deny", what="network ACLs"), "set networkAcls.defaultAction to Deny",
      waiver="publicNetworkAccess"),
    # container registry
    R("registry-premium", "Premium SKU (private link needs it)", REGISTRY, expect("sku.name", "Premium", what="sku"), "use sku Premium"),
    R("registry-admin-disabled", "No admin user", REGISTRY, expect("adminUserEnabled", False, what="admin user"), "set adminUserEnabled to false"),
    R("registry-anonymous-pull-disabled", "No anonymous pull", REGISTRY,
      expect_not("anonymousPullEnabled", True, what="anonymous pull"), "set anonymousPullEnabled to false"),
    R("registry-public-network-disabled", "Registries are private", REGISTRY,
      expect(PUBLIC, "Disabled", what="public network access"), "set publicNetworkAccess to Disabled"),
    # Azure ML
    R("ml-public-network-disabled", "Azure ML workspaces are private", ML_WORKSPACE + ML_REGISTRY,
      expect(PUBLIC, "Disabled", what="public network access"), "set publicNetworkAccess to Disabled"),
    R("ml-managed-network-isolated", "Azure ML uses managed network isolation", ML_WORKSPACE, _ml_isolated,
      "set managedNetwork.isolationMode to AllowOnlyApprovedOutbound"),
    R("ml-identity-datastores", "Workspace datastores use identity-based access", ML_WORKSPACE,
      expect("systemDatastoresAuthMode", "Identity", what="datastore auth"), "set systemDatastoresAuthMode to Identity"),
    R("ml-compute-secure", "Compute: no local auth, no node public IPs", ML_COMPUTE, _ml_compute_secure,
      "set disableLocalAuth true and enableNodePublicIp false"),
    # Databricks
    R("databricks-premium", "Premium (private link, RBAC)", DATABRICKS, expect("sku.name", "premium", what="sku"), "use sku premium"),
    R("databricks-no-public-ip", "Secure cluster connectivity (no public IPs)", DATABRICKS,
      expect("parameters.enableNoPublicIp.value", True, what="cluster public IPs"), "set enableNoPublicIp to true"),
    R("databricks-public-network-disabled", "Front end private", DATABRICKS,
      expect(PUBLIC, "Disabled", what="public network access"), "set publicNetworkAccess to Disabled"),
    R("databricks-vnet-injected", "Workspaces are injected into the spoke", DATABRICKS,
      lambda p: None if _get(p, "parameters.customVirtualNetworkId.value") else "not VNet-injected",
      "set parameters.customVirtualNetworkId and the two subnet names"),
    # Data Factory
    R("datafactory-public-network-disabled", "Data factories are private", DATA_FACTORY,
      expect(PUBLIC, "Disabled", what="public network access"), "set publicNetworkAccess to Disabled"),
    R("datafactory-managed-identity", "Data factories use a managed identity", DATA_FACTORY, _identity, "set identity.type SystemAssigned"),
    # Event Hubs
    R("eventhubs-local-auth-disabled", "Entra ID only (no SAS keys)", EVENT_HUBS,
      expect("disableLocalAuth", True, what="local auth"), "set disableLocalAuth to true"),
    R("eventhubs-min-tls-1-2", "TLS 1.2", EVENT_HUBS, expect("minimumTlsVersion", "1.2", what="TLS"), "set minimumTlsVersion to 1.2"),
    R("eventhubs-public-network-disabled", "Namespaces are private", EVENT_HUBS,
      expect(PUBLIC, "Disabled", what="public network access"), "set publicNetworkAccess to Disabled"),
    R("eventhubs-standard-or-higher", "Standard or higher (private link)", EVENT_HUBS,
      expect_in("sku.name", ("Standard", "Premium"), what="sku"), "use Standard or Premium"),
    # AKS
    R("aks-private-cluster", "Private API server", AKS, expect("apiServerAccessProfile.enablePrivateCluster", True, what="API server"),
      "set apiServerAccessProfile.enablePrivateCluster to true"),
    R("aks-local-accounts-disabled", "No local accounts", AKS, expect("disableLocalAccounts", True, what="local accounts"),
      "set disableLocalAccounts to true"),
    R("aks-entra-rbac", "Entra ID with Azure RBAC", AKS, expect("aadProfile.enableAzureRBAC", True, what="Azure RBAC"),
      "set aadProfile.managed and enableAzureRBAC to true"),
    R("aks-rbac-enabled", "Kubernetes RBAC on", AKS, expect("enableRBAC", True, what="RBAC"), "set enableRBAC to true"),
    R("aks-encryption-at-host", "Node disks encrypted at host", AKS,
      _aks_pools(lambda p: p.get("enableEncryptionAtHost") is True, "lack encryption at host"), "set enableEncryptionAtHost on every pool"),
    R("aks-no-node-public-ip", "Nodes have no public IPs", AKS,
      _aks_pools(lambda p: p.get("enablePublicIP", p.get("enableNodePublicIP")) is not True, "have public IPs"), "set enableNodePublicIP false"),
    R("aks-workload-identity", "Workload identity and OIDC issuer", AKS,
      expect("securityProfile.workloadIdentity.enabled", True, what="workload identity"),
      "enable securityProfile.workloadIdentity and oidcIssuerProfile", level=ADVISORY),
    R("aks-azure-policy", "Azure Policy add-on", AKS, expect("addonProfiles.azurepolicy.enabled", True, what="Azure Policy add-on"),
      "enable the azurepolicy add-on", level=ADVISORY),
    R("aks-public-network-disabled", "Cluster not reachable from public networks", AKS,
      expect_not(PUBLIC, "Enabled", what="public network access"), "set publicNetworkAccess to Disabled"),
    # AI Services
    R("ai-services-local-auth-disabled", "Entra ID only (no keys)", AI_SERVICES,
      expect("properties.disableLocalAuth", True, what="local auth"), "set properties.disableLocalAuth to true"),
    R("ai-services-public-network-disabled", "Accounts are private", AI_SERVICES,
      expect("properties.publicNetworkAccess", "Disabled", what="public network access"), "set properties.publicNetworkAccess to Disabled"),
    R("ai-services-custom-subdomain", "Custom subdomain (needed for Entra ID)", AI_SERVICES,
      lambda p: None if _get(p, "properties.customSubDomainName") else "no custom subdomain", "set properties.customSubDomainName"),
    R("ai-services-network-default-deny", "Network ACLs deny by default", AI_SERVICES,
      expect("properties.networkAcls.defaultAction", "Deny", what="network ACLs"), "set properties.networkAcls.defaultAction to Deny"),
    R("ai-services-agents-in-spoke", "Agent compute is injected into the project's own subnet", AI_SERVICES, _injected_agents,
      "set networkInjections useMicrosoftManagedNetwork to false with the spoke's agent subnet"),
    R("foundry-project-identity", "Foundry projects have a managed identity", FOUNDRY_PROJECT, _identity,
      "set identity.type SystemAssigned"),
    # Cosmos DB
    R("cosmos-public-network-disabled", "Cosmos DB accounts are private", COSMOS,
      expect(PUBLIC, "Disabled", what="public network access"), "set publicNetworkAccess to Disabled"),
    R("cosmos-local-auth-disabled", "Cosmos DB accepts Entra ID only (no keys)", COSMOS,
      expect("disableLocalAuth", True, what="local auth"), "set disableLocalAuth to true"),
    R("cosmos-key-metadata-writes-disabled", "No metadata writes with account keys", COSMOS,
      expect("disableKeyBasedMetadataWriteAccess", True, what="key-based metadata writes"), "set disableKeyBasedMetadataWriteAccess to true"),
    R("cosmos-min-tls-1-2", "TLS 1.2", COSMOS, expect("minimalTlsVersion", "Tls12", what="TLS"), "set minimalTlsVersion to Tls12"),
    # AI Search
    R("search-local-auth-disabled", "Entra ID only (no API keys)", SEARCH, expect("disableLocalAuth", True, what="local auth"),
      "set disableLocalAuth to true"),
    R("search-public-network-disabled", "Search services are private", SEARCH,
      expect(PUBLIC, "Disabled", what="public network access"), "set publicNetworkAccess to Disabled"),
    R("search-sku-not-free", "A SKU with private endpoints", SEARCH, _search_not_free, "use basic or higher"),
    # monitoring
    R("log-analytics-local-auth-disabled", "Log Analytics accepts Entra ID only", LOG_ANALYTICS,
      expect("features.disableLocalAuth", True, what="local auth"), "set features.disableLocalAuth to true", level=ADVISORY),
    # network
    R("nsg-no-internet-inbound", "No NSG rule allows inbound traffic from the internet", NSG, _no_open_inbound,
      "remove the rule or restrict its source"),
    R("subnets-have-nsgs", "Every subnet carries an NSG", VNET, _subnets_have_nsgs, "attach a network security group"),
    R("agent-subnet-delegation-and-class", "Agent subnets: delegated to exactly Microsoft.App/environments, outside 10.0.0.0/8", VNET,
      _agent_subnets, "delegate to Microsoft.App/environments and take the spoke from aifactory:agentAddressPool"),
    # governance
    R("required-tags", "Resources carry the factory's required tags", TAGGED_TYPES, _has_tags,
      f"add tags {list(REQUIRED_TAGS)}"),
)


# --- stack rules ----------------------------------------------------------------------------------------


def _azure_name(resource: ResourceView) -> Optional[str]:
    for key in ("accountName", "vaultName", "registryName", "workspaceName", "factoryName", "namespaceName",
                "resourceName", "searchServiceName"):
        value = resource.props.get(key)
        if isinstance(value, str):
            return value
    return None


def _diagnostics_attached(resources: Sequence[ResourceView], context: PolicyContext) -> Iterable[Finding]:
    settings = [r for r in resources if r.type == "azure-native:monitor:DiagnosticSetting"]
    uris = [r.props.get("resourceUri") for r in settings if r.props.get("workspaceId")]
    known = [uri for uri in uris if isinstance(uri, str)]
    if len(known) != len(uris):
        return  # ids not known yet (a preview of new resources): nothing can be concluded
    diagnosed = {uri.split("/providers/", 1)[-1].split("/")[2] for uri in known if uri.count("/") >= 8 and "/providers/" in uri}
    for resource in resources:
        name = _azure_name(resource) if resource.type in context.diagnosed_types else None
        if name and name not in diagnosed:
            yield Finding("diagnostics-attached", MANDATORY, resource.urn,
                          f"{name} sends no diagnostics to Log Analytics; attach a diagnostic setting (attach_diagnostics)")


def _endpoints_have_zone_groups(resources: Sequence[ResourceView], context: PolicyContext) -> Iterable[Finding]:
    grouped = {
        str(r.props.get("privateEndpointName"))
        for r in resources
        if r.type == "azure-native:network:PrivateDnsZoneGroup" and r.props.get("privateDnsZoneConfigs")
    }
    for resource in resources:
        if resource.type == "azure-native:network:PrivateEndpoint" and str(resource.props.get("privateEndpointName")) not in grouped:
            yield Finding("private-endpoint-dns-zone-group", MANDATORY, resource.urn,
                          "private endpoint has no DNS zone group; its name will not resolve privately (use PrivateEndpoint)")


def _address_ranges_disjoint(resources: Sequence[ResourceView], context: PolicyContext) -> Iterable[Finding]:
    seen: list[tuple[ipaddress.IPv4Network, ResourceView]] = []
    for resource in resources:
        if resource.type != "azure-native:network:VirtualNetwork":
            continue
        for prefix in _get(resource.props, "addressSpace.addressPrefixes") or []:
            try:
                network = ipaddress.ip_network(prefix, strict=False)
            except ValueError:
                continue
            for other, owner in seen:
                if network.overlaps(other):
                    yield Finding("address-ranges-disjoint", MANDATORY, resource.urn,
                                  f"{network} overlaps {other} of {owner.name}; every VNet needs its own range")
            seen.append((network, resource))  # type: ignore[arg-type]


def _spokes_peered(resources: Sequence[ResourceView], context: PolicyContext) -> Iterable[Finding]:
    """Each VNet has a peering of its own and is the remote end of one (a stack without peerings: skipped)."""
    peerings = [r for r in resources if r.type == "azure-native:network:VirtualNetworkPeering"]
    if not peerings:
        return
    local = {str(p.props.get("virtualNetworkName")) for p in peerings}
    remote = {str(_get(p.props, "remoteVirtualNetwork.id") or "").rsplit("/", 1)[-1] for p in peerings}
    for resource in resources:
        if resource.type != "azure-native:network:VirtualNetwork":
            continue
        name = str(resource.props.get("virtualNetworkName"))
        if name not in local or name not in remote:
            yield Finding("spoke-peered-both-ways", MANDATORY, resource.urn,
                          f"{name} is not peered with the hub in both directions; use ProjectSpoke")


STACK_RULES: tuple[StackRule, ...] = (
    StackRule("diagnostics-attached", "Data and AI services send logs and metrics to Log Analytics", MANDATORY, _diagnostics_attached),
    StackRule("private-endpoint-dns-zone-group", "Every private endpoint has a DNS zone group", MANDATORY, _endpoints_have_zone_groups),
    StackRule("address-ranges-disjoint", "VNet address ranges overlap nowhere", MANDATORY, _address_ranges_disjoint),
    StackRule("spoke-peered-both-ways", "Every spoke is peered with the hub in both directions", MANDATORY, _spokes_peered),
)


def limit_findings(findings: Iterable["LimitFinding"]) -> list[Finding]:
    """Azure's limits as policy findings (counted environment-wide by ``aifactory.core.limits``)."""
    return [
        Finding(f"limit-{f.limit.key}", MANDATORY if f.mandatory else ADVISORY, "", f.message) for f in findings
    ]


def evaluate(resources: Sequence[ResourceView], context: PolicyContext) -> list[Finding]:
    """Every resource rule on every resource, then every stack rule; mandatory findings first."""
    by_type: dict[str, list[ResourceRule]] = {}
    for rule in RESOURCE_RULES:
        for type_token in rule.types:
            by_type.setdefault(type_token, []).append(rule)
    findings = [f for resource in resources for rule in by_type.get(resource.type, ()) if (f := rule.evaluate(resource))]
    for stack_rule in STACK_RULES:
        findings.extend(stack_rule.check(resources, context))
    return sorted(findings, key=lambda f: (f.level != MANDATORY, f.policy, f.urn))
