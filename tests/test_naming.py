"""Naming: every generated name satisfies its kind's Azure rule, deterministically, and no two owners
(projects, the platform) can ever be given the same name."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aifactory.core.errors import NamingError
from aifactory.core.naming import (
    ENVIRONMENTS,
    NAME_RULES,
    RESERVED_PROJECT_NAMES,
    SHORTEN_HASH_LENGTH,
    NamingContext,
    ResourceKind,
    hub_peering_name,
    lake_area_name,
    project_stack,
    resource_name,
    shared_area_name,
    validate_project_name,
)
from aifactory.services import load_catalog

CATALOG = load_catalog()
"""The installed catalog: built-in services and any plug-ins."""
LOWER = "abcdefghijklmnopqrstuvwxyz"
ALNUM = LOWER + "0123456789"


def _project_name(head: str, first: str, rest: list[str]) -> str:
    return "-".join([head + first, *rest])


project_names = (
    st.builds(
        _project_name,
        st.sampled_from(LOWER),
        st.text(ALNUM, max_size=7),
        st.lists(st.text(ALNUM, min_size=1, max_size=5), max_size=3),
    )
    .filter(lambda n: 3 <= len(n) <= 24)
    .filter(lambda n: n not in RESERVED_PROJECT_NAMES)
)
"""Valid project names: lowercase letters and digits in hyphen-separated words, starting with a letter."""
prefixes = st.builds(lambda head, tail: head + tail, st.sampled_from(LOWER), st.text(ALNUM, min_size=1, max_size=5))
qualifiers = st.one_of(
    st.none(),
    st.builds(
        lambda words: "-".join(words), st.lists(st.text(ALNUM, min_size=1, max_size=8), min_size=1, max_size=3)
    ),
)
subscriptions = st.uuids().map(str)
environments = st.sampled_from(ENVIRONMENTS)
kinds = st.sampled_from(list(ResourceKind))
contexts = st.builds(NamingContext, prefixes, environments, subscriptions)

SUB = "3f2c1a9e-8d4b-4c7e-9a51-0b6d2e7f4a10"

CATALOG_QUALIFIERS = sorted(
    {claim.qualifier for spec in CATALOG.services.values() for claim in spec.names if claim.qualifier}
)
"""Qualifiers the catalog's services take names with (``dbw-managed``, ``aks-nodes``, ``ml``)."""
GROUP_QUALIFIERS = sorted(
    {
        claim.qualifier
        for spec in CATALOG.services.values()
        for claim in spec.names
        if claim.kind is ResourceKind.RESOURCE_GROUP and claim.qualifier
    }
)
"""A project's secondary resource groups (Databricks managed, AKS nodes)."""


def context(prefix: str = "aif", environment: str = "dev", subscription: str = SUB) -> NamingContext:
    return NamingContext(prefix, environment, subscription)


def test_the_catalog_has_secondary_resource_groups_to_check():
    assert {"dbw-managed", "aks-nodes"} <= set(GROUP_QUALIFIERS)


@settings(max_examples=250, deadline=None)
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


def test_every_kind_has_a_rule():
    assert set(NAME_RULES) == set(ResourceKind)
    assert {ResourceKind.FOUNDRY_ACCOUNT, ResourceKind.FOUNDRY_PROJECT, ResourceKind.COSMOS_DB} <= set(NAME_RULES)


@settings(max_examples=200, deadline=None)
@given(a=project_names, b=project_names, kind=st.sampled_from([k for k in ResourceKind if not NAME_RULES[k].short_form]))
def test_distinct_projects_never_share_a_name(a, b, kind):
    if a == b:
        return
    ctx = context()
    assert resource_name(kind, ctx, project=a, qualifier="lake") != resource_name(kind, ctx, project=b, qualifier="lake")
    assert resource_name(kind, ctx, project=a) != resource_name(kind, ctx, project=b)


@settings(max_examples=200, deadline=None)
@given(project=project_names, q1=st.text(LOWER, min_size=1, max_size=12), q2=st.text(LOWER, min_size=1, max_size=12))
def test_long_names_shorten_without_collisions(project, q1, q2):
    if q1 == q2:
        return
    ctx = context()
    for kind in (ResourceKind.STORAGE_ACCOUNT, ResourceKind.KEY_VAULT, ResourceKind.ML_WORKSPACE, ResourceKind.COSMOS_DB):
        assert resource_name(kind, ctx, project=project, qualifier=q1) != resource_name(
            kind, ctx, project=project, qualifier=q2
        )


# --- resource groups: a project's own and its secondary ones ----------------------------------


def test_secondary_resource_groups_put_the_qualifier_after_the_environment():
    ctx = context()
    assert resource_name(ResourceKind.RESOURCE_GROUP, ctx, project="churn") == "rg-aif-churn-dev"
    assert resource_name(ResourceKind.RESOURCE_GROUP, ctx, project="churn", qualifier="dbw-managed") == "rg-aif-churn-dev-dbw-managed"
    assert resource_name(ResourceKind.RESOURCE_GROUP, context(environment="prod"), project="churn", qualifier="aks-nodes") == (
        "rg-aif-churn-prod-aks-nodes"
    )
    # the platform's groups (no project) keep the qualifier before the environment
    assert resource_name(ResourceKind.RESOURCE_GROUP, ctx, qualifier="platform") == "rg-aif-platform-dev"
    assert resource_name(ResourceKind.RESOURCE_GROUP, ctx, qualifier="hub") == "rg-aif-hub-dev"
    # only resource groups are qualified last
    assert [kind for kind, rule in NAME_RULES.items() if rule.qualifier_last] == [ResourceKind.RESOURCE_GROUP]


@settings(max_examples=200, deadline=None)
@given(ctx=contexts, p=project_names, q=project_names, qualifier=st.sampled_from(GROUP_QUALIFIERS or ["dbw-managed"]))
def test_a_projects_group_never_equals_any_projects_secondary_group(ctx, p, q, qualifier):
    """``rg-<prefix>-<p>-<env>`` against ``rg-<prefix>-<q>-<env>-<qualifier>``, for p == q as well.

    Besides a random p, the names most likely to collide are tried: q itself, and q followed by the
    qualifier (``churn-dbw-managed``), which would collide if the qualifier came before the environment.
    """
    secondary = resource_name(ResourceKind.RESOURCE_GROUP, ctx, project=q, qualifier=qualifier)
    candidates = {p, q, f"{q}-{qualifier}", f"{q}-{ctx.environment}-{qualifier}"}
    for candidate in sorted(c for c in candidates if len(c) <= 24):
        own = resource_name(ResourceKind.RESOURCE_GROUP, ctx, project=candidate)
        assert own.lower() != secondary.lower(), (candidate, q, qualifier)
        if candidate != q:
            assert own != resource_name(ResourceKind.RESOURCE_GROUP, ctx, project=q)


@settings(max_examples=200, deadline=None)
@given(
    ctx=contexts,
    p=project_names,
    q=project_names,
    a=st.sampled_from(CATALOG_QUALIFIERS),
    b=st.sampled_from(CATALOG_QUALIFIERS),
)
def test_secondary_groups_of_two_owners_never_collide(ctx, p, q, a, b):
    """Every (project, qualifier) pair from the catalog gets its own resource group."""
    first = resource_name(ResourceKind.RESOURCE_GROUP, ctx, project=p, qualifier=a)
    for other, qualifier in {(q, b), (f"{p}-{a}", b), (p, b)}:
        if (other, qualifier) == (p, a) or len(other) > 24:
            continue
        second = resource_name(ResourceKind.RESOURCE_GROUP, ctx, project=other, qualifier=qualifier)
        assert first.lower() != second.lower(), (p, a, other, qualifier)


@settings(max_examples=200, deadline=None)
@given(ctx=contexts, p=project_names, qualifier=st.one_of(st.none(), st.sampled_from(CATALOG_QUALIFIERS)))
def test_no_project_name_ever_gives_a_platform_name(ctx, p, qualifier):
    """Whatever name is accepted as a project's, its group, lake area and stack are never the platform's."""
    platform_groups = {resource_name(ResourceKind.RESOURCE_GROUP, ctx, qualifier=q) for q in ("platform", "hub")}
    shared_areas = {shared_area_name(area) for area in ("master", "reference")}
    for candidate in (p, *sorted(RESERVED_PROJECT_NAMES)):
        try:
            group = resource_name(ResourceKind.RESOURCE_GROUP, ctx, project=candidate, qualifier=qualifier)
        except NamingError:
            assert candidate in RESERVED_PROJECT_NAMES
            continue
        assert group not in platform_groups
        assert lake_area_name(candidate) not in shared_areas
        assert project_stack(ctx.environment, candidate) != f"{ctx.environment}-platform"


# --- reserved names ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(RESERVED_PROJECT_NAMES))
def test_reserved_names_are_refused_with_the_reason(name):
    with pytest.raises(NamingError) as raised:
        validate_project_name(name)
    assert f"{name!r} is reserved" in raised.value.message
    assert RESERVED_PROJECT_NAMES[name] in raised.value.message
    assert raised.value.field == "name"
    with pytest.raises(NamingError, match="is reserved"):
        resource_name(ResourceKind.RESOURCE_GROUP, context(), project=name)


def test_the_reserved_names_are_the_platforms():
    assert set(RESERVED_PROJECT_NAMES) == {"hub", "platform", "shared", "all"}
    assert all(RESERVED_PROJECT_NAMES.values())
    with pytest.raises(TypeError):
        RESERVED_PROJECT_NAMES["new"] = "x"  # type: ignore[index]


@settings(max_examples=100, deadline=None)
@given(name=project_names)
def test_valid_project_names_pass_unchanged(name):
    assert validate_project_name(name) == name


# --- lake areas and hub peerings --------------------------------------------------------------


def test_lake_areas_and_hub_peerings_are_stable():
    ctx = context()
    assert lake_area_name("churn-prediction") == "prj-churn-prediction"
    assert shared_area_name("master") == "shared-master"
    assert hub_peering_name(ctx, "churn-prediction") == "peer-to-aif-churn-prediction-dev"


@settings(max_examples=200, deadline=None)
@given(p=project_names, q=project_names, area=st.builds(lambda h, t: h + t, st.sampled_from(LOWER), st.text(ALNUM, min_size=1, max_size=20)))
def test_lake_areas_are_valid_filesystems_and_never_collide(p, q, area):
    rule = NAME_RULES[ResourceKind.LAKE_FILESYSTEM]
    for name in (lake_area_name(p), shared_area_name(area)):
        assert rule.is_valid(name), name
    assert lake_area_name(p) != shared_area_name(area)
    assert (lake_area_name(p) == lake_area_name(q)) == (p == q)


@settings(max_examples=200, deadline=None)
@given(ctx=contexts, p=project_names, q=project_names, other_env=environments)
def test_hub_peerings_are_valid_and_unique_per_project_and_environment(ctx, p, q, other_env):
    """Environments may share one hub VNet: its peerings name both the project and the environment."""
    rule = NAME_RULES[ResourceKind.VNET_PEERING]
    name = hub_peering_name(ctx, p)
    assert rule.is_valid(name), name
    assert (name == hub_peering_name(ctx, q)) == (p == q)
    other = NamingContext(ctx.prefix, other_env, ctx.subscription_id)
    assert (name == hub_peering_name(other, p)) == (other_env == ctx.environment)


# --- stability and uniqueness -------------------------------------------------------------------


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


def test_subscription_ids_are_compared_case_insensitively():
    upper = resource_name(ResourceKind.KEY_VAULT, context(subscription=SUB.upper()), project="churn")
    assert upper == resource_name(ResourceKind.KEY_VAULT, context(), project="churn")


def test_names_cut_to_one_head_stay_distinct():
    """1,000 long project names that start alike: every shortened globally unique name is still distinct."""
    ctx = context()
    projects = [f"customer-analytics-{index:04d}" for index in range(1000)]
    for kind, qualifier in ((ResourceKind.KEY_VAULT, None), (ResourceKind.STORAGE_ACCOUNT, "lake"), (ResourceKind.STORAGE_ACCOUNT, "ml")):
        names = [resource_name(kind, ctx, project=p, qualifier=qualifier) for p in projects]
        assert len({n[: NAME_RULES[kind].max_length - SHORTEN_HASH_LENGTH - 1] for n in names}) == 1  # one head...
        assert len(set(names)) == len(names), kind  # ...and still a thousand names


def test_known_names_are_stable_across_releases():
    """Names are part of deployed state: a change here renames (replaces) real resources."""
    ctx = context()
    assert resource_name(ResourceKind.STORAGE_ACCOUNT, ctx, qualifier="lake") == "staiflakedev5c4db"
    assert resource_name(ResourceKind.KEY_VAULT, ctx, project="churn-prediction") == "kv-aif-churn-pr-898b7623"
    assert resource_name(ResourceKind.ML_WORKSPACE, ctx, project="churn-prediction") == "mlw-aif-churn-prediction-dev"
    assert resource_name(ResourceKind.AI_SEARCH, ctx, project="support-copilot") == "srch-aif-support-copilot-dev-95e9f"
    assert resource_name(ResourceKind.FOUNDRY_ACCOUNT, ctx, project="support-copilot") == "aif-aif-support-copilot-dev-95e9f"
    assert resource_name(ResourceKind.FOUNDRY_PROJECT, ctx, project="support-copilot") == "proj-aif-support-copilot-dev"
    assert resource_name(ResourceKind.COSMOS_DB, ctx, project="support-copilot") == "cosmos-aif-support-copilot-dev-95e9f"


def test_new_kinds_follow_their_scope():
    assert NAME_RULES[ResourceKind.FOUNDRY_ACCOUNT].globally_unique
    assert NAME_RULES[ResourceKind.COSMOS_DB].globally_unique
    assert not NAME_RULES[ResourceKind.FOUNDRY_PROJECT].globally_unique  # unique inside its account
    assert NAME_RULES[ResourceKind.COSMOS_DB].max_length == 44
    long = resource_name(ResourceKind.COSMOS_DB, context(), project="a" * 24, qualifier="x" * 20)
    assert len(long) == 44 and NAME_RULES[ResourceKind.COSMOS_DB].is_valid(long)


# --- bad name parts -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    ["ab", "Churn", "1churn", "churn--x", "churn-", "-churn", "churn_x", "a" * 25, "chürn", "churn/x", "churn x", "", "HUB"],
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


@pytest.mark.parametrize("bad", ["", "Lake", "a_b", "a--b", "-a", "a b"])
def test_invalid_qualifiers_are_refused(bad):
    with pytest.raises(NamingError, match="invalid name qualifier"):
        resource_name(ResourceKind.STORAGE_ACCOUNT, context(), project="churn", qualifier=bad)


def test_child_names_need_a_qualifier():
    with pytest.raises(NamingError, match="needs a qualifier"):
        resource_name(ResourceKind.SUBNET, context())
