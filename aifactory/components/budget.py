"""Budget: a monthly cost budget on a scope, alerting an action group the team can reuse."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

import pulumi
from pulumi_azure_native import consumption, monitor

from aifactory.components.base import ComponentSettings, FactoryComponent
from aifactory.naming import NamingContext, ResourceKind, resource_name

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DEFAULT_START_DATE = "2026-01-01T00:00:00Z"
"""Budgets start on the first of a month; a fixed date keeps plans identical from run to run."""


@dataclass(frozen=True)
class BudgetArgs:
    naming: NamingContext
    scope: pulumi.Input[str]
    """Resource id the budget watches: a project's resource group, or the platform's."""
    resource_group_name: pulumi.Input[str]
    """Where the action group lives."""
    monthly_amount: float
    project: Optional[str] = None
    actual_thresholds: tuple[int, ...] = (50, 80, 100)
    forecast_thresholds: tuple[int, ...] = (100,)
    contact_emails: tuple[str, ...] = ()
    start_date: str = DEFAULT_START_DATE
    settings: ComponentSettings = field(default_factory=ComponentSettings)

    def __post_init__(self) -> None:
        if not 0 < self.monthly_amount <= 10_000_000:
            raise ValueError("budget amount must be positive and at most 10,000,000")
        if not re.fullmatch(r"\d{4}-\d{2}-01T00:00:00Z", self.start_date):
            raise ValueError("budget start_date must be the first day of a month, e.g. 2026-01-01T00:00:00Z")
        for email in self.contact_emails:
            if not EMAIL.fullmatch(email):
                raise ValueError(f"{email!r} is not an e-mail address")
        if not self.actual_thresholds and not self.forecast_thresholds:
            raise ValueError("a budget needs at least one alert threshold")


class Budget(FactoryComponent):
    """A per-scope action group (e-mail receivers) and a monthly Cost budget alerting it."""

    action_group_id: pulumi.Output[str]

    def __init__(self, name: str, args: BudgetArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("aifactory:governance:Budget", name, args.settings, opts)
        qualifier = None if args.project else "platform"
        group_name = resource_name(ResourceKind.ACTION_GROUP, args.naming, project=args.project, qualifier=qualifier)
        emails = sorted(set(args.contact_emails))
        self.action_group = monitor.ActionGroup(
            self.child_name("ag"),
            action_group_name=group_name,
            resource_group_name=args.resource_group_name,
            location="Global",
            enabled=True,
            group_short_name=(args.project or "platform").replace("-", "")[:12],
            email_receivers=[
                monitor.MicrosoftCommonEmailReceiverArgs(name=f"email-{index}", email_address=email, use_common_alert_schema=True)
                for index, email in enumerate(emails)
            ],
            tags=self.tags,
            opts=self.child_opts(),
        )
        self.action_group_id = self.action_group.id
        notifications = {
            f"{kind.lower()}-{threshold}": consumption.NotificationArgs(
                enabled=True,
                operator="GreaterThanOrEqualTo",
                threshold=threshold,
                threshold_type=kind,
                contact_emails=emails,
                contact_groups=[self.action_group.id],
            )
            for kind, thresholds in (("Actual", args.actual_thresholds), ("Forecasted", args.forecast_thresholds))
            for threshold in thresholds
        }
        self.budget = consumption.Budget(
            self.child_name("budget"),
            budget_name=resource_name(ResourceKind.BUDGET, args.naming, project=args.project, qualifier=qualifier),
            scope=args.scope,
            amount=args.monthly_amount,
            category="Cost",
            time_grain="Monthly",
            time_period=consumption.BudgetTimePeriodArgs(start_date=args.start_date),
            notifications=notifications,
            opts=self.child_opts(),
        )
        self.register_outputs({"actionGroupId": self.action_group_id})
