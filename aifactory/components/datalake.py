"""DataLake: the environment's shared ADLS Gen2 account, its shared areas, and per-project areas.

Secure by default: hierarchical namespace, no public network access, no shared keys, TLS 1.2,
infrastructure encryption, no anonymous blob access, no cross-tenant replication, blob and
container soft delete, a lifecycle policy, blob and dfs private endpoints (ACL and directory calls
fail without dfs), diagnostics. Access is granted per area (a container) at the narrowest scope,
by the code, not by a hand-run script.

Blob versioning is *not* enabled: Azure does not support it on accounts with a hierarchical
namespace; soft delete is what protects lake data from deletion.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

import pulumi
from pulumi_azure_native import storage

from aifactory.access import Role
from aifactory.components.base import ComponentSettings, FactoryComponent
from aifactory.components.monitoring import attach_diagnostics
from aifactory.components.private_endpoint import EndpointPlacement, add_endpoints
from aifactory.components.rbac import Grantee, grant, optional_parent
from aifactory.components.stateful import Protection
from aifactory.components.storage import StorageSpec, secure_storage_account
from aifactory.naming import NamingContext, ResourceKind, resource_name

AREA_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
PROJECT_AREA_PREFIX = "prj"
SHARED_AREA_PREFIX = "shared"


@dataclass(frozen=True)
class LifecyclePolicy:
    """Tiering of lake data by age; days since last modification."""

    cool_after_days: int = 30
    cold_after_days: int = 90
    delete_snapshots_after_days: int = 90

    def __post_init__(self) -> None:
        if not 0 < self.cool_after_days < self.cold_after_days:
            raise ValueError("lifecycle: cool_after_days must be positive and before cold_after_days")


@dataclass(frozen=True)
class DataLakeArgs:
    naming: NamingContext
    resource_group_name: pulumi.Input[str]
    endpoints: EndpointPlacement
    log_analytics_workspace_id: pulumi.Input[str]
    shared_areas: tuple[str, ...] = ("master", "reference")
    """Read-only areas every project can read (curated data)."""
    sku: str = "Standard_LRS"
    soft_delete_days: int = 7
    lifecycle: LifecyclePolicy = field(default_factory=LifecyclePolicy)
    protection: Protection = field(default_factory=Protection)
    allow_public_network_access: bool = False
    """Insecure: opens the lake's public endpoint (still Entra-only, no shared keys)."""
    settings: ComponentSettings = field(default_factory=ComponentSettings)

    def __post_init__(self) -> None:
        for area in self.shared_areas:
            if not AREA_NAME.fullmatch(area):
                raise ValueError(f"lake area {area!r}: use lowercase letters, digits and single hyphens")
        if self.sku not in ("Standard_LRS", "Standard_ZRS", "Standard_GZRS", "Standard_RAGZRS", "Standard_GRS", "Standard_RAGRS"):
            raise ValueError(f"unsupported lake sku {self.sku!r}")
        if not 1 <= self.soft_delete_days <= 365:
            raise ValueError("soft delete retention is between 1 and 365 days")


@dataclass(frozen=True)
class LakeAccountRef:
    """What a project needs of the shared lake, also obtainable from a platform stack's outputs."""

    account_name: str
    account_id: pulumi.Input[str]
    resource_group_name: pulumi.Input[str]
    naming: NamingContext

    @property
    def dfs_endpoint(self) -> str:
        return f"https://{self.account_name}.dfs.core.windows.net"


@dataclass(frozen=True)
class LakeAreaAccess:
    """Grants on one area of the lake, usable without owning the area (e.g. shared areas from a project)."""

    lake: LakeAccountRef
    filesystem: str

    @property
    def scope(self) -> pulumi.Output[str]:
        filesystem = self.filesystem
        return pulumi.Output.from_input(self.lake.account_id).apply(
            lambda account_id: f"{account_id}/blobServices/default/containers/{filesystem}"
        )

    @property
    def url(self) -> str:
        return f"abfss://{self.filesystem}@{self.lake.account_name}.dfs.core.windows.net/"

    def grant_role(self, grantee: Grantee, role: Role, parent: pulumi.Resource, name: Optional[str] = None) -> None:
        grant(
            name=name or f"{self.filesystem}-ra",
            scope=self.scope,
            scope_key=f"lake:{self.lake.account_name}/{self.filesystem}",
            grantee=grantee,
            role=role,
            subscription_id=self.lake.naming.subscription_id,
            parent=parent,
        )

    def grant_read(self, grantee: Grantee, parent: pulumi.Resource) -> None:
        self.grant_role(grantee, Role.STORAGE_BLOB_DATA_READER, parent)

    def grant_write(self, grantee: Grantee, parent: pulumi.Resource) -> None:
        self.grant_role(grantee, Role.STORAGE_BLOB_DATA_CONTRIBUTOR, parent)


class LakeArea(FactoryComponent):
    """One area (a container / filesystem) of the lake, with grants scoped to it."""

    def __init__(
        self,
        name: str,
        lake: LakeAccountRef,
        filesystem: str,
        *,
        protect: bool = False,
        settings: ComponentSettings = ComponentSettings(),
        opts: Optional[pulumi.ResourceOptions] = None,
    ) -> None:
        super().__init__("aifactory:data:LakeArea", name, settings, opts)
        self.lake = lake
        self.filesystem = filesystem
        self.access = LakeAreaAccess(lake, filesystem)
        self.container = storage.BlobContainer(
            self.child_name("fs"),
            account_name=lake.account_name,
            container_name=filesystem,
            resource_group_name=lake.resource_group_name,
            public_access="None",
            opts=self.child_opts(protect=protect),
        )
        self.scope = self.access.scope
        self.url = self.access.url
        self.register_outputs({"url": self.url, "scope": self.scope})

    def grant_role(self, grantee: Grantee, role: Role, parent: Optional[pulumi.Resource] = None) -> None:
        self.access.grant_role(grantee, role, optional_parent(parent, self), name=self.child_name("ra"))

    def grant_read(self, grantee: Grantee, parent: Optional[pulumi.Resource] = None) -> None:
        """Storage Blob Data Reader on this area only."""
        self.grant_role(grantee, Role.STORAGE_BLOB_DATA_READER, parent)

    def grant_write(self, grantee: Grantee, parent: Optional[pulumi.Resource] = None) -> None:
        """Storage Blob Data Contributor on this area only."""
        self.grant_role(grantee, Role.STORAGE_BLOB_DATA_CONTRIBUTOR, parent)


def add_project_area(
    lake: LakeAccountRef,
    project: str,
    *,
    parent: pulumi.Resource,
    protect: bool,
    settings: ComponentSettings,
) -> LakeArea:
    """A project's own area, created under the project so it lives and dies with it."""
    return LakeArea(
        f"{project}-lake-area",
        lake,
        project_area_name(project),
        protect=protect,
        settings=settings,
        opts=pulumi.ResourceOptions(parent=parent),
    )


def lake_account_name(naming: NamingContext) -> str:
    """The shared lake's storage account name in an environment (deterministic, known at plan time)."""
    return resource_name(ResourceKind.STORAGE_ACCOUNT, naming, qualifier="lake")


def project_area_name(project: str) -> str:
    return f"{PROJECT_AREA_PREFIX}-{project}"


def shared_area_name(area: str) -> str:
    return f"{SHARED_AREA_PREFIX}-{area}"


class DataLake(FactoryComponent):
    """The shared lake account of one environment and its shared, read-only areas."""

    account_id: pulumi.Output[str]

    def __init__(self, name: str, args: DataLakeArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("aifactory:data:DataLake", name, args.settings, opts)
        self.args = args
        naming = args.naming
        self.account_name = lake_account_name(naming)
        self.account = secure_storage_account(
            self,
            "st",
            StorageSpec(
                name=self.account_name,
                resource_group_name=args.resource_group_name,
                location=args.endpoints.location,
                sku=args.sku,
                hierarchical_namespace=True,
                protection=args.protection,
                allow_public_network_access=args.allow_public_network_access,
                lock_note="Shared data lake of the AI factory; remove the lock deliberately.",
            ),
        )
        self.account_id = self.account.id
        storage.BlobServiceProperties(
            self.child_name("blob"),
            account_name=self.account.name,
            resource_group_name=args.resource_group_name,
            blob_services_name="default",
            delete_retention_policy=storage.DeleteRetentionPolicyArgs(enabled=True, days=args.soft_delete_days),
            container_delete_retention_policy=storage.DeleteRetentionPolicyArgs(enabled=True, days=args.soft_delete_days),
            is_versioning_enabled=False,  # unsupported with a hierarchical namespace
            opts=self.child_opts(),
        )
        self._lifecycle(args.lifecycle)
        add_endpoints(
            self,
            resource_id=self.account.id,
            group_ids=("blob", "dfs"),
            placement=args.endpoints,
            naming=naming,
            qualifier="lake",
            project=None,
            settings=args.settings,
        )
        attach_diagnostics(self, "st", self.account.id, args.log_analytics_workspace_id, logs=False)
        attach_diagnostics(
            self, "st-blob", self.account.id.apply(lambda i: f"{i}/blobServices/default"), args.log_analytics_workspace_id
        )
        self.ref = LakeAccountRef(
            account_name=self.account_name,
            account_id=self.account.id,
            resource_group_name=args.resource_group_name,
            naming=naming,
        )
        self.shared_areas = {
            area: LakeArea(
                self.child_name(f"area-{shared_area_name(area)}"),
                self.ref,
                shared_area_name(area),
                protect=args.protection.protect,
                settings=args.settings,
                opts=self.child_opts(),
            )
            for area in args.shared_areas
        }
        self.register_outputs({"accountId": self.account_id, "accountName": self.account_name})

    def _lifecycle(self, policy: LifecyclePolicy) -> None:
        storage.ManagementPolicy(
            self.child_name("lifecycle"),
            account_name=self.account.name,
            resource_group_name=self.args.resource_group_name,
            management_policy_name="default",
            policy=storage.ManagementPolicySchemaArgs(
                rules=[
                    storage.ManagementPolicyRuleArgs(
                        name="tier-by-age",
                        enabled=True,
                        type="Lifecycle",
                        definition=storage.ManagementPolicyDefinitionArgs(
                            filters=storage.ManagementPolicyFilterArgs(blob_types=["blockBlob"]),
                            actions=storage.ManagementPolicyActionArgs(
                                base_blob=storage.ManagementPolicyBaseBlobArgs(
                                    tier_to_cool=storage.DateAfterModificationArgs(
                                        days_after_modification_greater_than=policy.cool_after_days
                                    ),
                                    tier_to_cold=storage.DateAfterModificationArgs(
                                        days_after_modification_greater_than=policy.cold_after_days
                                    ),
                                ),
                                snapshot=storage.ManagementPolicySnapShotArgs(
                                    delete=storage.DateAfterCreationArgs(
                                        days_after_creation_greater_than=policy.delete_snapshots_after_days
                                    )
                                ),
                            ),
                        ),
                    )
                ]
            ),
            opts=self.child_opts(),
        )

    def add_project_area(
        self, project: str, *, parent: Optional[pulumi.Resource] = None, settings: Optional[ComponentSettings] = None
    ) -> LakeArea:
        """A project's own area; created under ``parent`` (the project) so it lives and dies with it."""
        return add_project_area(
            self.ref, project, parent=parent or self, protect=self.args.protection.protect, settings=settings or self._settings
        )
