"""Monitoring: the environment's Log Analytics workspace, Application Insights, diagnostics helper."""

from __future__ import annotations

from typing import Optional

import pulumi
from pydantic import Field, InstanceOf

from aifactory.components.arm import AzureResource
from aifactory.components.base import ComponentArgs, ComponentSettings, FactoryComponent, StrInput
from aifactory.core.naming import NamingContext, ResourceKind, resource_name
from aifactory.core.types import Location

DIAGNOSTIC_SETTING_NAME = "diag-to-log-analytics"
LOG_ANALYTICS = "azure-native:operationalinsights:Workspace"


class MonitoringArgs(ComponentArgs):
    location: Location
    naming: InstanceOf[NamingContext]
    resource_group_name: StrInput
    retention_days: int = Field(default=30, ge=30, le=730)
    """Log Analytics retention, 30-730 days."""
    settings: InstanceOf[ComponentSettings] = ComponentSettings()


class Monitoring(FactoryComponent):
    """One Log Analytics workspace per environment; local (key) auth disabled."""

    workspace_id: pulumi.Output[str]

    def __init__(self, name: str, args: MonitoringArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("aifactory:monitoring:Monitoring", name, args.settings, opts)
        self.args = args
        self.workspace = AzureResource(
            LOG_ANALYTICS,
            self.child_name("log"),
            {
                "workspaceName": resource_name(ResourceKind.LOG_ANALYTICS, args.naming),
                "resourceGroupName": args.resource_group_name,
                "location": args.location,
                "sku": {"name": "PerGB2018"},
                "retentionInDays": args.retention_days,
                "features": {"disableLocalAuth": True},
                "tags": self.tags,
            },
            self.child_opts(),
        )
        self.workspace_id = self.workspace.id
        self.register_outputs({"workspaceId": self.workspace_id})


def application_insights(
    owner: FactoryComponent,
    *,
    naming: NamingContext,
    project: Optional[str],
    qualifier: str,
    resource_group_name: pulumi.Input[str],
    location: str,
    workspace_id: pulumi.Input[str],
) -> AzureResource:
    """Workspace-based Application Insights with local auth disabled, as a child of ``owner``.

    Ingestion and query stay reachable from public networks (Entra ID only): making them private
    needs an Azure Monitor Private Link Scope, which the factory does not create yet.
    """
    return AzureResource(
        "azure-native:applicationinsights:Component",
        owner.child_name("appi"),
        {
            "resourceName": resource_name(ResourceKind.APP_INSIGHTS, naming, project=project, qualifier=qualifier),
            "resourceGroupName": resource_group_name,
            "location": location,
            "kind": "web",
            "applicationType": "web",
            "flowType": "Bluefield",
            "requestSource": "rest",
            "ingestionMode": "LogAnalytics",
            "workspaceResourceId": workspace_id,
            "disableLocalAuth": True,
            "publicNetworkAccessForIngestion": "Enabled",
            "publicNetworkAccessForQuery": "Enabled",
            "tags": owner.tags,
        },
        owner.child_opts(),
    )


def attach_diagnostics(
    owner: FactoryComponent,
    suffix: str,
    resource_id: pulumi.Input[str],
    workspace_id: pulumi.Input[str],
    *,
    logs: bool = True,
    metrics: bool = True,
) -> AzureResource:
    """Send all logs and metrics of ``resource_id`` to the workspace (a child of ``owner``)."""
    return AzureResource(
        "azure-native:monitor:DiagnosticSetting",
        owner.child_name(f"diag-{suffix}"),
        {
            "name": DIAGNOSTIC_SETTING_NAME,
            "resourceUri": resource_id,
            "workspaceId": workspace_id,
            "logAnalyticsDestinationType": "Dedicated",
            "logs": [{"categoryGroup": "allLogs", "enabled": True}] if logs else None,
            "metrics": [{"category": "AllMetrics", "enabled": True}] if metrics else None,
        },
        owner.child_opts(),
    )
