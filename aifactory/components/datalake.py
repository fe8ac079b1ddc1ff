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
from dataclasses import dataclass
from typing import Optional

import pulumi
from pydantic import Field, InstanceOf, model_validator

from aifactory.components.arm import AzureResource
from aifactory.components.base import ComponentArgs, ComponentSettings, FactoryComponent, Invalid, StrInput
from aifactory.components.monitoring import attach_diagnostics
from aifactory.components.private_endpoint import EndpointPlacement, add_endpoints
from aifactory.components.rbac import Grantee, grant, optional_parent
from aifactory.components.stateful import Protection
from aifactory.components.storage import StorageSpec, secure_storage_account
from aifactory.core.access import Role
from aifactory.core.config import StorageSku
from aifactory.core.naming import NamingContext, ResourceKind, lake_area_name, resource_name, shared_area_name
from aifactory.core.ownership import SHARED_AREAS
from aifactory.core.types import StrictFlag

AREA_NAME = r"^[a-z0-9]+(-[a-z0-9]+)*$"


class LifecyclePolicy(ComponentArgs):
    """Tiering of lake data by age; days since last modification."""

    cool_after_days: int = Field(default=30, gt=0)
    cold_after_days: int = 90
    delete_snapshots_after_days: int = Field(default=90, gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> "LifecyclePolicy":
        if not self.cool_after_days < self.cold_after_days:
            raise Invalid("cool_after_days", "must come before cold_after_days")
        return self


class DataLakeArgs(ComponentArgs):
    naming: InstanceOf[NamingContext]
    resource_group_name: StrInput
    endpoints: InstanceOf[EndpointPlacement]
    log_analytics_workspace_id: StrInput
    shared_areas: tuple[str, ...] = SHARED_AREAS
    """Read-only areas every project can read (curated data)."""
    sku: StorageSku = "Standard_LRS"
    soft_delete_days: int = Field(default=7, ge=1, le=365)
    lifecycle: LifecyclePolicy = LifecyclePolicy()
    protection: InstanceOf[Protection] = Protection()
    allow_public_network_access: StrictFlag = False
    """Insecure: opens the lake's public endpoint (still Entra-only, no shared keys)."""
    settings: InstanceOf[ComponentSettings] = ComponentSettings()

    @model_validator(mode="after")
    def _areas(self) -> "DataLakeArgs":
        for area in self.shared_areas:
            if not re.fullmatch(AREA_NAME, area):
                raise Invalid("shared_areas", f"lake area {area!r}: use lowercase letters, digits and single hyphens")
        return self


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

    def grant_role(
        self, grantee: Grantee, role: Role, parent: pulumi.Resource, name: Optional[str] = None,
        opts: Optional[pulumi.ResourceOptions] = None,
    ) -> None:
        grant(
            name=name or f"{self.filesystem}-ra",
            scope=self.scope,
            scope_key=f"lake:{self.lake.account_name}/{self.filesystem}",
            grantee=grantee,
            role=role,
            subscription_id=self.lake.naming.subscription_id,
            parent=parent,
            opts=opts,
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
        self.container = AzureResource(
            "azure-native:storage:BlobContainer",
            self.child_name("fs"),
            {
                "accountName": lake.account_name,
                "containerName": filesystem,
                "resourceGroupName": lake.resource_group_name,
                "publicAccess": "None",
            },
            self.child_opts(protect=protect),
        )
        self.scope = self.access.scope
        self.url = self.access.url
        self.register_outputs({"url": self.url, "scope": self.scope})

    def grant_role(
        self, grantee: Grantee, role: Role, parent: Optional[pulumi.Resource] = None, opts: Optional[pulumi.ResourceOptions] = None
    ) -> None:
        self.access.grant_role(grantee, role, optional_parent(parent, self), name=self.child_name("ra"), opts=opts)

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
    provider: Optional[pulumi.ProviderResource] = None,
) -> LakeArea:
    """A project's own area, created under the project so it lives and dies with it.

    ``provider`` is the lake's subscription when the project lives in another one.
    """
    return LakeArea(
        f"{project}-lake-area",
        lake,
        lake_area_name(project),
        protect=protect,
        settings=settings,
        opts=pulumi.ResourceOptions(parent=parent, providers=[provider] if provider is not None else None),
    )


def lake_account_name(naming: NamingContext) -> str:
    """The shared lake's storage account name in an environment (deterministic, known at plan time)."""
    return resource_name(ResourceKind.STORAGE_ACCOUNT, naming, qualifier="lake")


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
        AzureResource(
            "azure-native:storage:BlobServiceProperties",
            self.child_name("blob"),
            {
                "accountName": self.account.name,
                "resourceGroupName": args.resource_group_name,
                "blobServicesName": "default",
                "deleteRetentionPolicy": {"enabled": True, "days": args.soft_delete_days},
                "containerDeleteRetentionPolicy": {"enabled": True, "days": args.soft_delete_days},
                "isVersioningEnabled": False,  # unsupported with a hierarchical namespace
            },
            self.child_opts(),
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
        AzureResource(
            "azure-native:storage:ManagementPolicy",
            self.child_name("lifecycle"),
            {
                "accountName": self.account.name,
                "resourceGroupName": self.args.resource_group_name,
                "managementPolicyName": "default",
                "policy": {
                    "rules": [
                        {
                            "name": "tier-by-age",
                            "enabled": True,
                            "type": "Lifecycle",
                            "definition": {
                                "filters": {"blobTypes": ["blockBlob"]},
                                "actions": {
                                    "baseBlob": {
                                        "tierToCool": {"daysAfterModificationGreaterThan": policy.cool_after_days},
                                        "tierToCold": {"daysAfterModificationGreaterThan": policy.cold_after_days},
                                    },
                                    "snapshot": {"delete": {"daysAfterCreationGreaterThan": policy.delete_snapshots_after_days}},
                                },
                            },
                        }
                    ]
                },
            },
            self.child_opts(),
        )

    def add_project_area(
        self, project: str, *, parent: Optional[pulumi.Resource] = None, settings: Optional[ComponentSettings] = None
    ) -> LakeArea:
        """A project's own area; created under ``parent`` (the project) so it lives and dies with it."""
        return add_project_area(
            self.ref, project, parent=parent or self, protect=self.args.protection.protect, settings=settings or self._settings
        )
