"""Monitoring: the environment's Log Analytics workspace, Application Insights, diagnostics helper."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import pulumi
from pulumi_azure_native import applicationinsights, monitor, operationalinsights

from aifactory.components.base import ComponentSettings, FactoryComponent
from aifactory.naming import NamingContext, ResourceKind, resource_name

DIAGNOSTIC_SETTING_NAME = "diag-to-log-analytics"


@dataclass(frozen=True)
class MonitoringArgs:
    location: str
    naming: NamingContext
    resource_group_name: pulumi.Input[str]
    retention_days: int = 30
    settings: ComponentSettings = field(default_factory=ComponentSettings)

    def __post_init__(self) -> None:
        if not 30 <= self.retention_days <= 730:
            raise ValueError("Log Analytics retention is between 30 and 730 days")


class Monitoring(FactoryComponent):
    """One Log Analytics workspace per environment; local (key) auth disabled."""

    workspace_id: pulumi.Output[str]

    def __init__(self, name: str, args: MonitoringArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("aifactory:monitoring:Monitoring", name, args.settings, opts)
        self.args = args
        workspace = operationalinsights.Workspace(
            self.child_name("log"),
            workspace_name=resource_name(ResourceKind.LOG_ANALYTICS, args.naming),
            resource_group_name=args.resource_group_name,
            location=args.location,
            sku=operationalinsights.WorkspaceSkuArgs(name="PerGB2018"),
            retention_in_days=args.retention_days,
            features=operationalinsights.WorkspaceFeaturesArgs(disable_local_auth=True),
            tags=self.tags,
            opts=self.child_opts(),
        )
        self.workspace = workspace
        self.workspace_id = workspace.id
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
) -> applicationinsights.Component:
    """Workspace-based Application Insights with local auth disabled, as a child of ``owner``."""
    return applicationinsights.Component(
        owner.child_name("appi"),
        resource_name_=resource_name(ResourceKind.APP_INSIGHTS, naming, project=project, qualifier=qualifier),
        resource_group_name=resource_group_name,
        location=location,
        kind="web",
        application_type="web",
        ingestion_mode="LogAnalytics",
        workspace_resource_id=workspace_id,
        disable_local_auth=True,
        tags=owner.tags,
        opts=owner.child_opts(),
    )


def attach_diagnostics(
    owner: FactoryComponent,
    suffix: str,
    resource_id: pulumi.Input[str],
    workspace_id: pulumi.Input[str],
    *,
    logs: bool = True,
    metrics: bool = True,
) -> monitor.DiagnosticSetting:
    """Send all logs and metrics of ``resource_id`` to the workspace (a child of ``owner``)."""
    return monitor.DiagnosticSetting(
        owner.child_name(f"diag-{suffix}"),
        name=DIAGNOSTIC_SETTING_NAME,
        resource_uri=resource_id,
        workspace_id=workspace_id,
        log_analytics_destination_type="Dedicated",
        logs=[monitor.DiagnosticsLogSettingsArgs(category_group="allLogs", enabled=True)] if logs else None,
        metrics=[monitor.DiagnosticsMetricSettingsArgs(category="AllMetrics", enabled=True)] if metrics else None,
        opts=owner.child_opts(),
    )
