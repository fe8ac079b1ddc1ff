"""The CrossGuard policy pack: the rules of ``aifactory.core.policies`` as Pulumi policies.

``policypack/__main__.py`` builds the pack from :func:`policies`, so
``pulumi preview --policy-pack policypack`` enforces on real deployments exactly what the offline
plan reports. Each resource rule becomes a ResourceValidationPolicy at the rule's level; findings
relaxed by an explicit insecure option (outside prod) are reported by the advisory policy
``insecure-overrides`` instead. Each stack rule becomes a StackValidationPolicy.
"""

from __future__ import annotations

from typing import Any, Callable

from pulumi_policy import (
    EnforcementLevel,
    PolicyPack,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from aifactory.core.policies import MANDATORY, RESOURCE_RULES, STACK_RULES, PolicyContext, ResourceRule, ResourceView, StackRule
from aifactory.services import load_catalog

PACK_NAME = "aifactory"


def _level(level: str) -> EnforcementLevel:
    return EnforcementLevel.MANDATORY if level == MANDATORY else EnforcementLevel.ADVISORY


def _view(args: Any) -> ResourceView:
    return ResourceView(urn=args.urn, type=args.resource_type, name=args.name, props=dict(args.props))


def _resource_validator(rule: ResourceRule, *, waived: bool) -> Callable[[ResourceValidationArgs, ReportViolation], None]:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        view = _view(args)
        finding = rule.evaluate(view)
        if finding is not None and rule.waived(view.props) == waived:
            report_violation(finding.message if not waived else f"[{rule.name}] {finding.message}", None)

    return validate


def _stack_validator(rule: StackRule, context: PolicyContext) -> Callable[[StackValidationArgs, ReportViolation], None]:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        views = [_view(resource) for resource in args.resources]
        for finding in rule.check(views, context):
            if finding.level == rule.level:
                report_violation(finding.message, finding.urn or None)

    return validate


def policies(context: PolicyContext | None = None) -> list:
    """Every rule as a CrossGuard policy; stack rules see the catalog's facts (which types need diagnostics)."""
    context = context or PolicyContext(diagnosed_types=load_catalog().diagnosed_types())
    built: list = [
        ResourceValidationPolicy(
            name=rule.name,
            description=rule.description,
            enforcement_level=_level(rule.level),
            validate=_resource_validator(rule, waived=False),
        )
        for rule in RESOURCE_RULES
    ]
    built.append(
        ResourceValidationPolicy(
            name="insecure-overrides",
            description="Explicit insecure options in use (allowed outside prod; reported for review)",
            enforcement_level=EnforcementLevel.ADVISORY,
            validate=[_resource_validator(rule, waived=True) for rule in RESOURCE_RULES if rule.waiver],
        )
    )
    built.extend(
        StackValidationPolicy(
            name=rule.name, description=rule.description, enforcement_level=_level(rule.level), validate=_stack_validator(rule, context)
        )
        for rule in STACK_RULES
    )
    return built


def build_pack() -> PolicyPack:
    return PolicyPack(name=PACK_NAME, policies=policies(), enforcement_level=EnforcementLevel.MANDATORY)
