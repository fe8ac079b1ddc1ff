"""AiServices (Azure OpenAI / AI Services): Entra-only, private, with model deployments."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

import pulumi
from pulumi_azure_native import cognitiveservices

from aifactory.access import Role
from aifactory.components.base import ComponentSettings
from aifactory.components.rbac import Grantee
from aifactory.components.service import ServiceComponent, ServicePlacement
from aifactory.naming import ResourceKind

DEPLOYMENT_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9._-]{1,63}$")


@dataclass(frozen=True)
class ModelDeployment:
    """One model deployment: model name and version, SKU, capacity (thousands of tokens per minute)."""

    name: str
    model: str
    version: str
    capacity: int = 10
    sku: str = "GlobalStandard"
    model_format: str = "OpenAI"

    def __post_init__(self) -> None:
        if not DEPLOYMENT_NAME.fullmatch(self.name):
            raise ValueError(f"invalid deployment name {self.name!r}")
        if not 1 <= self.capacity <= 10_000:
            raise ValueError(f"deployment {self.name!r}: capacity is 1-10000")
        if self.sku not in ("Standard", "GlobalStandard", "DataZoneStandard", "ProvisionedManaged", "GlobalProvisionedManaged"):
            raise ValueError(f"deployment {self.name!r}: unknown sku {self.sku!r}")


@dataclass(frozen=True)
class AiServicesArgs:
    placement: ServicePlacement
    kind: str = "AIServices"
    sku: str = "S0"
    deployments: tuple[ModelDeployment, ...] = ()
    restrict_outbound_network_access: bool = True
    settings: ComponentSettings = field(default_factory=ComponentSettings)

    def __post_init__(self) -> None:
        if self.kind not in ("AIServices", "OpenAI"):
            raise ValueError("AiServices kind is AIServices or OpenAI")
        names = [d.name for d in self.deployments]
        if len(names) != len(set(names)):
            raise ValueError(f"duplicate model deployment names: {names}")


class AiServices(ServiceComponent):
    account_id: pulumi.Output[str]
    endpoint: str

    def __init__(self, name: str, args: AiServicesArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("aifactory:ai:AiServices", name, args.placement, args.settings, opts)
        placement = args.placement
        self.account_name = placement.name(ResourceKind.AI_SERVICES)
        self.account = cognitiveservices.Account(
            self.child_name("ais"),
            account_name=self.account_name,
            resource_group_name=placement.resource_group_name,
            location=placement.location,
            kind=args.kind,
            sku=cognitiveservices.SkuArgs(name=args.sku),
            identity=cognitiveservices.IdentityArgs(type="SystemAssigned"),
            properties=cognitiveservices.AccountPropertiesArgs(
                custom_sub_domain_name=self.account_name,  # required for Entra ID auth
                public_network_access="Disabled",
                network_acls=cognitiveservices.NetworkRuleSetArgs(default_action="Deny", bypass="AzureServices"),
                disable_local_auth=True,
                restrict_outbound_network_access=args.restrict_outbound_network_access,
            ),
            tags=self.tags,
            opts=self.child_opts(),
        )
        self.account_id = self.account.id
        self.endpoint = f"https://{self.account_name}.cognitiveservices.azure.com/"
        self._expose(self.account, self.account_name, "ai")
        previous: Optional[pulumi.Resource] = None
        for deployment in args.deployments:  # Azure refuses concurrent deployments on one account
            previous = cognitiveservices.Deployment(
                self.child_name(f"deploy-{deployment.name}"),
                account_name=self.account.name,
                resource_group_name=placement.resource_group_name,
                deployment_name=deployment.name,
                sku=cognitiveservices.SkuArgs(name=deployment.sku, capacity=deployment.capacity),
                properties=cognitiveservices.DeploymentPropertiesArgs(
                    model=cognitiveservices.DeploymentModelArgs(
                        format=deployment.model_format, name=deployment.model, version=deployment.version
                    ),
                    version_upgrade_option="NoAutoUpgrade",
                ),
                tags=self.tags,
                opts=self.child_opts(depends_on=[previous] if previous else None),
            )
        self._private_endpoints(self.account.id, ("account",), "ais")
        self._diagnostics("ais", self.account.id)
        self.register_outputs({"accountId": self.account_id, "endpoint": self.endpoint})

    def grant_openai_user(self, grantee: Grantee, parent: Optional[pulumi.Resource] = None) -> None:
        self.grant_role(grantee, Role.COGNITIVE_SERVICES_OPENAI_USER, parent)

    def grant_openai_contributor(self, grantee: Grantee, parent: Optional[pulumi.Resource] = None) -> None:
        self.grant_role(grantee, Role.COGNITIVE_SERVICES_OPENAI_CONTRIBUTOR, parent)
