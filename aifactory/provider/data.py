"""The data lake for every language: the environment's shared lake with project areas, and a project's
area added to an existing lake (from a project's own stack).

No `from __future__ import annotations`: the SDK's analyzer reads these annotations as objects.
"""

from typing import Any, Mapping, Optional, TypedDict

import pulumi
from typing_extensions import NotRequired

from aifactory.components import datalake as lake_component
from aifactory.components.rbac import Grantee
from aifactory.provider.inputs import (
    ArgsCheck,
    ExportedComponent,
    Naming,
    Placement,
    Protection,
    RoleGrant,
    apply_grants,
    checked_project,
    component_settings,
    flag,
    from_wire,
    given,
    naming_context,
    output,
    protection,
    role_grants,
    schema_type,
    service_placement,
)

AREA_ROLES: Mapping[str, str] = {"read": "grant_read", "write": "grant_write"}
"""Roles on a lake area: `read` is Storage Blob Data Reader, `write` Storage Blob Data Contributor, on that area only."""


@schema_type
class LakeLifecycle(TypedDict):
    """Tiering of lake data by age (days since last modification)."""

    cool_after_days: NotRequired[int]
    """Move blobs to the Cool tier after this many days. Default: 30."""
    cold_after_days: NotRequired[int]
    """Move blobs to the Cold tier after this many days (after `coolAfterDays`). Default: 90."""
    delete_snapshots_after_days: NotRequired[int]
    """Delete snapshots after this many days. Default: 90."""


@schema_type
class ProjectArea(TypedDict):
    """A project's own area (container) of the lake, and who may use it."""

    project: str
    """The project (3-24 lowercase letters, digits, single hyphens); the area is `prj-<project>`."""
    grants: NotRequired[list[RoleGrant]]
    """Roles on this area only: `read` (Storage Blob Data Reader) or `write` (Storage Blob Data Contributor)."""


class DataLakeInputs(TypedDict):
    """Inputs of DataLake."""

    naming: Naming
    """Naming prefix, environment and subscription of the lake."""
    placement: Placement
    """Resource group, region, private endpoint subnet and zones, Log Analytics workspace. No `project`: the lake is the environment's."""
    shared_areas: NotRequired[list[str]]
    """Read-only areas every project can read (curated data), each `shared-<name>`. Default: the factory's shared areas."""
    sku: NotRequired[str]
    """The storage SKU, e.g. `Standard_LRS` (default) or `Standard_ZRS`."""
    soft_delete_days: NotRequired[int]
    """Blob and container soft-delete retention, 1-365 days. Default: 7."""
    lifecycle: NotRequired[LakeLifecycle]
    """Tiering by age; fields left out keep their defaults."""
    protection: NotRequired[Protection]
    """Pulumi protect and an Azure delete lock on the account and its areas."""
    allow_public_network_access: NotRequired[bool]
    """Insecure: opens the lake's public endpoint (still Entra ID only, no shared keys). Default: false."""
    project_areas: NotRequired[list[ProjectArea]]
    """Projects' own areas to create on the lake, with their grants."""
    tags: NotRequired[dict[str, str]]
    """Tags on every resource."""


def data_lake_args(args: Mapping[str, Any]) -> tuple[lake_component.DataLakeArgs, list[tuple[str, list[tuple[str, Grantee]]]]]:
    """Our `DataLakeArgs` and the project areas with their grants, from plain inputs."""
    check = ArgsCheck(lake_component.DataLakeArgs)
    naming = naming_context(check, args["naming"])
    placement = service_placement(check, naming, args["placement"])
    if args["placement"].get("project") is not None:
        check.add("the lake is the environment's, not a project's: give projects' areas in projectAreas", "placement.project")
    lifecycle = check.nested(lake_component.LifecyclePolicy, args.get("lifecycle"), "lifecycle")
    areas: list[tuple[str, list[tuple[str, Grantee]]]] = []
    for index, area in enumerate(args.get("project_areas") or ()):
        where = f"projectAreas[{index}]"
        project = checked_project(check, area["project"], f"{where}.project")
        grants = role_grants(check, area.get("grants"), AREA_ROLES, f"{where}.grants")
        if project is not None and project in (name for name, _ in areas):
            check.add(f"project {project!r} is listed twice", f"{where}.project")
        elif project is not None:
            areas.append((project, grants))
    spec = check.build(
        lake_component.DataLakeArgs,
        given(
            naming=naming,
            resource_group_name=placement.resource_group_name if placement else None,
            endpoints=placement.endpoints if placement else None,
            log_analytics_workspace_id=placement.log_analytics_workspace_id if placement else None,
            shared_areas=args.get("shared_areas"),
            sku=args.get("sku"),
            soft_delete_days=args.get("soft_delete_days"),
            lifecycle=lifecycle,
            protection=protection(check, args.get("protection")),
            allow_public_network_access=args.get("allow_public_network_access"),
            settings=component_settings(args.get("tags")),
        ),
    )
    return spec, areas


class DataLake(ExportedComponent):
    """The environment's shared ADLS Gen2 lake, its shared read-only areas and projects' own areas.

    Secure by default: hierarchical namespace, no public network access, no shared keys, TLS 1.2,
    infrastructure encryption, no anonymous access, blob and container soft delete, a lifecycle policy,
    blob and dfs private endpoints, diagnostics; access is granted per area.
    """

    account_id: pulumi.Output[str]
    """The storage account's resource id."""
    account_name: pulumi.Output[str]
    """The storage account's name (deterministic: known at plan time)."""
    dfs_endpoint: pulumi.Output[str]
    """The account's Data Lake endpoint (`https://<account>.dfs.core.windows.net`)."""
    shared_area_urls: pulumi.Output[dict[str, str]]
    """Shared area name to its `abfss://` URL."""
    shared_area_scopes: pulumi.Output[dict[str, str]]
    """Shared area name to its resource id: the scope for role assignments made outside this component."""
    project_area_urls: pulumi.Output[dict[str, str]]
    """Project to its area's `abfss://` URL."""
    project_area_scopes: pulumi.Output[dict[str, str]]
    """Project to its area's resource id (role assignment scope)."""

    def __init__(self, name: str, args: DataLakeInputs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        spec, areas = data_lake_args(from_wire(args))
        super().__init__(name, opts)
        lake = lake_component.DataLake(name, spec, opts=self.child_opts())
        project_areas = {}
        for project, grants in areas:
            area = lake.add_project_area(project)
            apply_grants(area, grants)
            project_areas[project] = area
        self.account_id = lake.account_id
        self.account_name = output(lake.account_name)
        self.dfs_endpoint = output(lake.ref.dfs_endpoint)
        self.shared_area_urls = output({key: area.url for key, area in lake.shared_areas.items()})
        self.shared_area_scopes = output({key: area.scope for key, area in lake.shared_areas.items()})
        self.project_area_urls = output({key: area.url for key, area in project_areas.items()})
        self.project_area_scopes = output({key: area.scope for key, area in project_areas.items()})
        self.publish()


class ProjectLakeAreaInputs(TypedDict):
    """Inputs of ProjectLakeArea."""

    naming: Naming
    """The lake's naming (environment and subscription of the lake, which may differ from the project's)."""
    project: str
    """The project whose area this is; the area is `prj-<project>`."""
    account_name: str
    """The lake's storage account name (the DataLake's `accountName`, e.g. from the platform stack's outputs)."""
    account_id: pulumi.Input[str]
    """The lake's storage account id (the DataLake's `accountId`)."""
    resource_group_name: pulumi.Input[str]
    """The lake's resource group."""
    protect: NotRequired[bool]
    """Pulumi protect on the area (production). Default: false."""
    grants: NotRequired[list[RoleGrant]]
    """Roles on this area only: `read` (Storage Blob Data Reader) or `write` (Storage Blob Data Contributor)."""


class ProjectLakeArea(ExportedComponent):
    """A project's own area (container) of an existing shared lake, created from the project's stack so it
    lives and dies with the project, with access granted on that area only."""

    filesystem: pulumi.Output[str]
    """The area's container (filesystem) name, `prj-<project>`."""
    url: pulumi.Output[str]
    """The area's `abfss://` URL."""
    scope: pulumi.Output[str]
    """The area's resource id: the scope for role assignments made outside this component."""

    def __init__(self, name: str, args: ProjectLakeAreaInputs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        plain = from_wire(args)
        check = ArgsCheck("LakeArea")
        naming = naming_context(check, plain["naming"])
        project = checked_project(check, plain["project"], "project")
        grants = role_grants(check, plain.get("grants"), AREA_ROLES)
        protect = flag(check, plain.get("protect"), "protect", default=False)
        check.raise_if_any()
        assert naming is not None and project is not None
        super().__init__(name, opts)
        ref = lake_component.LakeAccountRef(
            account_name=plain["account_name"],
            account_id=plain["account_id"],
            resource_group_name=plain["resource_group_name"],
            naming=naming,
        )
        area = lake_component.add_project_area(
            ref, project, parent=self, protect=protect, settings=component_settings(None)
        )
        apply_grants(area, grants)
        self.filesystem = output(area.filesystem)
        self.url = output(area.url)
        self.scope = area.scope
        self.publish()
