"""MachineLearningWorkspace and MachineLearningRegistry: private Azure ML with a managed network."""

from __future__ import annotations

from typing import Literal, Optional

import pulumi
from pydantic import Field, InstanceOf, model_validator

from aifactory.components.arm import AzureResource
from aifactory.components.base import ComponentArgs, ComponentSettings, Invalid, StrInput
from aifactory.components.container_registry import ContainerRegistry, ContainerRegistryArgs
from aifactory.components.monitoring import application_insights
from aifactory.components.rbac import Grantee
from aifactory.components.service import (
    BuiltService,
    ServiceComponent,
    ServiceContext,
    ServicePlacement,
    system_identity_grantee,
)
from aifactory.components.stateful import Protection
from aifactory.components.storage import StorageSpec, secure_storage_account
from aifactory.core.access import Role
from aifactory.core.config import StorageSku
from aifactory.core.naming import ResourceKind, resource_name
from aifactory.core.types import StrictFlag, Location
from aifactory.services.aml import AmlSettings

IsolationMode = Literal["Disabled", "AllowInternetOutbound", "AllowOnlyApprovedOutbound"]


class ComputeCluster(ComponentArgs):
    """A CPU cluster that scales to zero; local auth and node public IPs off."""

    name: str = Field(default="cpu", pattern=r"^[a-z][a-z0-9-]{1,15}$")
    vm_size: str = Field(default="Standard_DS3_v2", pattern=r"^Standard_[A-Za-z0-9_]+$")
    max_nodes: int = Field(default=4, ge=0, le=100)
    min_nodes: int = Field(default=0, ge=0, le=100)
    idle_before_scale_down: str = Field(default="PT15M", pattern=r"^PT\d+[MH]$")

    @model_validator(mode="after")
    def _order(self) -> "ComputeCluster":
        if self.min_nodes > self.max_nodes:
            raise Invalid("min_nodes", "is more than max_nodes")
        return self


class LakeDatastore(ComponentArgs):
    """The project's lake area, registered as the workspace's ``lake`` datastore (identity-based)."""

    account_id: StrInput
    account_name: str
    filesystem: str


class MachineLearningWorkspaceArgs(ComponentArgs):
    placement: InstanceOf[ServicePlacement]
    key_vault_id: StrInput
    container_registry_id: Optional[StrInput] = None
    """A shared registry; without one the workspace gets its own Premium, private registry."""
    application_insights_id: Optional[StrInput] = None
    isolation_mode: IsolationMode = "AllowOnlyApprovedOutbound"
    compute: Optional[ComputeCluster] = ComputeCluster()
    lake: Optional[LakeDatastore] = None
    attached_aks_id: Optional[StrInput] = None
    storage_sku: StorageSku = "Standard_LRS"
    zone_redundant: StrictFlag = False
    """Zone redundancy of the workspace's own registry (the profile's, like every registry)."""
    protection: InstanceOf[Protection] = Protection()
    """Guards the workspace's own storage (experiments, models) against deletion."""
    settings: InstanceOf[ComponentSettings] = ComponentSettings()


class MachineLearningWorkspace(ServiceComponent):
    workspace_id: pulumi.Output[str]

    def __init__(self, name: str, args: MachineLearningWorkspaceArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("aifactory:ml:MachineLearningWorkspace", name, args.placement, args.settings, opts)
        placement = args.placement
        self.workspace_name = placement.name(ResourceKind.ML_WORKSPACE)
        account = self._default_storage(args)
        registry_id = args.container_registry_id
        if registry_id is None:
            registry_id = ContainerRegistry(
                self.child_name("registry"),
                ContainerRegistryArgs(placement=placement, qualifier="ml", zone_redundant=args.zone_redundant, settings=args.settings),
                opts=self.child_opts(),
            ).registry_id
        insights_id = args.application_insights_id
        if insights_id is None:
            insights_id = application_insights(
                self,
                naming=placement.naming,
                project=placement.project,
                qualifier="ml",
                resource_group_name=placement.resource_group_name,
                location=placement.location,
                workspace_id=placement.log_analytics_workspace_id,
            ).id
        outbound = {}
        if args.lake is not None:
            outbound["lake-dfs"] = {
                "type": "PrivateEndpoint",
                "category": "UserDefined",
                "destination": {"serviceResourceId": args.lake.account_id, "subresourceTarget": "dfs"},
            }
        self.workspace = AzureResource(
            "azure-native:machinelearningservices:Workspace",
            self.child_name("mlw"),
            {
                "workspaceName": self.workspace_name,
                "resourceGroupName": placement.resource_group_name,
                "location": placement.location,
                "kind": "Default",
                "sku": {"name": "Basic", "tier": "Basic"},
                "identity": {"type": "SystemAssigned"},
                "storageAccount": account.id,
                "keyVault": args.key_vault_id,
                "containerRegistry": registry_id,
                "applicationInsights": insights_id,
                "publicNetworkAccess": "Disabled",
                "allowPublicAccessWhenBehindVnet": False,
                "systemDatastoresAuthMode": "Identity",
                "v1LegacyMode": False,
                "managedNetwork": {
                    "isolationMode": args.isolation_mode,
                    "outboundRules": outbound or None,
                    "enableNetworkMonitor": False,
                },
                "tags": self.tags,
            },
            self.child_opts(),
            outputs=("identity",),
        )
        self.workspace_id = self.workspace.id
        self.identity = system_identity_grantee(self.workspace, "mlw", placement.naming, self.workspace_name)
        self._expose(self.workspace, self.workspace_name, "aml")
        if args.compute is not None:
            self._compute(args.compute)
        if args.lake is not None:
            AzureResource(
                "azure-native:machinelearningservices:Datastore",
                self.child_name("ds-lake"),
                {
                    "name": "lake",
                    "workspaceName": self.workspace.name,
                    "resourceGroupName": placement.resource_group_name,
                    "properties": {
                        "datastoreType": "AzureDataLakeGen2",
                        "accountName": args.lake.account_name,
                        "filesystem": args.lake.filesystem,
                        "endpoint": "core.windows.net",
                        "protocol": "https",
                        "credentials": {"credentialsType": "None"},
                        "serviceDataAccessAuthIdentity": "WorkspaceSystemAssignedIdentity",
                    },
                },
                self.child_opts(),
            )
        if args.attached_aks_id is not None:
            AzureResource(
                "azure-native:machinelearningservices:Compute",
                self.child_name("aks-inference"),
                {
                    "computeName": "aks-inference",
                    "workspaceName": self.workspace.name,
                    "resourceGroupName": placement.resource_group_name,
                    "location": placement.location,
                    "properties": {"computeType": "AKS", "resourceId": args.attached_aks_id, "disableLocalAuth": True},
                },
                self.child_opts(),
            )
        self._private_endpoints(self.workspace.id, ("amlworkspace",), "mlw")
        self._diagnostics("mlw", self.workspace.id)
        self.register_outputs({"workspaceId": self.workspace_id})

    def _default_storage(self, args: MachineLearningWorkspaceArgs) -> AzureResource:
        """The workspace's own storage: never the lake (no hierarchical namespace), Entra-only, private."""
        placement = args.placement
        account = secure_storage_account(
            self,
            "st",
            StorageSpec(
                name=placement.name(ResourceKind.STORAGE_ACCOUNT, "ml"),
                resource_group_name=placement.resource_group_name,
                location=placement.location,
                sku=args.storage_sku,
                hierarchical_namespace=False,
                protection=args.protection,
                lock_note="Azure ML workspace storage; remove the lock deliberately.",
            ),
        )
        self._private_endpoints(account.id, ("blob", "file"), "mlst")
        self._diagnostics("st", account.id, logs=False)
        return account

    def _compute(self, cluster: ComputeCluster) -> None:
        placement = self.placement
        AzureResource(
            "azure-native:machinelearningservices:Compute",
            self.child_name(f"compute-{cluster.name}"),
            {
                "computeName": resource_name(ResourceKind.ML_COMPUTE, placement.naming, qualifier=cluster.name),
                "workspaceName": self.workspace.name,
                "resourceGroupName": placement.resource_group_name,
                "location": placement.location,
                "identity": {"type": "SystemAssigned"},
                "properties": {
                    "computeType": "AmlCompute",
                    "disableLocalAuth": True,
                    "properties": {
                        "vmSize": cluster.vm_size,
                        "vmPriority": "Dedicated",
                        "osType": "Linux",
                        "enableNodePublicIp": False,
                        "remoteLoginPortPublicAccess": "Disabled",
                        "scaleSettings": {
                            "minNodeCount": cluster.min_nodes,
                            "maxNodeCount": cluster.max_nodes,
                            "nodeIdleTimeBeforeScaleDown": cluster.idle_before_scale_down,
                        },
                    },
                },
                "tags": self.tags,
            },
            self.child_opts(),
        )

    def grant_data_scientist(self, grantee: Grantee, parent: Optional[pulumi.Resource] = None) -> None:
        self.grant_role(grantee, Role.AZUREML_DATA_SCIENTIST, parent)

    def grant_compute_operator(self, grantee: Grantee, parent: Optional[pulumi.Resource] = None) -> None:
        self.grant_role(grantee, Role.AZUREML_COMPUTE_OPERATOR, parent)


def build(context: ServiceContext) -> BuiltService:
    """The project's workspace: its key vault, its lake area as a datastore, a cluster sized by the settings."""
    settings: AmlSettings = context.settings
    workspace = MachineLearningWorkspace(
        context.name,
        MachineLearningWorkspaceArgs(
            placement=context.placement,
            key_vault_id=context.needed("keyvault").outputs["id"],
            lake=LakeDatastore(account_id=context.lake.account_id, account_name=context.lake.account_name, filesystem=context.lake_area),
            isolation_mode=settings.isolation_mode,
            storage_sku=context.profile.storage_sku,
            zone_redundant=context.profile.zone_redundant,
            compute=ComputeCluster(max_nodes=settings.max_nodes, vm_size=settings.vm_size) if settings.max_nodes else None,
            protection=context.protection,
            settings=context.component_settings,
        ),
        opts=context.opts(),
    )
    outputs = {"workspaceId": workspace.workspace_id, "workspaceName": workspace.workspace_name}
    return BuiltService(workspace, outputs, {"system": workspace.identity})


class MachineLearningRegistryArgs(ComponentArgs):
    """A registry shared by the environments so models and components promote dev -> test -> prod."""

    placement: InstanceOf[ServicePlacement]
    regions: tuple[Location, ...] = ()
    settings: InstanceOf[ComponentSettings] = ComponentSettings()


class MachineLearningRegistry(ServiceComponent):
    registry_id: pulumi.Output[str]

    def __init__(self, name: str, args: MachineLearningRegistryArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("aifactory:ml:MachineLearningRegistry", name, args.placement, args.settings, opts)
        placement = args.placement
        self.registry_name = placement.name(ResourceKind.ML_REGISTRY)
        regions = args.regions or (placement.location,)
        self.registry = AzureResource(
            "azure-native:machinelearningservices:Registry",
            self.child_name("mlr"),
            {
                "registryName": self.registry_name,
                "resourceGroupName": placement.resource_group_name,
                "location": placement.location,
                "identity": {"type": "SystemAssigned"},
                "publicNetworkAccess": "Disabled",
                "regionDetails": [
                    {
                        "location": region,
                        "acrDetails": [{"systemCreatedAcrAccount": {"acrAccountSku": "Premium"}}],
                        "storageAccountDetails": [
                            {
                                "systemCreatedStorageAccount": {
                                    "storageAccountType": "Standard_LRS",
                                    "storageAccountHnsEnabled": False,
                                    "allowBlobPublicAccess": False,
                                }
                            }
                        ],
                    }
                    for region in regions
                ],
                "tags": self.tags,
            },
            self.child_opts(),
        )
        self.registry_id = self.registry.id
        self._expose(self.registry, self.registry_name, "mlregistry")
        self._private_endpoints(self.registry.id, ("amlregistry",), "mlr")
        self.register_outputs({"registryId": self.registry_id})

    def grant_data_scientist(self, grantee: Grantee, parent: Optional[pulumi.Resource] = None) -> None:
        self.grant_role(grantee, Role.AZUREML_DATA_SCIENTIST, parent)
