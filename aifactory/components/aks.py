"""AksCluster: private, Entra ID with Azure RBAC, no local accounts, CNI overlay, workload identity."""

from __future__ import annotations

import ipaddress
from ipaddress import IPv4Network
from typing import Literal, Mapping, Optional

import pulumi
from pydantic import Field, InstanceOf, model_validator

from aifactory.components.arm import AzureResource
from aifactory.components.base import ComponentArgs, ComponentSettings, Invalid, StrInput
from aifactory.components.rbac import Grantee, grant
from aifactory.components.service import BuiltService, ServiceComponent, ServiceContext, ServicePlacement
from aifactory.core.access import Role
from aifactory.core.naming import ResourceKind
from aifactory.core.types import Cidr, Guid, IPv4
from aifactory.services.aks import API_SERVER_ZONE, NODE_SUBNET, AksSettings


class NodePool(ComponentArgs):
    name: str = Field(pattern=r"^[a-z][a-z0-9]{0,11}$")
    """1-12 lowercase letters and digits, starting with a letter."""
    vm_size: str = Field(default="Standard_D4ds_v5", pattern=r"^Standard_[A-Za-z0-9_]+$")
    min_count: int = Field(default=1, ge=0, le=1000)
    max_count: int = Field(default=3, ge=0, le=1000)

    @model_validator(mode="after")
    def _order(self) -> "NodePool":
        if self.min_count > self.max_count:
            raise Invalid("min_count", f"node pool {self.name!r}: min_count is more than max_count")
        return self


class AksClusterArgs(ComponentArgs):
    placement: InstanceOf[ServicePlacement]
    node_subnet_id: StrInput
    node_subnet_cidr: Cidr
    tenant_id: StrInput
    pod_cidr: Cidr = "10.244.0.0/16"
    service_cidr: Cidr = "10.245.0.0/16"
    dns_service_ip: IPv4 = "10.245.0.10"
    reserved_ranges: Mapping[str, Cidr] = {}
    """Every range the planner knows (pools, hub, spokes): pod and service CIDRs must overlap none of them."""
    admin_group_object_ids: tuple[Guid, ...] = ()
    system_pool: NodePool = NodePool(name="system", min_count=2, max_count=3)
    user_pool: Optional[NodePool] = NodePool(name="user", min_count=0, max_count=5)
    kubernetes_version: Optional[str] = None
    tier: Literal["Free", "Standard", "Premium"] = "Standard"
    private_dns_zone_id: Optional[StrInput] = None
    """The hub's ``privatelink.<region>.azmk8s.io`` zone, so the hub and every spoke resolve the API server.
    Needs a user-assigned control-plane identity, which the component creates and grants Private DNS Zone
    Contributor on the zone and Network Contributor on the node subnet. Without it: a zone of AKS's own."""
    route_table_id: Optional[StrInput] = None
    """The node subnet's route table to a hub firewall: outbound traffic then goes through it
    (``outboundType: userDefinedRouting``) and the control-plane identity may read and join it."""
    settings: InstanceOf[ComponentSettings] = ComponentSettings()

    @model_validator(mode="after")
    def _ranges(self) -> "AksClusterArgs":
        pods, services, nodes = IPv4Network(self.pod_cidr), IPv4Network(self.service_cidr), IPv4Network(self.node_subnet_cidr)
        known = {"the node subnet": nodes, **{k: IPv4Network(v) for k, v in self.reserved_ranges.items()}}
        for field_name, network in (("pod_cidr", pods), ("service_cidr", services)):
            for label, other in known.items():
                if network.overlaps(other):
                    raise Invalid(field_name, f"{network} overlaps {label} {other}; pick a range outside every VNet")
        if pods.overlaps(services):
            raise Invalid("pod_cidr", f"{pods} overlaps service_cidr {services}")
        if services.prefixlen <= 12:
            raise Invalid("service_cidr", f"{services} must be smaller than a /12")
        dns_ip = ipaddress.IPv4Address(self.dns_service_ip)
        if dns_ip not in services or dns_ip == services.network_address:
            raise Invalid("dns_service_ip", f"{dns_ip} must be inside the service CIDR {services}, not its first address")
        if self.route_table_id is not None and self.private_dns_zone_id is None:
            raise Invalid("route_table_id", "needs private_dns_zone_id: the user-assigned control-plane identity must join the route table")
        return self


class AksCluster(ServiceComponent):
    cluster_id: pulumi.Output[str]
    oidc_issuer_url: pulumi.Output[str]

    def __init__(self, name: str, args: AksClusterArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("aifactory:containers:AksCluster", name, args.placement, args.settings, opts)
        placement = args.placement
        self.cluster_name = placement.name(ResourceKind.AKS_CLUSTER)
        pools = [self._pool(args.system_pool, "System", args.node_subnet_id)]
        if args.user_pool is not None:
            pools.append(self._pool(args.user_pool, "User", args.node_subnet_id))
        workspace_id = placement.log_analytics_workspace_id
        identity, dns_zone, depends_on = self._control_plane_identity(args)
        self.cluster = AzureResource(
            "azure-native:containerservice:ManagedCluster",
            self.child_name("aks"),
            {
                "resourceName": self.cluster_name,
                "resourceGroupName": placement.resource_group_name,
                "location": placement.location,
                "dnsPrefix": self.cluster_name,
                "kubernetesVersion": args.kubernetes_version,
                "sku": {"name": "Base", "tier": args.tier},
                "identity": identity,
                "nodeResourceGroup": placement.name(ResourceKind.RESOURCE_GROUP, "aks-nodes"),
                "apiServerAccessProfile": {
                    "enablePrivateCluster": True,
                    "enablePrivateClusterPublicFQDN": False,
                    "privateDNSZone": dns_zone,
                },
                "publicNetworkAccess": "Disabled",
                "disableLocalAccounts": True,
                "enableRBAC": True,
                "aadProfile": {
                    "managed": True,
                    "enableAzureRBAC": True,
                    "tenantID": args.tenant_id,
                    "adminGroupObjectIDs": list(args.admin_group_object_ids) or None,
                },
                "oidcIssuerProfile": {"enabled": True},
                "securityProfile": {
                    "workloadIdentity": {"enabled": True},
                    "defender": {"logAnalyticsWorkspaceResourceId": workspace_id, "securityMonitoring": {"enabled": True}},
                    "imageCleaner": {"enabled": True, "intervalHours": 48},
                },
                "networkProfile": {
                    "networkPlugin": "azure",
                    "networkPluginMode": "overlay",
                    "networkPolicy": "cilium",
                    "networkDataplane": "cilium",
                    "podCidr": args.pod_cidr,
                    "serviceCidr": args.service_cidr,
                    "dnsServiceIP": args.dns_service_ip,
                    "outboundType": "userDefinedRouting" if args.route_table_id is not None else "loadBalancer",
                    "loadBalancerSku": "standard",
                },
                "agentPoolProfiles": pools,
                "addonProfiles": {
                    "azurepolicy": {"enabled": True},
                    "omsagent": {"enabled": True, "config": {"logAnalyticsWorkspaceResourceID": workspace_id, "useAADAuth": "true"}},
                },
                "autoUpgradeProfile": {"upgradeChannel": "patch", "nodeOSUpgradeChannel": "NodeImage"},
                "tags": self.tags,
            },
            self.child_opts(depends_on=depends_on),
            outputs=("identityProfile", "oidcIssuerProfile"),
        )
        self.cluster_id = self.cluster.id
        self.oidc_issuer_url: pulumi.Output[str] = self.cluster.output("oidcIssuerProfile").apply(lambda p: str((p or {}).get("issuerURL")))
        kubelet = self.cluster.output("identityProfile").apply(
            lambda profile: ((profile or {}).get("kubeletidentity") or {}).get("objectId")
        )
        self.kubelet_identity = Grantee.identity(kubelet, "aks-kubelet", placement.naming.subscription_id, self.cluster_name)
        self._expose(self.cluster, self.cluster_name, "aks")
        self._diagnostics("aks", self.cluster.id)
        self.register_outputs({"clusterId": self.cluster_id, "oidcIssuerUrl": self.oidc_issuer_url})

    def _control_plane_identity(self, args: AksClusterArgs) -> tuple[dict[str, object], pulumi.Input[str], list[pulumi.Resource]]:
        """System-assigned identity and AKS's own zone, or (with the hub's zone) a user-assigned identity
        granted what a bring-your-own private zone (and a route table) needs, before the cluster exists."""
        if args.private_dns_zone_id is None:
            return {"type": "SystemAssigned"}, "system", []
        placement = self.placement
        name = placement.name(ResourceKind.MANAGED_IDENTITY, "aks-control-plane")
        identity = AzureResource(
            "azure-native:managedidentity:UserAssignedIdentity",
            self.child_name("id"),
            {"resourceName": name, "resourceGroupName": placement.resource_group_name, "location": placement.location, "tags": self.tags},
            self.child_opts(),
            outputs=("principalId", "clientId"),
        )
        grantee = Grantee.identity(identity.output("principalId"), "identity", placement.naming.subscription_id, name)
        subscription = placement.naming.subscription_id
        scopes: list[tuple[str, pulumi.Input[str], str, Role, str | None]] = [
            # the zone is the hub's, possibly in another subscription: its role definition follows the zone
            ("ra-dns", args.private_dns_zone_id, f"aks-dns:{name}", Role.PRIVATE_DNS_ZONE_CONTRIBUTOR, None),
            ("ra-subnet", args.node_subnet_id, f"aks-subnet:{name}", Role.NETWORK_CONTRIBUTOR, subscription),
        ]
        if args.route_table_id is not None:
            scopes.append(("ra-rt", args.route_table_id, f"aks-rt:{name}", Role.NETWORK_CONTRIBUTOR, subscription))
        grants: list[pulumi.Resource] = [
            grant(name=self.child_name(suffix), scope=scope, scope_key=key, grantee=grantee, role=role,
                  subscription_id=definition_subscription, parent=self)
            for suffix, scope, key, role, definition_subscription in scopes
        ]
        return {"type": "UserAssigned", "userAssignedIdentities": [identity.id]}, args.private_dns_zone_id, grants

    @staticmethod
    def _pool(pool: NodePool, mode: str, subnet_id: pulumi.Input[str]) -> dict[str, object]:
        return {
            "name": pool.name,
            "mode": mode,
            "vmSize": pool.vm_size,
            "osType": "Linux",
            "osSKU": "AzureLinux",
            "type": "VirtualMachineScaleSets",
            "enableAutoScaling": True,
            "count": max(pool.min_count, 1) if mode == "System" else pool.min_count,
            "minCount": pool.min_count,
            "maxCount": pool.max_count,
            "enableEncryptionAtHost": True,
            "enableNodePublicIP": False,
            "vnetSubnetID": subnet_id,
            "nodeTaints": ["CriticalAddonsOnly=true:NoSchedule"] if mode == "System" else None,
        }

    def grant_cluster_user(self, grantee: Grantee, parent: Optional[pulumi.Resource] = None) -> None:
        self.grant_role(grantee, Role.AKS_CLUSTER_USER, parent)

    def grant_rbac_writer(self, grantee: Grantee, parent: Optional[pulumi.Resource] = None) -> None:
        self.grant_role(grantee, Role.AKS_RBAC_WRITER, parent)

    def grant_rbac_reader(self, grantee: Grantee, parent: Optional[pulumi.Resource] = None) -> None:
        self.grant_role(grantee, Role.AKS_RBAC_READER, parent)


def build(context: ServiceContext) -> BuiltService:
    """The project's cluster in its ``aks`` subnet; its API server in the hub's zone; egress through the
    hub firewall when the spoke routes there."""
    settings: AksSettings = context.settings
    zone = context.dns_zone_ids.get(API_SERVER_ZONE.format(location=context.placement.location))
    cluster = AksCluster(
        context.name,
        AksClusterArgs(
            placement=context.placement,
            node_subnet_id=context.network.subnet_ids[NODE_SUBNET],
            node_subnet_cidr=context.network.subnet_cidrs[NODE_SUBNET],
            tenant_id=context.tenant_id,
            pod_cidr=settings.pod_cidr,
            service_cidr=settings.service_cidr,
            dns_service_ip=settings.dns_service_ip,
            system_pool=NodePool(
                name="system", vm_size=settings.vm_size, min_count=settings.system_min_nodes,
                max_count=max(settings.system_min_nodes, settings.system_max_nodes),
            ),
            user_pool=NodePool(name="user", vm_size=settings.vm_size, min_count=0, max_count=settings.user_max_nodes),
            kubernetes_version=settings.kubernetes_version,
            tier=settings.tier,
            private_dns_zone_id=zone,
            route_table_id=context.network.route_table_id if zone is not None else None,
            settings=context.component_settings,
        ),
        opts=context.opts(),
    )
    outputs = {"clusterId": cluster.cluster_id, "oidcIssuerUrl": cluster.oidc_issuer_url}
    return BuiltService(cluster, outputs, {"kubelet": cluster.kubelet_identity})
