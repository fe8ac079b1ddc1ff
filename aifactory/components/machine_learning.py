"""MachineLearningWorkspace and MachineLearningRegistry: private Azure ML with a managed network."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import pulumi
from pulumi_azure_native import machinelearningservices as ml, storage

from aifactory.access import Role
from aifactory.components.base import ComponentSettings
from aifactory.components.container_registry import ContainerRegistry, ContainerRegistryArgs
from aifactory.components.monitoring import application_insights
from aifactory.components.rbac import Grantee
from aifactory.components.service import ServiceComponent, ServicePlacement, system_identity_grantee
from aifactory.components.stateful import Protection
from aifactory.components.storage import StorageSpec, secure_storage_account
from aifactory.naming import ResourceKind, resource_name

ISOLATION_MODES = ("Disabled", "AllowInternetOutbound", "AllowOnlyApprovedOutbound")


@dataclass(frozen=True)
class ComputeCluster:
    """A CPU cluster that scales to zero; local auth and node public IPs off."""

    name: str = "cpu"
    vm_size: str = "Standard_DS3_v2"
    max_nodes: int = 4
    min_nodes: int = 0
    idle_before_scale_down: str = "PT15M"

    def __post_init__(self) -> None:
        if not 0 <= self.min_nodes <= self.max_nodes <= 100:
            raise ValueError("compute cluster: need 0 <= min_nodes <= max_nodes <= 100")


@dataclass(frozen=True)
class LakeDatastore:
    """The project's lake area, registered as the workspace's ``lake`` datastore (identity-based)."""

    account_id: pulumi.Input[str]
    account_name: str
    filesystem: str


@dataclass(frozen=True)
class MachineLearningWorkspaceArgs:
    placement: ServicePlacement
    key_vault_id: pulumi.Input[str]
    container_registry_id: Optional[pulumi.Input[str]] = None
    """A shared registry; without one the workspace gets its own Premium, private registry."""
    application_insights_id: Optional[pulumi.Input[str]] = None
    isolation_mode: str = "AllowOnlyApprovedOutbound"
    compute: Optional[ComputeCluster] = field(default_factory=ComputeCluster)
    lake: Optional[LakeDatastore] = None
    attached_aks_id: Optional[pulumi.Input[str]] = None
    storage_sku: str = "Standard_LRS"
    protection: Protection = field(default_factory=Protection)
    """Guards the workspace's own storage (experiments, models) against deletion."""
    settings: ComponentSettings = field(default_factory=ComponentSettings)

    def __post_init__(self) -> None:
        if self.isolation_mode not in ISOLATION_MODES:
            raise ValueError(f"isolation_mode is one of {', '.join(ISOLATION_MODES)}")


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
                ContainerRegistryArgs(placement=placement, qualifier="ml", settings=args.settings),
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
            outbound["lake-dfs"] = ml.PrivateEndpointOutboundRuleArgs(
                type="PrivateEndpoint",
                category="UserDefined",
                destination=ml.PrivateEndpointDestinationArgs(service_resource_id=args.lake.account_id, subresource_target="dfs"),
            )
        self.workspace = ml.Workspace(
            self.child_name("mlw"),
            workspace_name=self.workspace_name,
            resource_group_name=placement.resource_group_name,
            location=placement.location,
            kind="Default",
            sku=ml.SkuArgs(name="Basic", tier="Basic"),
            identity=ml.ManagedServiceIdentityArgs(type="SystemAssigned"),
            storage_account=account.id,
            key_vault=args.key_vault_id,
            container_registry=registry_id,
            application_insights=insights_id,
            public_network_access="Disabled",
            allow_public_access_when_behind_vnet=False,
            system_datastores_auth_mode="identity",
            v1_legacy_mode=False,
            managed_network=ml.ManagedNetworkSettingsArgs(isolation_mode=args.isolation_mode, outbound_rules=outbound or None),
            tags=self.tags,
            opts=self.child_opts(),
        )
        self.workspace_id = self.workspace.id
        self.identity = system_identity_grantee(self.workspace, f"mlw:{placement.naming.subscription_id}/{self.workspace_name}")
        self._expose(self.workspace, self.workspace_name, "aml")
        if args.compute is not None:
            self._compute(args.compute)
        if args.lake is not None:
            ml.Datastore(
                self.child_name("ds-lake"),
                name="lake",
                workspace_name=self.workspace.name,
                resource_group_name=placement.resource_group_name,
                properties=ml.AzureDataLakeGen2DatastoreArgs(
                    datastore_type="AzureDataLakeGen2",
                    account_name=args.lake.account_name,
                    filesystem=args.lake.filesystem,
                    endpoint="core.windows.net",
                    protocol="https",
                    credentials=ml.NoneDatastoreCredentialsArgs(credentials_type="None"),
                    service_data_access_auth_identity="WorkspaceSystemAssignedIdentity",
                ),
                opts=self.child_opts(),
            )
        if args.attached_aks_id is not None:
            ml.Compute(
                self.child_name("aks-inference"),
                compute_name="aks-inference",
                workspace_name=self.workspace.name,
                resource_group_name=placement.resource_group_name,
                location=placement.location,
                properties=ml.AKSArgs(compute_type="AKS", resource_id=args.attached_aks_id, disable_local_auth=True),
                opts=self.child_opts(),
            )
        self._private_endpoints(self.workspace.id, ("amlworkspace",), "mlw")
        self._diagnostics("mlw", self.workspace.id)
        self.register_outputs({"workspaceId": self.workspace_id})

    def _default_storage(self, args: MachineLearningWorkspaceArgs) -> storage.StorageAccount:
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
        ml.Compute(
            self.child_name(f"compute-{cluster.name}"),
            compute_name=resource_name(ResourceKind.ML_COMPUTE, placement.naming, qualifier=cluster.name),
            workspace_name=self.workspace.name,
            resource_group_name=placement.resource_group_name,
            location=placement.location,
            identity=ml.ManagedServiceIdentityArgs(type="SystemAssigned"),
            properties=ml.AmlComputeArgs(
                compute_type="AmlCompute",
                disable_local_auth=True,
                properties=ml.AmlComputePropertiesArgs(
                    vm_size=cluster.vm_size,
                    vm_priority="Dedicated",
                    os_type="Linux",
                    enable_node_public_ip=False,
                    remote_login_port_public_access="Disabled",
                    scale_settings=ml.ScaleSettingsArgs(
                        min_node_count=cluster.min_nodes,
                        max_node_count=cluster.max_nodes,
                        node_idle_time_before_scale_down=cluster.idle_before_scale_down,
                    ),
                ),
            ),
            tags=self.tags,
            opts=self.child_opts(),
        )

    def grant_data_scientist(self, grantee: Grantee, parent: Optional[pulumi.Resource] = None) -> None:
        self.grant_role(grantee, Role.AZUREML_DATA_SCIENTIST, parent)

    def grant_compute_operator(self, grantee: Grantee, parent: Optional[pulumi.Resource] = None) -> None:
        self.grant_role(grantee, Role.AZUREML_COMPUTE_OPERATOR, parent)


@dataclass(frozen=True)
class MachineLearningRegistryArgs:
    """A registry shared by the environments so models and components promote dev -> test -> prod."""

    placement: ServicePlacement
    regions: tuple[str, ...] = ()
    settings: ComponentSettings = field(default_factory=ComponentSettings)


class MachineLearningRegistry(ServiceComponent):
    registry_id: pulumi.Output[str]

    def __init__(self, name: str, args: MachineLearningRegistryArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("aifactory:ml:MachineLearningRegistry", name, args.placement, args.settings, opts)
        placement = args.placement
        self.registry_name = placement.name(ResourceKind.ML_REGISTRY)
        regions = args.regions or (placement.location,)
        self.registry = ml.Registry(
            self.child_name("mlr"),
            registry_name=self.registry_name,
            resource_group_name=placement.resource_group_name,
            location=placement.location,
            identity=ml.ManagedServiceIdentityArgs(type="SystemAssigned"),
            public_network_access="Disabled",
            region_details=[
                ml.RegistryRegionArmDetailsArgs(
                    location=region,
                    acr_details=[ml.AcrDetailsArgs(system_created_acr_account=ml.SystemCreatedAcrAccountArgs(acr_account_sku="Premium"))],
                    storage_account_details=[
                        ml.StorageAccountDetailsArgs(
                            system_created_storage_account=ml.SystemCreatedStorageAccountArgs(
                                storage_account_type="Standard_LRS",
                                storage_account_hns_enabled=False,
                                allow_blob_public_access=False,
                            )
                        )
                    ],
                )
                for region in regions
            ],
            tags=self.tags,
            opts=self.child_opts(),
        )
        self.registry_id = self.registry.id
        self._expose(self.registry, self.registry_name, "mlregistry")
        self._private_endpoints(self.registry.id, ("amlregistry",), "mlr")
        self.register_outputs({"registryId": self.registry_id})

    def grant_data_scientist(self, grantee: Grantee, parent: Optional[pulumi.Resource] = None) -> None:
        self.grant_role(grantee, Role.AZUREML_DATA_SCIENTIST, parent)
