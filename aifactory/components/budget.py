"""Budget: a monthly cost budget on a scope, alerting an action group the team can reuse."""

from __future__ import annotations

from typing import Optional

import pulumi
from pydantic import Field, InstanceOf, model_validator

from aifactory.components.arm import AzureResource
from aifactory.components.base import ComponentArgs, ComponentSettings, FactoryComponent, Invalid, StrInput
from aifactory.core.naming import NamingContext, ResourceKind, resource_name
from aifactory.core.types import Email, Percent

DEFAULT_START_DATE = "2026-01-01T00:00:00Z"
"""Budgets start on the first of a month; a fixed date keeps plans identical from run to run."""


class BudgetArgs(ComponentArgs):
    naming: InstanceOf[NamingContext]
    scope: StrInput
    """Resource id the budget watches: a project's resource group, or the platform's."""
    resource_group_name: StrInput
    """Where the action group lives."""
    monthly_amount: float = Field(gt=0, le=10_000_000)
    project: Optional[str] = None
    actual_thresholds: tuple[Percent, ...] = (50, 80, 100)
    forecast_thresholds: tuple[Percent, ...] = (100,)
    contact_emails: tuple[Email, ...] = ()
    start_date: str = Field(default=DEFAULT_START_DATE, pattern=r"^\d{4}-\d{2}-01T00:00:00Z$")
    """The first day of a month, e.g. 2026-01-01T00:00:00Z."""
    settings: InstanceOf[ComponentSettings] = ComponentSettings()

    @model_validator(mode="after")
    def _some_threshold(self) -> "BudgetArgs":
        if not self.actual_thresholds and not self.forecast_thresholds:
            raise Invalid("actual_thresholds", "a budget needs at least one alert threshold")
        return self


class Budget(FactoryComponent):
    """A per-scope action group (e-mail receivers) and a monthly Cost budget alerting it."""

    action_group_id: pulumi.Output[str]

    def __init__(self, name: str, args: BudgetArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("aifactory:governance:Budget", name, args.settings, opts)
        qualifier = None if args.project else "platform"
        group_name = resource_name(ResourceKind.ACTION_GROUP, args.naming, project=args.project, qualifier=qualifier)
        emails = sorted(set(args.contact_emails))
        self.action_group = AzureResource(
            "azure-native:monitor:ActionGroup",
            self.child_name("ag"),
            {
                "actionGroupName": group_name,
                "resourceGroupName": args.resource_group_name,
                "location": "Global",
                "enabled": True,
                "groupShortName": (args.project or "platform").replace("-", "")[:12],
                "emailReceivers": [
                    {"name": f"email-{index}", "emailAddress": email, "useCommonAlertSchema": True}
                    for index, email in enumerate(emails)
                ],
                "tags": self.tags,
            },
            self.child_opts(),
        )
        self.action_group_id = self.action_group.id
        notifications = {
            f"{kind.lower()}-{threshold}": {
                "enabled": True,
                "operator": "GreaterThanOrEqualTo",
                "threshold": threshold,
                "thresholdType": kind,
                "contactEmails": emails,
                "contactGroups": [self.action_group.id],
            }
            for kind, thresholds in (("Actual", args.actual_thresholds), ("Forecasted", args.forecast_thresholds))
            for threshold in thresholds
        }
        self.budget = AzureResource(
            "azure-native:consumption:Budget",
            self.child_name("budget"),
            {
                "budgetName": resource_name(ResourceKind.BUDGET, args.naming, project=args.project, qualifier=qualifier),
                "scope": args.scope,
                "amount": args.monthly_amount,
                "category": "Cost",
                "timeGrain": "Monthly",
                "timePeriod": {"startDate": args.start_date},
                "notifications": notifications,
            },
            self.child_opts(),
        )
        self.register_outputs({"actionGroupId": self.action_group_id})
