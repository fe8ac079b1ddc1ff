"""Azure resources as the Pulumi engine sees them: an azure-native type token and ARM inputs.

Every component registers its Azure resources through :class:`AzureResource`: a bare
``pulumi.CustomResource`` of an azure-native type with camelCase (ARM) inputs, the same type and
inputs the azure-native Python classes would send, so the engine and the azure-native provider do
exactly the same. We skip the generated classes because of what they cost at registration, not
what they send: each merges about 60 versioned-type aliases into its options (collapsed into URNs
by the SDK) and builds its inputs through typed Args objects; importing their modules alone costs
seconds (``benchmarks/``). What the SDK's types would have caught (a misspelt property, an enum
value in the wrong case, a property required on create) is checked against the installed SDK by
``tests/test_azure_inputs.py`` for every resource of the dev, test and prod plans.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence

import pulumi
from pulumi_azure_native import _utilities as azure_native_utilities

AZURE_NATIVE = "azure-native"
AZURE_NATIVE_VERSION: str = azure_native_utilities.get_version()
"""The provider version the installed pulumi-azure-native SDK pins: the engine downloads this plugin."""


def _defaults() -> pulumi.ResourceOptions:
    return pulumi.ResourceOptions(version=AZURE_NATIVE_VERSION, plugin_download_url=azure_native_utilities.get_plugin_download_url())


def _plain(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Inputs without unset (None) values, recursively: the engine receives only what is set."""
    result: dict[str, Any] = {}
    for key, value in inputs.items():
        if value is None:
            continue
        if isinstance(value, Mapping):
            value = _plain(value)
        elif isinstance(value, (list, tuple)):
            value = [_plain(item) if isinstance(item, Mapping) else item for item in value if item is not None]
        result[key] = value
    return result


class AzureResource(pulumi.CustomResource):
    """One Azure resource: azure-native type token, ARM inputs, and the outputs the factory reads.

    ``outputs`` names the output properties read later (``principalId``, ``identity``, ...);
    ``name`` and ``id`` are always available. Read them with :meth:`output`.
    """

    def __init__(
        self,
        type_token: str,
        name: str,
        inputs: Mapping[str, Any],
        opts: Optional[pulumi.ResourceOptions] = None,
        *,
        outputs: Sequence[str] = (),
    ) -> None:
        if not type_token.startswith(f"{AZURE_NATIVE}:"):
            raise ValueError(f"{type_token!r} is not an azure-native type token")
        props = _plain(inputs)
        for key in ("name", *outputs):
            props.setdefault(key, None)
        super().__init__(type_token, name, props, pulumi.ResourceOptions.merge(_defaults(), opts))
        self.type_token = type_token

    @property
    def name(self) -> pulumi.Output[str]:
        return self.output("name")

    def output(self, key: str) -> pulumi.Output[Any]:
        """An output property by its ARM name (declared in ``outputs``, or ``name``)."""
        value = self.__dict__.get(key)
        if not isinstance(value, pulumi.Output):
            raise AttributeError(f"{self.type_token} declares no output {key!r}; add it to outputs=")
        return value


def azure_provider(name: str, subscription_id: str, opts: Optional[pulumi.ResourceOptions] = None) -> pulumi.ProviderResource:
    """An explicit azure-native provider for one subscription (projects in subscriptions of their own)."""
    return pulumi.ProviderResource(
        AZURE_NATIVE, name, {"subscriptionId": subscription_id}, pulumi.ResourceOptions.merge(_defaults(), opts)
    )


def client_config(opts: Optional[pulumi.InvokeOutputOptions] = None) -> pulumi.Output[Mapping[str, Any]]:
    """``getClientConfig``: the deploying identity's tenant, subscription and object id."""
    defaults = pulumi.InvokeOutputOptions(version=AZURE_NATIVE_VERSION)
    return pulumi.runtime.invoke_output(
        "azure-native:authorization:getClientConfig", {}, pulumi.InvokeOutputOptions.merge(defaults, opts)
    )
