"""Naming: every generated name satisfies its kind's Azure rule, deterministically."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aifactory.core.errors import NamingError
from aifactory.core.naming import (
    ENVIRONMENTS,
    NAME_RULES,
    NamingContext,
    ResourceKind,
    resource_name,
    validate_project_name,
)

project_names = st.from_regex(r"[a-z][a-z0-9]{0,6}(-[a-z0-9]{1,6}){0,4}", fullmatch=True).filter(
    lambda n: 3 <= len(n) <= 24
)
prefixes = st.from_regex(r"[a-z][a-z0-9]{1,5}", fullmatch=True)
qualifiers = st.one_of(st.none(), st.from_regex(r"[a-z0-9]{1,10}(-[a-z0-9]{1,8}){0,2}", fullmatch=True))
subscriptions = st.uuids().map(str)
environments = st.sampled_from(ENVIRONMENTS)
kinds = st.sampled_from(list(ResourceKind))

SUB = "3f2c1a9e-8d4b-4c7e-9a51-0b6d2e7f4a10"


def context(prefix: str = "aif", environment: str = "dev", subscription: str = SUB) -> NamingContext:
    return NamingContext(prefix, environment, subscription)


@settings(max_examples=400, deadline=None)
@given(kind=kinds, project=st.one_of(st.none(), project_names), prefix=prefixes, env=environments,
       sub=subscriptions, qualifier=qualifiers)
def test_every_generated_name_satisfies_its_rule(kind, project, prefix, env, sub, qualifier):
    rule = NAME_RULES[kind]
    if rule.short_form and qualifier is None:
        qualifier = "x1"
    name = resource_name(kind, NamingContext(prefix, env, sub), project=project, qualifier=qualifier)
    assert rule.min_length <= len(name) <= rule.max_length
    assert re.fullmatch(rule.pattern, name), (kind, name)
    assert name == resource_name(kind, NamingContext(prefix, env, sub), project=project, qualifier=qualifier)


@settings(max_examples=300, deadline=None)
@given(a=project_names, b=project_names, kind=st.sampled_from([k for k in ResourceKind if not NAME_RULES[k].short_form]))
def test_distinct_projects_never_share_a_name(a, b, kind):
    if a == b:
        return
    ctx = context()
    assert resource_name(kind, ctx, project=a, qualifier="lake") != resource_name(kind, ctx, project=b, qualifier="lake")


@settings(max_examples=200, deadline=None)
@given(project=project_names, q1=st.from_regex(r"[a-z]{1,12}", fullmatch=True), q2=st.from_regex(r"[a-z]{1,12}", fullmatch=True))
def test_long_names_shorten_without_collisions(project, q1, q2):
    if q1 == q2:
        return
    ctx = context()
    for kind in (ResourceKind.STORAGE_ACCOUNT, ResourceKind.KEY_VAULT, ResourceKind.ML_WORKSPACE):
        assert resource_name(kind, ctx, project=project, qualifier=q1) != resource_name(
            kind, ctx, project=project, qualifier=q2
        )


def test_globally_unique_names_differ_across_subscriptions_and_environments():
    a = resource_name(ResourceKind.STORAGE_ACCOUNT, context(subscription=SUB), project="churn", qualifier="lake")
    b = resource_name(
        ResourceKind.STORAGE_ACCOUNT, context(subscription="7a1e5c3d-2b9f-4e6a-8c0d-1f3b5a7c9e21"), project="churn", qualifier="lake"
    )
    c = resource_name(ResourceKind.STORAGE_ACCOUNT, context(environment="prod"), project="churn", qualifier="lake")
    assert len({a, b, c}) == 3
    # resource-group-scoped names carry no suffix and read naturally
    assert resource_name(ResourceKind.RESOURCE_GROUP, context(), project="churn") == "rg-aif-churn-dev"
    assert resource_name(ResourceKind.SUBNET, context(), qualifier="pep") == "snet-pep"


def test_known_names_are_stable_across_releases():
    """Names are part of deployed state: a change here renames (replaces) real resources."""
    ctx = context()
    assert resource_name(ResourceKind.STORAGE_ACCOUNT, ctx, qualifier="lake") == "staiflakedev5c4db"
    assert resource_name(ResourceKind.KEY_VAULT, ctx, project="churn-prediction") == "kv-aif-churn-predic-898b"
    assert resource_name(ResourceKind.ML_WORKSPACE, ctx, project="churn-prediction") == "mlw-aif-churn-prediction-dev"
    assert resource_name(ResourceKind.AI_SEARCH, ctx, project="support-copilot") == "srch-aif-support-copilot-dev-95e9f"


@pytest.mark.parametrize(
    "bad",
    ["ab", "Churn", "1churn", "churn--x", "churn-", "-churn", "churn_x", "a" * 25, "chürn", "churn/x", "churn x", ""],
)
def test_invalid_project_names_are_refused(bad):
    with pytest.raises(NamingError, match="invalid project name"):
        validate_project_name(bad)


@pytest.mark.parametrize("bad", ["a", "1ab", "ABC", "abcdefg", "a-b", ""])
def test_invalid_prefixes_are_refused(bad):
    with pytest.raises(NamingError, match="invalid naming prefix"):
        NamingContext(bad, "dev", SUB)


def test_unknown_environment_is_refused():
    with pytest.raises(NamingError, match="unknown environment 'staging'"):
        NamingContext("aif", "staging", SUB)
