"""FoundryProject: a Microsoft Foundry resource for one team, with its model deployments and its Foundry project.

The Foundry resource is a Cognitive Services account of kind ``AIServices`` with project management on,
a custom subdomain (needed for Entra ID), local auth off, no public network access and network ACLs
that deny; the Foundry project under it has a managed identity of its own, which is what the Agent
Service and the team's code act as. With an agent subnet the account injects agent compute into it
(``networkInjections``); Azure then creates the account's capability host itself (declaring a second
one fails with a conflict), so this component declares none.

Grants (:meth:`grant_role`) are scoped to the Foundry *project*, the unit of access for a team: members
get Azure AI User, owners Azure AI Project Manager (the role matrix rows of the ``foundry`` service).
"""

from __future__ import annotations

from typing import Literal, Optional

import pulumi
from pydantic import Field, InstanceOf

from aifactory.components.ai_services import add_deployments
from aifactory.components.arm import AzureResource
from aifactory.components.base import ComponentArgs, ComponentSettings, StrInput
from aifactory.components.rbac import Grantee
from aifactory.components.service import BuiltService, ServiceComponent, ServiceContext, ServicePlacement
from aifactory.core.access import Role
from aifactory.core.naming import ResourceKind
from aifactory.services.agents import AGENT_SUBNET
from aifactory.services.aiservices import Deployments
from aifactory.services.foundry import FOUNDRY, FoundrySettings

COGNITIVE_ACCOUNT = "azure-native:cognitiveservices:Account"
FOUNDRY_PROJECT = "azure-native:cognitiveservices:Project"


class FoundryProjectArgs(ComponentArgs):
    placement: InstanceOf[ServicePlacement]
    deployments: Deployments = ()
    """Model deployments on the Foundry resource (made one after another: Azure refuses concurrent ones)."""
    agent_subnet_id: Optional[StrInput] = None
    """A subnet delegated to ``Microsoft.App/environments`` for the Agent Service's compute (not in 10.0.0.0/8)."""
    display_name: Optional[str] = Field(default=None, max_length=100)
    description: Optional[str] = Field(default=None, max_length=500)
    sku: Literal["S0"] = "S0"
    settings: InstanceOf[ComponentSettings] = ComponentSettings()


class FoundryProject(ServiceComponent):
    """A Foundry resource (account) and the team's Foundry project on it."""

    account_id: pulumi.Output[str]
    project_id: pulumi.Output[str]
    endpoint: str
    project_endpoint: str

    def __init__(self, name: str, args: FoundryProjectArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("aifactory:ai:FoundryProject", name, args.placement, args.settings, opts)
        placement = args.placement
        self.account_name = placement.name(ResourceKind.FOUNDRY_ACCOUNT)
        self.project_name = placement.name(ResourceKind.FOUNDRY_PROJECT)
        injections = (
            [{"scenario": "agent", "subnetArmId": args.agent_subnet_id, "useMicrosoftManagedNetwork": False}]
            if args.agent_subnet_id is not None
            else None
        )
        self.account = AzureResource(
            COGNITIVE_ACCOUNT,
            self.child_name("account"),
            {
                "accountName": self.account_name,
                "resourceGroupName": placement.resource_group_name,
                "location": placement.location,
                "kind": "AIServices",
                "sku": {"name": args.sku},
                "identity": {"type": "SystemAssigned"},
                "properties": {
                    "allowProjectManagement": True,
                    "customSubDomainName": self.account_name,  # required for Entra ID auth
                    "disableLocalAuth": True,
                    "publicNetworkAccess": "Disabled",
                    "networkAcls": {"defaultAction": "Deny", "bypass": "AzureServices", "ipRules": [], "virtualNetworkRules": []},
                    "networkInjections": injections,
                },
                "tags": self.tags,
            },
            self.child_opts(),
        )
        self.account_id = self.account.id
        self.endpoint = f"https://{self.account_name}.services.ai.azure.com/"
        self.project_endpoint = f"{self.endpoint}api/projects/{self.project_name}"
        add_deployments(self, self.account, placement.resource_group_name, args.deployments)
        self.project = AzureResource(
            FOUNDRY_PROJECT,
            self.child_name("project"),
            {
                "accountName": self.account.name,
                "resourceGroupName": placement.resource_group_name,
                "projectName": self.project_name,
                "location": placement.location,
                "identity": {"type": "SystemAssigned"},
                "properties": {
                    "displayName": args.display_name or placement.project or self.project_name,
                    "description": args.description,
                },
                "tags": self.tags,
            },
            self.child_opts(),
            outputs=("identity",),
        )
        self.project_id = self.project.id
        principal = self.project.output("identity").apply(lambda identity: (identity or {}).get("principalId"))
        self.project_identity = Grantee.identity(principal, "foundry-project", placement.naming.subscription_id, f"{self.account_name}/{self.project_name}")
        self._expose(self.project, f"{self.account_name}/{self.project_name}", "foundry")
        # The account's endpoint only once the account is provisioned: the project is its first child.
        self._private_endpoints(self.account.id, FOUNDRY.endpoint_groups, "aif", depends_on=[self.project])
        self._diagnostics("account", self.account.id)
        self.register_outputs({"accountId": self.account_id, "projectId": self.project_id, "endpoint": self.endpoint})

    def grant_user(self, grantee: Grantee, parent: Optional[pulumi.Resource] = None) -> None:
        """Azure AI User on the project: build with its models, agents and data."""
        self.grant_role(grantee, Role.AZURE_AI_USER, parent)

    def grant_project_manager(self, grantee: Grantee, parent: Optional[pulumi.Resource] = None) -> None:
        """Azure AI Project Manager on the project: manage it and give others Azure AI User."""
        self.grant_role(grantee, Role.AZURE_AI_PROJECT_MANAGER, parent)


def build(context: ServiceContext) -> BuiltService:
    """The project's Foundry resource; it injects the agent subnet when the Agent Service is on."""
    settings: FoundrySettings = context.settings
    agents = "agents" in context.enabled
    foundry = FoundryProject(
        context.name,
        FoundryProjectArgs(
            placement=context.placement,
            deployments=settings.deployments,
            agent_subnet_id=context.network.subnet_ids[AGENT_SUBNET] if agents else None,
            display_name=settings.project_display_name,
            settings=context.component_settings,
        ),
        opts=context.opts(),
    )
    outputs = {
        "accountName": foundry.account_name,
        "projectName": foundry.project_name,
        "endpoint": foundry.endpoint,
        "projectEndpoint": foundry.project_endpoint,
        "accountId": foundry.account_id,
        "projectId": foundry.project_id,
        "projectPrincipalId": foundry.project_identity.principal_id,
    }
    return BuiltService(foundry, outputs, {"project": foundry.project_identity})
