"""SubscriptionAlias: a new subscription for projects (landing-zone vending), placed in a management group.

The factory spreads projects over the subscriptions listed in ``aifactory:projectSubscriptions``; this
component makes more of them. Azure creates the subscription from an alias under a billing scope (an
Enterprise Agreement enrollment account, or a Microsoft Customer Agreement invoice section) and places
it in a management group, where the enterprise's policies already apply. Run it from a small program of
its own (see docs/environments.md): the identity needs the billing role that may create subscriptions
(EA: Enrollment Account Subscription Creator; MCA: Azure subscription creator on the invoice section)
and write access on the management group.
"""

from __future__ import annotations

from typing import Literal, Optional

import pulumi
from pydantic import Field, InstanceOf

from aifactory.components.arm import AzureResource
from aifactory.components.base import ComponentArgs, ComponentSettings, FactoryComponent

BILLING_SCOPE = (
    r"^/providers/Microsoft\.Billing/billingAccounts/[^/]+/"
    r"(enrollmentAccounts/[^/]+|billingProfiles/[^/]+/invoiceSections/[^/]+)$"
)
MANAGEMENT_GROUP = r"^/providers/Microsoft\.Management/managementGroups/[A-Za-z0-9._()-]{1,90}$"


class SubscriptionAliasArgs(ComponentArgs):
    alias_name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{0,62}$")
    """The alias (unique in the tenant; also the subscription's handle before it exists)."""
    display_name: str = Field(min_length=1, max_length=64)
    billing_scope: str = Field(pattern=BILLING_SCOPE)
    """An EA enrollment account or an MCA invoice section id."""
    workload: Literal["Production", "DevTest"] = "Production"
    management_group_id: Optional[str] = Field(default=None, pattern=MANAGEMENT_GROUP)
    """Where the new subscription goes (its policies apply from the start)."""
    settings: InstanceOf[ComponentSettings] = ComponentSettings()


class SubscriptionAlias(FactoryComponent):
    """One subscription, vended; ``subscription_id`` is what goes into ``aifactory:projectSubscriptions``."""

    subscription_id: pulumi.Output[str]

    def __init__(self, name: str, args: SubscriptionAliasArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("aifactory:governance:SubscriptionAlias", name, args.settings, opts)
        self.alias = AzureResource(
            "azure-native:subscription:Alias",
            self.child_name("alias"),
            {
                "aliasName": args.alias_name,
                "properties": {
                    "displayName": args.display_name,
                    "billingScope": args.billing_scope,
                    "workload": args.workload,
                    "additionalProperties": {"managementGroupId": args.management_group_id, "tags": self.tags or None},
                },
            },
            self.child_opts(protect=True),
            outputs=("properties",),
        )
        self.subscription_id = self.alias.output("properties").apply(lambda p: str((p or {}).get("subscriptionId", "")))
        self.register_outputs({"subscriptionId": self.subscription_id})
