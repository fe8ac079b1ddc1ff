"""Azure Kubernetes Service: private, Entra ID with Azure RBAC, no local accounts, CNI overlay."""

from __future__ import annotations

import ipaddress
from typing import Iterable, Literal

from pydantic import Field, model_validator

from aifactory.core.access import Persona, Role
from aifactory.core.naming import ResourceKind
from aifactory.core.spec import AssemblyView, EgressRule, Footprint, NameClaim, ServiceSettings, ServiceSpec
from aifactory.core.types import Cidr, IPv4

NODE_SUBNET = "aks"
API_SERVER_ZONE = "privatelink.{location}.azmk8s.io"


class AksSettings(ServiceSettings):
    system_min_nodes: int = Field(default=1, ge=1, le=10)
    system_max_nodes: int = Field(default=3, ge=1, le=100)
    user_max_nodes: int = Field(default=3, ge=0, le=1000)
    vm_size: str = Field(default="Standard_D4ds_v5", pattern=r"^Standard_[A-Za-z0-9_]+$")
    kubernetes_version: str | None = Field(default=None, pattern=r"^\d+\.\d+(\.\d+)?$")
    tier: Literal["Free", "Standard", "Premium"] = "Standard"
    pod_cidr: Cidr = "10.244.0.0/16"
    """Pod addresses (CNI overlay): never routed, but they must overlap no VNet, peering or on-premises range."""
    service_cidr: Cidr = "10.245.0.0/16"
    """Kubernetes service addresses: smaller than a /12, overlapping no other range."""
    dns_service_ip: IPv4 = "10.245.0.10"

    @model_validator(mode="after")
    def _ranges(self) -> "AksSettings":
        pods, services = ipaddress.IPv4Network(self.pod_cidr), ipaddress.IPv4Network(self.service_cidr)
        if pods.overlaps(services):
            raise ValueError(f"podCidr {pods} overlaps serviceCidr {services}")
        if services.prefixlen <= 12:
            raise ValueError(f"serviceCidr {services} must be smaller than a /12")
        dns = ipaddress.IPv4Address(self.dns_service_ip)
        if dns not in services or dns == services.network_address:
            raise ValueError(f"dnsServiceIp {dns} must be inside serviceCidr {services}, not its first address")
        if self.system_min_nodes > self.system_max_nodes:
            raise ValueError("systemMinNodes is more than systemMaxNodes")
        return self


def check_ranges(settings: AksSettings, view: AssemblyView) -> Iterable[tuple[str, str]]:
    """Pod and service CIDRs overlap nothing the environment knows (pools, hubs, spokes, other environments)."""
    for field, cidr in (("podCidr", settings.pod_cidr), ("serviceCidr", settings.service_cidr)):
        overlap = view.first_overlap(cidr)
        if overlap is not None:
            label, other = overlap
            yield field, f"{ipaddress.IPv4Network(cidr)} overlaps {label} {other}; pick a range outside every VNet and pool"


AKS = ServiceSpec(
    key="aks",
    title="Azure Kubernetes Service",
    summary="Private cluster, Entra ID with Azure RBAC, no local accounts, CNI overlay with Cilium, workload "
    "identity, encryption at host, Azure Policy and Defender, API server in the hub's private zone",
    builder="aifactory.components.aks:build",
    abbreviation="aks",
    hub_zones=(API_SERVER_ZONE,),
    roles={
        Persona.OWNER: (Role.AKS_CLUSTER_USER, Role.AKS_RBAC_WRITER),
        Persona.MEMBER: (Role.AKS_CLUSTER_USER, Role.AKS_RBAC_READER),
        Persona.WORKLOAD: (Role.AKS_CLUSTER_USER,),
    },
    resource_types=("azure-native:containerservice:ManagedCluster", "azure-native:managedidentity:UserAssignedIdentity"),
    diagnosed_types=("azure-native:containerservice:ManagedCluster",),
    settings=AksSettings,
    defaults={
        "dev": {"systemMinNodes": 1, "userMaxNodes": 3},
        "test": {"systemMinNodes": 2, "userMaxNodes": 5},
        "prod": {"systemMinNodes": 3, "userMaxNodes": 20},
    },
    outputs={"clusterId": "the cluster's resource id", "oidcIssuerUrl": "the OIDC issuer (workload identity federation)"},
    subnets=(NODE_SUBNET,),
    identities=("kubelet",),
    names=(NameClaim(ResourceKind.RESOURCE_GROUP, "aks-nodes"),),
    footprint=Footprint(resource_groups=1, fixed_role_assignments=1, hub_role_assignments=1, firewall_role_assignments=1),
    check=check_ranges,
    egress=(
        EgressRule(
            "aks-fqdn-tag",
            "application",
            (NODE_SUBNET,),
            ("Https:443", "Http:80"),
            fqdn_tags=("AzureKubernetesService",),
            reason="node images, packages and Microsoft Container Registry (required outbound rules)",
        ),
        EgressRule(
            "aks-ntp",
            "network",
            (NODE_SUBNET,),
            ("UDP",),
            destinations=("*",),
            ports=("123",),
            reason="time synchronisation (NTP) of the nodes",
        ),
        EgressRule(
            "aks-azure-monitor",
            "network",
            (NODE_SUBNET,),
            ("TCP",),
            destinations=("AzureMonitor",),
            ports=("443",),
            reason="Container Insights and Defender send to Azure Monitor",
        ),
    ),
)
