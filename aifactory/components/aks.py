"""AksCluster: private, Entra ID with Azure RBAC, no local accounts, CNI overlay, workload identity."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from ipaddress import IPv4Network
from typing import Mapping, Optional

import pulumi
from pulumi_azure_native import containerservice, managedidentity

from aifactory.access import Role
from aifactory.components.base import ComponentSettings
from aifactory.components.rbac import Grantee, grant
from aifactory.components.service import ServiceComponent, ServicePlacement
from aifactory.naming import ResourceKind

VM_SIZE = re.compile(r"^Standard_[A-Za-z0-9_]+$")


@dataclass(frozen=True)
class NodePool:
    name: str
    vm_size: str = "Standard_D4ds_v5"
    min_count: int = 1
    max_count: int = 3

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-z][a-z0-9]{0,11}", self.name):
            raise ValueError(f"node pool name {self.name!r}: 1-12 lowercase letters and digits, starting with a letter")
        if not VM_SIZE.fullmatch(self.vm_size):
            raise ValueError(f"node pool {self.name!r}: {self.vm_size!r} is not a VM size like Standard_D4ds_v5")
        if not 0 <= self.min_count <= self.max_count <= 1000:
            raise ValueError(f"node pool {self.name!r}: need 0 <= min_count <= max_count <= 1000")


@dataclass(frozen=True)
class AksClusterArgs:
    placement: ServicePlacement
    node_subnet_id: pulumi.Input[str]
    node_subnet_cidr: str
    tenant_id: pulumi.Input[str]
    pod_cidr: str = "10.244.0.0/16"
    service_cidr: str = "10.245.0.0/16"
    dns_service_ip: str = "10.245.0.10"
    reserved_ranges: Mapping[str, str] = field(default_factory=dict)
    """Every range the planner knows (pools, hub, spokes): the pod CIDR must overlap none of them."""
    admin_group_object_ids: tuple[str, ...] = ()
    system_pool: NodePool = field(default_factory=lambda: NodePool("system", min_count=2, max_count=3))
    user_pool: Optional[NodePool] = field(default_factory=lambda: NodePool("user", min_count=0, max_count=5))
    kubernetes_version: Optional[str] = None
    tier: str = "Standard"
    private_dns_zone_id: Optional[pulumi.Input[str]] = None
    """The hub's ``privatelink.<region>.azmk8s.io`` zone, so the hub and every spoke resolve the API server.
    Needs a user-assigned control-plane identity, which the component creates and grants Private DNS Zone
    Contributor on the zone and Network Contributor on the node subnet. Without it: a zone of AKS's own."""
    settings: ComponentSettings = field(default_factory=ComponentSettings)

    def __post_init__(self) -> None:
        try:
            pods = IPv4Network(self.pod_cidr)
            services = IPv4Network(self.service_cidr)
            nodes = IPv4Network(self.node_subnet_cidr)
            dns_ip = ipaddress.IPv4Address(self.dns_service_ip)
        except ValueError as error:
            raise ValueError(f"AKS network settings: {error}") from None
        known = {"the node subnet": nodes, "the service CIDR": services, **{k: IPv4Network(v) for k, v in self.reserved_ranges.items()}}
        for label, other in known.items():
            if pods.overlaps(other):
                raise ValueError(f"AKS pod CIDR {pods} overlaps {label} {other}; pick a range outside every VNet")
        for label, other in {"the node subnet": nodes, **{k: IPv4Network(v) for k, v in self.reserved_ranges.items()}}.items():
            if services.overlaps(other):
                raise ValueError(f"AKS service CIDR {services} overlaps {label} {other}")
        if services.prefixlen <= 12:
            raise ValueError(f"AKS service CIDR {services} must be smaller than a /12")
        if dns_ip not in services or dns_ip == services.network_address:
            raise ValueError(f"AKS DNS service IP {dns_ip} must be inside the service CIDR {services}, not its first address")
        if self.tier not in ("Free", "Standard", "Premium"):
            raise ValueError("AKS tier is Free, Standard or Premium")


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
        self.cluster = containerservice.ManagedCluster(
            self.child_name("aks"),
            resource_name_=self.cluster_name,
            resource_group_name=placement.resource_group_name,
            location=placement.location,
            dns_prefix=self.cluster_name,
            kubernetes_version=args.kubernetes_version,
            sku=containerservice.ManagedClusterSKUArgs(name="Base", tier=args.tier),
            identity=identity,
            node_resource_group=placement.name(ResourceKind.RESOURCE_GROUP, "aks-nodes"),
            api_server_access_profile=containerservice.ManagedClusterAPIServerAccessProfileArgs(
                enable_private_cluster=True, enable_private_cluster_public_fqdn=False, private_dns_zone=dns_zone
            ),
            public_network_access="Disabled",
            disable_local_accounts=True,
            enable_rbac=True,
            aad_profile=containerservice.ManagedClusterAADProfileArgs(
                managed=True,
                enable_azure_rbac=True,
                tenant_id=args.tenant_id,
                admin_group_object_ids=list(args.admin_group_object_ids) or None,
            ),
            oidc_issuer_profile=containerservice.ManagedClusterOIDCIssuerProfileArgs(enabled=True),
            security_profile=containerservice.ManagedClusterSecurityProfileArgs(
                workload_identity=containerservice.ManagedClusterSecurityProfileWorkloadIdentityArgs(enabled=True),
                defender=containerservice.ManagedClusterSecurityProfileDefenderArgs(
                    log_analytics_workspace_resource_id=workspace_id,
                    security_monitoring=containerservice.ManagedClusterSecurityProfileDefenderSecurityMonitoringArgs(enabled=True),
                ),
                image_cleaner=containerservice.ManagedClusterSecurityProfileImageCleanerArgs(enabled=True, interval_hours=48),
            ),
            network_profile=containerservice.ContainerServiceNetworkProfileArgs(
                network_plugin="azure",
                network_plugin_mode="overlay",
                network_policy="cilium",
                network_dataplane="cilium",
                pod_cidr=args.pod_cidr,
                service_cidr=args.service_cidr,
                dns_service_ip=args.dns_service_ip,
                outbound_type="loadBalancer",
                load_balancer_sku="standard",
            ),
            agent_pool_profiles=pools,
            addon_profiles={
                "azurepolicy": containerservice.ManagedClusterAddonProfileArgs(enabled=True),
                "omsagent": containerservice.ManagedClusterAddonProfileArgs(
                    enabled=True, config={"logAnalyticsWorkspaceResourceID": workspace_id, "useAADAuth": "true"}
                ),
            },
            auto_upgrade_profile=containerservice.ManagedClusterAutoUpgradeProfileArgs(
                upgrade_channel="patch", node_os_upgrade_channel="NodeImage"
            ),
            tags=self.tags,
            opts=self.child_opts(depends_on=depends_on),
        )
        self.cluster_id = self.cluster.id
        self.oidc_issuer_url = self.cluster.oidc_issuer_profile.apply(lambda p: p.issuer_url if p else None)
        kubelet = self.cluster.identity_profile.apply(
            lambda profile: (profile or {}).get("kubeletidentity").object_id if (profile or {}).get("kubeletidentity") else None
        )
        self.kubelet_identity = Grantee.identity(kubelet, f"aks-kubelet:{placement.naming.subscription_id}/{self.cluster_name}")
        self._expose(self.cluster, self.cluster_name, "aks")
        self._diagnostics("aks", self.cluster.id)
        self.register_outputs({"clusterId": self.cluster_id, "oidcIssuerUrl": self.oidc_issuer_url})

    def _control_plane_identity(
        self, args: AksClusterArgs
    ) -> tuple[containerservice.ManagedClusterIdentityArgs, pulumi.Input[str], list[pulumi.Resource]]:
        """System-assigned identity and AKS's own zone, or (with the hub's zone) a user-assigned identity
        granted what a bring-your-own private zone needs, before the cluster exists."""
        if args.private_dns_zone_id is None:
            return containerservice.ManagedClusterIdentityArgs(type="SystemAssigned"), "system", []
        placement = self.placement
        name = placement.name(ResourceKind.MANAGED_IDENTITY, "aks-control-plane")
        identity = managedidentity.UserAssignedIdentity(
            self.child_name("id"),
            resource_name_=name,
            resource_group_name=placement.resource_group_name,
            location=placement.location,
            tags=self.tags,
            opts=self.child_opts(),
        )
        grantee = Grantee.identity(identity.principal_id, f"identity:{placement.naming.subscription_id}/{name}")
        grants = [
            grant(name=self.child_name("ra-dns"), scope=args.private_dns_zone_id, scope_key=f"aks-dns:{name}",
                  grantee=grantee, role=Role.PRIVATE_DNS_ZONE_CONTRIBUTOR,
                  subscription_id=placement.naming.subscription_id, parent=self),
            grant(name=self.child_name("ra-subnet"), scope=args.node_subnet_id, scope_key=f"aks-subnet:{name}",
                  grantee=grantee, role=Role.NETWORK_CONTRIBUTOR,
                  subscription_id=placement.naming.subscription_id, parent=self),
        ]
        identity_args = containerservice.ManagedClusterIdentityArgs(
            type="UserAssigned", user_assigned_identities=[identity.id]
        )
        return identity_args, args.private_dns_zone_id, grants

    @staticmethod
    def _pool(pool: NodePool, mode: str, subnet_id: pulumi.Input[str]) -> containerservice.ManagedClusterAgentPoolProfileArgs:
        return containerservice.ManagedClusterAgentPoolProfileArgs(
            name=pool.name,
            mode=mode,
            vm_size=pool.vm_size,
            os_type="Linux",
            os_sku="AzureLinux",
            type="VirtualMachineScaleSets",
            enable_auto_scaling=True,
            count=max(pool.min_count, 1) if mode == "System" else pool.min_count,
            min_count=pool.min_count,
            max_count=pool.max_count,
            enable_encryption_at_host=True,
            enable_node_public_ip=False,
            vnet_subnet_id=subnet_id,
            node_taints=["CriticalAddonsOnly=true:NoSchedule"] if mode == "System" else None,
        )

    def grant_cluster_user(self, grantee: Grantee, parent: Optional[pulumi.Resource] = None) -> None:
        self.grant_role(grantee, Role.AKS_CLUSTER_USER, parent)

    def grant_rbac_writer(self, grantee: Grantee, parent: Optional[pulumi.Resource] = None) -> None:
        self.grant_role(grantee, Role.AKS_RBAC_WRITER, parent)

    def grant_rbac_reader(self, grantee: Grantee, parent: Optional[pulumi.Resource] = None) -> None:
        self.grant_role(grantee, Role.AKS_RBAC_READER, parent)
