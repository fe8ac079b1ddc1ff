"""DocumentIntelligence: the component, and the build step the catalog names (``component:build``)."""

from __future__ import annotations

from typing import Optional

import pulumi
from pydantic import InstanceOf

from aifactory.components import AzureResource, BuiltService, ComponentArgs, ComponentSettings, ServiceComponent, ServiceContext, ServicePlacement
from aifactory.core.naming import ResourceKind

from aifactory_docintel.spec import DOCINTEL, DocIntelSettings


class DocumentIntelligenceArgs(ComponentArgs):
    placement: InstanceOf[ServicePlacement]
    sku: str = "S0"
    settings: InstanceOf[ComponentSettings] = ComponentSettings()


class DocumentIntelligence(ServiceComponent):
    """Private, keyless Document Intelligence; grants at the account (the catalog's role rows)."""

    def __init__(self, name: str, args: DocumentIntelligenceArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("aifactory-docintel:ai:DocumentIntelligence", name, args.placement, args.settings, opts)
        placement = args.placement
        self.account_name = placement.name(ResourceKind.AI_SERVICES, "di")
        self.account = AzureResource(
            "azure-native:cognitiveservices:Account",
            self.child_name("account"),
            {
                "accountName": self.account_name,
                "resourceGroupName": placement.resource_group_name,
                "location": placement.location,
                "kind": "FormRecognizer",
                "sku": {"name": args.sku},
                "identity": {"type": "SystemAssigned"},
                "properties": {
                    "customSubDomainName": self.account_name,
                    "publicNetworkAccess": "Disabled",
                    "networkAcls": {"defaultAction": "Deny", "bypass": "AzureServices"},
                    "disableLocalAuth": True,
                },
                "tags": self.tags,
            },
            self.child_opts(),
        )
        self.endpoint = f"https://{self.account_name}.cognitiveservices.azure.com/"
        self._expose(self.account, self.account_name, "docintel")
        self._private_endpoints(self.account.id, DOCINTEL.endpoint_groups, "di")
        self._diagnostics("account", self.account.id)
        self.register_outputs({"endpoint": self.endpoint})


def build(context: ServiceContext) -> BuiltService:
    settings: DocIntelSettings = context.settings
    service = DocumentIntelligence(
        context.name,
        DocumentIntelligenceArgs(placement=context.placement, sku=settings.sku, settings=context.component_settings),
        opts=context.opts(),
    )
    return BuiltService(service, {"endpoint": service.endpoint, "id": service.account.id})
