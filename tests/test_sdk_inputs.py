"""The SDK input checker against the real pulumi-azure-native types."""

from __future__ import annotations

import copy
import time

import pulumi_azure_native as azn
import pytest

try:
    from tests.sdk_inputs import args_class_schema, check_inputs, resource_args_class
except ImportError:  # run from inside tests/
    from sdk_inputs import args_class_schema, check_inputs, resource_args_class


DATABRICKS = "azure-native:databricks:Workspace"
SEARCH = "azure-native:search:Service"
ML_WORKSPACE = "azure-native:machinelearningservices:Workspace"
ML_COMPUTE = "azure-native:machinelearningservices:Compute"
VNET = "azure-native:network:VirtualNetwork"
STORAGE = "azure-native:storage:StorageAccount"
BLOB_SERVICE = "azure-native:storage:BlobServiceProperties"
PIPELINE = "azure-native:datafactory:Pipeline"


def _at(problems: list[str], path: str, category: str) -> list[str]:
    """Problems reported for exactly this property path and category."""
    return [p for p in problems if p.startswith(f"{path}: {category}")]


def _databricks(**extra) -> dict:
    inputs = {
        "resourceGroupName": "rg-dbw",
        "workspaceName": "dbw-1",
        "location": "westeurope",
        "computeMode": "Hybrid",
        "managedResourceGroupId": "/subscriptions/0/resourceGroups/rg-dbw-managed",
        "sku": {"name": "premium"},
        "publicNetworkAccess": "Disabled",
        "requiredNsgRules": "NoAzureDatabricksRules",
        "parameters": {
            "enableNoPublicIp": {"value": True},
            "customVirtualNetworkId": {"value": "/subscriptions/0/vnet"},
            "customPublicSubnetName": {"value": "public"},
            "customPrivateSubnetName": {"value": "private"},
        },
        "tags": {"owner": "team", "cost": "1"},
    }
    inputs.update(extra)
    return inputs


def _vnet() -> dict:
    return {
        "resourceGroupName": "rg-net",
        "virtualNetworkName": "vnet-1",
        "location": "westeurope",
        "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
        "subnets": [
            {
                "name": f"snet-{i}",
                "addressPrefix": f"10.0.{i}.0/24",
                "privateEndpointNetworkPolicies": "Disabled",
                "networkSecurityGroup": {"id": "/subscriptions/0/nsg"},
                "serviceEndpoints": [{"service": "Microsoft.Storage"}],
                "delegations": [
                    {"name": "dbw", "serviceName": "Microsoft.Databricks/workspaces"}
                ],
            }
            for i in range(4)
        ],
        "tags": {"env": "dev"},
    }


# --- token -> Args class --------------------------------------------------------------


def test_resource_args_class_follows_the_sdk_registry() -> None:
    assert resource_args_class(DATABRICKS) is azn.databricks.WorkspaceArgs
    assert resource_args_class(STORAGE) is azn.storage.StorageAccountArgs
    # A nested input type already owns the name VirtualNetworkArgs, so the SDK calls the
    # resource's Args class VirtualNetworkInitArgs.
    assert resource_args_class(VNET) is azn.network.VirtualNetworkInitArgs
    assert azn.network.VirtualNetworkArgs is not azn.network.VirtualNetworkInitArgs
    assert resource_args_class("azure-native:resources:Resource") is azn.resources.ResourceArgs
    with pytest.raises(LookupError):
        resource_args_class("azure-native:databricks:NoSuchThing")
    with pytest.raises(LookupError):
        resource_args_class("random:index:RandomString")


def test_schema_uses_the_getter_camel_case_names() -> None:
    schema = args_class_schema(azn.databricks.WorkspaceArgs)
    assert {"computeMode", "resourceGroupName", "publicNetworkAccess", "parameters"} <= set(
        schema.props
    )
    assert "compute_mode" not in schema.props
    assert "resourceGroupName" in schema.required  # non-Optional __init__ parameter
    assert "computeMode" in schema.required_on_create  # docstring "Required on create"
    assert "location" not in schema.required


def test_non_azure_native_tokens_are_not_checked() -> None:
    assert check_inputs("pulumi:providers:azure-native", {"anything": 1}) == []
    assert check_inputs("random:index:RandomString", {"lenght": 3}) == []
    assert check_inputs("azure:storage/account:Account", {"x": "y"}) == []


def test_unknown_azure_native_token_is_one_problem() -> None:
    problems = check_inputs("azure-native:databricks:Workspaces", {})
    assert len(problems) == 1 and "unknown azure-native resource type" in problems[0]


# --- required ---------------------------------------------------------------------------


def test_valid_databricks_workspace_has_no_problems() -> None:
    assert check_inputs(DATABRICKS, _databricks()) == []


def test_databricks_compute_mode_is_required_on_create() -> None:
    inputs = _databricks()
    del inputs["computeMode"]
    problems = check_inputs(DATABRICKS, inputs)
    assert _at(problems, "computeMode", "required"), problems
    assert "Required on create" in _at(problems, "computeMode", "required")[0]
    assert check_inputs(DATABRICKS, _databricks(computeMode="Hybrid")) == []
    assert check_inputs(DATABRICKS, _databricks(computeMode=None)) != []


def test_resource_group_name_is_required() -> None:
    inputs = _databricks()
    del inputs["resourceGroupName"]
    assert _at(check_inputs(DATABRICKS, inputs), "resourceGroupName", "required")


def test_storage_account_requires_kind_and_sku() -> None:
    full = {
        "resourceGroupName": "rg",
        "accountName": "stdata",
        "kind": "StorageV2",
        "sku": {"name": "Standard_LRS"},
        "isHnsEnabled": True,
        "minimumTlsVersion": "TLS1_2",
        "networkRuleSet": {"defaultAction": "Deny", "bypass": "AzureServices"},
    }
    assert check_inputs(STORAGE, full) == []
    for key in ("kind", "sku"):
        inputs = {k: v for k, v in full.items() if k != key}
        problems = check_inputs(STORAGE, inputs)
        assert _at(problems, key, "required"), problems
    # a nested required property: SkuArgs.name
    problems = check_inputs(STORAGE, {**full, "sku": {"tier": "Standard"}})
    assert _at(problems, "sku.name", "required"), problems
    # location is documented "Required." but Optional in the SDK: not reported
    assert not [p for p in check_inputs(STORAGE, full) if p.startswith("location")]


# --- enums --------------------------------------------------------------------------------


def test_databricks_enum_is_case_sensitive() -> None:
    problems = check_inputs(DATABRICKS, _databricks(computeMode="hybrid"))
    assert _at(problems, "computeMode", "enum"), problems
    assert "'Hybrid'" in problems[0]
    assert not _at(problems, "computeMode", "required")


def test_search_service_enums() -> None:
    base = {
        "resourceGroupName": "rg",
        "searchServiceName": "srch",
        "sku": {"name": "standard"},
        "replicaCount": 1,
        "partitionCount": 1,
    }
    assert check_inputs(SEARCH, {**base, "publicNetworkAccess": "Disabled"}) == []
    assert check_inputs(SEARCH, {**base, "hostingMode": "Default"}) == []
    problems = check_inputs(SEARCH, {**base, "publicNetworkAccess": "disabled"})
    assert _at(problems, "publicNetworkAccess", "enum"), problems
    # hostingMode is a strict enum (no str in the Union) in the SDK
    problems = check_inputs(SEARCH, {**base, "hostingMode": "default"})
    assert _at(problems, "hostingMode", "enum"), problems
    assert "strict enum" in problems[0]
    # the sku name is an enum as well
    problems = check_inputs(SEARCH, {**base, "sku": {"name": "Standard"}})
    assert _at(problems, "sku.name", "enum"), problems


def test_ml_workspace_system_datastores_auth_mode_is_an_enum() -> None:
    enum_cls = azn.machinelearningservices.SystemDatastoresAuthMode
    assert "Identity" in {m.value for m in enum_cls}
    base = {"resourceGroupName": "rg", "workspaceName": "mlw", "kind": "Default"}
    assert check_inputs(ML_WORKSPACE, {**base, "systemDatastoresAuthMode": "Identity"}) == []
    problems = check_inputs(ML_WORKSPACE, {**base, "systemDatastoresAuthMode": "identity"})
    assert _at(problems, "systemDatastoresAuthMode", "enum"), problems
    assert "did you mean 'Identity'" in problems[0]


def test_enum_inside_a_list() -> None:
    rule = {
        "allowedMethods": ["GET", "OPTIONS"],
        "allowedHeaders": ["*"],
        "allowedOrigins": ["https://example.org"],
        "exposedHeaders": ["*"],
        "maxAgeInSeconds": 60,
    }
    base = {
        "resourceGroupName": "rg",
        "accountName": "stdata",
        "blobServicesName": "default",
    }
    assert check_inputs(BLOB_SERVICE, {**base, "cors": {"corsRules": [rule]}}) == []
    bad = {**rule, "allowedMethods": ["GET", "get"]}
    problems = check_inputs(BLOB_SERVICE, {**base, "cors": {"corsRules": [bad]}})
    assert problems == _at(problems, "cors.corsRules[0].allowedMethods[1]", "enum")
    assert len(problems) == 1


def test_enum_members_are_accepted_as_values() -> None:
    mode = azn.databricks.ComputeMode.HYBRID
    assert check_inputs(DATABRICKS, _databricks(computeMode=mode)) == []


# --- unknown properties -------------------------------------------------------------------


def test_misspelt_top_level_key_is_unknown() -> None:
    problems = check_inputs(
        SEARCH, {"resourceGroupName": "rg", "publicNetworkAcess": "Disabled"}
    )
    assert _at(problems, "publicNetworkAcess", "unknown property"), problems
    assert "did you mean 'publicNetworkAccess'" in problems[0]


def test_nested_unknown_keys_name_their_path() -> None:
    inputs = _databricks()
    inputs["parameters"]["enableNoPublicIp"] = {"value": True, "valu": False}
    problems = check_inputs(DATABRICKS, inputs)
    assert problems == _at(problems, "parameters.enableNoPublicIp.valu", "unknown property")
    assert len(problems) == 1


def test_vnet_subnet_unknown_key_inside_a_list() -> None:
    inputs = _vnet()
    assert check_inputs(VNET, inputs) == []
    inputs["subnets"][0]["addressPrefx"] = inputs["subnets"][0].pop("addressPrefix")
    problems = check_inputs(VNET, inputs)
    assert _at(problems, "subnets[0].addressPrefx", "unknown property"), problems
    assert "SubnetArgs" in problems[0]
    # an enum inside a list element
    inputs = _vnet()
    inputs["subnets"][2]["privateEndpointNetworkPolicies"] = "disabled"
    problems = check_inputs(VNET, inputs)
    assert _at(problems, "subnets[2].privateEndpointNetworkPolicies", "enum"), problems


def test_tags_and_any_typed_properties_are_not_checked_further() -> None:
    assert check_inputs(DATABRICKS, _databricks(tags={"n": 1, "x": {"y": "z"}})) == []
    generic = {
        "resourceGroupName": "rg",
        "resourceProviderNamespace": "Microsoft.Foo",
        "parentResourcePath": "",
        "resourceType": "bars",
        "resourceName": "bar1",
        "apiVersion": "2024-01-01",
        "properties": {"anything": {"goes": [1, "two"]}, "camelCaseOrNot": True},
    }
    assert check_inputs("azure-native:resources:Resource", generic) == []
    misspelt = {k: v for k, v in generic.items() if k != "apiVersion"}
    misspelt["apiVersoin"] = "2024-01-01"
    problems = check_inputs("azure-native:resources:Resource", misspelt)
    assert _at(problems, "apiVersoin", "unknown property")
    assert _at(problems, "apiVersion", "required")


def test_wrong_json_kind_is_a_type_problem() -> None:
    inputs = _databricks()
    inputs["parameters"]["enableNoPublicIp"] = {"value": "true"}
    problems = check_inputs(DATABRICKS, inputs)
    assert _at(problems, "parameters.enableNoPublicIp.value", "type"), problems
    problems = check_inputs(VNET, {**_vnet(), "subnets": {"name": "s"}})
    assert _at(problems, "subnets", "type"), problems


# --- discriminated unions -----------------------------------------------------------------


def _compute(properties: dict) -> dict:
    return {
        "resourceGroupName": "rg",
        "workspaceName": "mlw",
        "computeName": "cpu",
        "location": "westeurope",
        "properties": properties,
    }


def test_ml_compute_union_is_resolved_by_compute_type() -> None:
    aml = {
        "computeType": "AmlCompute",
        "properties": {
            "vmSize": "STANDARD_DS3_V2",
            "vmPriority": "Dedicated",
            "scaleSettings": {"maxNodeCount": 4, "minNodeCount": 0},
            "remoteLoginPortPublicAccess": "Disabled",
        },
    }
    assert check_inputs(ML_COMPUTE, _compute(aml)) == []

    problems = check_inputs(ML_COMPUTE, _compute({**aml, "vmSizee": "x"}))
    assert problems == _at(problems, "properties.vmSizee", "unknown property")
    assert "AmlComputeArgs" in problems[0]

    nested = copy.deepcopy(aml)
    nested["properties"]["vmPriority"] = "dedicated"
    nested["properties"]["scaleSettings"]["maxNodes"] = nested["properties"][
        "scaleSettings"
    ].pop("maxNodeCount")
    problems = check_inputs(ML_COMPUTE, _compute(nested))
    assert _at(problems, "properties.properties.vmPriority", "enum"), problems
    assert _at(problems, "properties.properties.scaleSettings.maxNodes", "unknown property")
    assert _at(problems, "properties.properties.scaleSettings.maxNodeCount", "required")

    # ComputeInstance has different properties: vmPriority is not one of them
    ci = {"computeType": "ComputeInstance", "properties": {"vmSize": "x", "vmPriority": "Dedicated"}}
    problems = check_inputs(ML_COMPUTE, _compute(ci))
    assert _at(problems, "properties.properties.vmPriority", "unknown property"), problems


def test_ml_compute_bad_or_missing_discriminator() -> None:
    problems = check_inputs(ML_COMPUTE, _compute({"computeType": "amlcompute"}))
    assert _at(problems, "properties.computeType", "discriminator"), problems
    assert "'AmlCompute'" in problems[0]
    problems = check_inputs(ML_COMPUTE, _compute({"properties": {"vmSize": "x"}}))
    assert _at(problems, "properties.computeType", "required"), problems


def test_pipeline_dict_of_classes_and_list_of_unions() -> None:
    base = {"resourceGroupName": "rg", "factoryName": "adf", "pipelineName": "p"}
    good = {
        **base,
        "parameters": {"when": {"type": "String", "defaultValue": "now"}},
        "activities": [{"name": "wait", "type": "Wait", "waitTimeInSeconds": 5}],
    }
    assert check_inputs(PIPELINE, good) == []

    problems = check_inputs(
        PIPELINE, {**good, "parameters": {"when": {"type": "string", "defualtValue": 1}}}
    )
    assert _at(problems, 'parameters["when"].type', "enum"), problems
    assert _at(problems, 'parameters["when"].defualtValue', "unknown property"), problems

    problems = check_inputs(
        PIPELINE,
        {**good, "activities": [{"name": "wait", "type": "Wait", "waitTimeInSecond": 5}]},
    )
    assert _at(problems, "activities[0].waitTimeInSecond", "unknown property"), problems
    assert _at(problems, "activities[0].waitTimeInSeconds", "required"), problems
    assert "WaitActivityArgs" in problems[0]


# --- speed --------------------------------------------------------------------------------


def test_checking_is_fast_after_warm_up() -> None:
    inputs = _vnet()
    assert check_inputs(VNET, inputs) == []  # warm-up: import + schema caches
    copies = [copy.deepcopy(inputs) for _ in range(500)]
    start = time.perf_counter()
    for item in copies:
        check_inputs(VNET, item)
    assert time.perf_counter() - start < 1.0
