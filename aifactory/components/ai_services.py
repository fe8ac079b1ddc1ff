"""AiServices (Azure OpenAI / AI Services): Entra-only, private, with model deployments."""

from __future__ import annotations

from typing import Literal, Optional

import pulumi
from pydantic import InstanceOf

from aifactory.components.arm import AzureResource
from aifactory.components.base import ComponentArgs, ComponentSettings, FactoryComponent
from aifactory.components.rbac import Grantee
from aifactory.components.service import BuiltService, ServiceComponent, ServiceContext, ServicePlacement
from aifactory.core.access import Role
from aifactory.core.naming import ResourceKind
from aifactory.core.types import StrictFlag
from aifactory.services.aiservices import AISERVICES, AiServicesSettings, Deployments, ModelDeployment


class AiServicesArgs(ComponentArgs):
    placement: InstanceOf[ServicePlacement]
    kind: Literal["AIServices", "OpenAI"] = "AIServices"
    sku: Literal["S0"] = "S0"
    deployments: Deployments = ()
    restrict_outbound_network_access: StrictFlag = True
    settings: InstanceOf[ComponentSettings] = ComponentSettings()


def add_deployments(owner: FactoryComponent, account: AzureResource, resource_group_name: pulumi.Input[str], deployments: tuple[ModelDeployment, ...]) -> None:
    """Model deployments on an account, one after another (Azure refuses concurrent deployments on one account)."""
    previous: Optional[pulumi.Resource] = None
    for deployment in deployments:
        previous = AzureResource(
            "azure-native:cognitiveservices:Deployment",
            owner.child_name(f"deploy-{deployment.name}"),
            {
                "accountName": account.name,
                "resourceGroupName": resource_group_name,
                "deploymentName": deployment.name,
                "sku": {"name": deployment.sku, "capacity": deployment.capacity},
                "properties": {
                    "model": {"format": deployment.model_format, "name": deployment.model, "version": deployment.version},
                    "versionUpgradeOption": "NoAutoUpgrade",
                },
                "tags": owner.tags,
            },
            owner.child_opts(depends_on=[previous] if previous else None),
        )


class AiServices(ServiceComponent):
    account_id: pulumi.Output[str]
    endpoint: str

    def __init__(self, name: str, args: AiServicesArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("aifactory:ai:AiServices", name, args.placement, args.settings, opts)
        placement = args.placement
        self.account_name = placement.name(ResourceKind.AI_SERVICES)
        self.account = AzureResource(
            "azure-native:cognitiveservices:Account",
            self.child_name("ais"),
            {
                "accountName": self.account_name,
                "resourceGroupName": placement.resource_group_name,
                "location": placement.location,
                "kind": args.kind,
                "sku": {"name": args.sku},
                "identity": {"type": "SystemAssigned"},
                "properties": {
                    "customSubDomainName": self.account_name,  # required for Entra ID auth
                    "publicNetworkAccess": "Disabled",
                    "networkAcls": {"defaultAction": "Deny", "bypass": "AzureServices"},
                    "disableLocalAuth": True,
                    "restrictOutboundNetworkAccess": args.restrict_outbound_network_access,
                },
                "tags": self.tags,
            },
            self.child_opts(),
        )
        self.account_id = self.account.id
        self.endpoint = f"https://{self.account_name}.cognitiveservices.azure.com/"
        self._expose(self.account, self.account_name, "ai")
        add_deployments(self, self.account, placement.resource_group_name, args.deployments)
        self._private_endpoints(self.account.id, AISERVICES.endpoint_groups, "ais")
        self._diagnostics("ais", self.account.id)
        self.register_outputs({"accountId": self.account_id, "endpoint": self.endpoint})

    def grant_openai_user(self, grantee: Grantee, parent: Optional[pulumi.Resource] = None) -> None:
        self.grant_role(grantee, Role.COGNITIVE_SERVICES_OPENAI_USER, parent)

    def grant_openai_contributor(self, grantee: Grantee, parent: Optional[pulumi.Resource] = None) -> None:
        self.grant_role(grantee, Role.COGNITIVE_SERVICES_OPENAI_CONTRIBUTOR, parent)


def build(context: ServiceContext) -> BuiltService:
    settings: AiServicesSettings = context.settings
    services = AiServices(
        context.name,
        AiServicesArgs(
            placement=context.placement, kind=settings.kind, deployments=settings.deployments, settings=context.component_settings
        ),
        opts=context.opts(),
    )
    return BuiltService(services, {"endpoint": services.endpoint, "id": services.account_id})
