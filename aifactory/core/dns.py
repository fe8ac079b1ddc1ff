"""Private DNS zones per private-endpoint group id (pure data, from Azure's documentation).

Which zones an environment needs is derived from the service catalog (each service names its
endpoint groups); this table only says which zones a group id resolves through.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Iterable, Mapping

GROUP_ZONES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "blob": ("privatelink.blob.core.windows.net",),
        "dfs": ("privatelink.dfs.core.windows.net",),
        "file": ("privatelink.file.core.windows.net",),
        "queue": ("privatelink.queue.core.windows.net",),
        "table": ("privatelink.table.core.windows.net",),
        "vault": ("privatelink.vaultcore.azure.net",),
        "registry": ("privatelink.azurecr.io",),
        "amlworkspace": ("privatelink.api.azureml.ms", "privatelink.notebooks.azure.net"),
        "amlregistry": ("privatelink.api.azureml.ms",),
        "databricks_ui_api": ("privatelink.azuredatabricks.net",),
        "browser_authentication": ("privatelink.azuredatabricks.net",),
        "namespace": ("privatelink.servicebus.windows.net",),
        "dataFactory": ("privatelink.datafactory.azure.net",),
        "portal": ("privatelink.adf.azure.com",),
        "account": (
            "privatelink.cognitiveservices.azure.com",
            "privatelink.openai.azure.com",
            "privatelink.services.ai.azure.com",
        ),
        "searchService": ("privatelink.search.windows.net",),
        "Sql": ("privatelink.documents.azure.com",),
    }
)

def zones_for_groups(group_ids: Iterable[str]) -> tuple[str, ...]:
    """The zones the endpoints of these group ids need, sorted and without repeats."""
    zones: set[str] = set()
    for group_id in group_ids:
        if group_id not in GROUP_ZONES:
            raise KeyError(f"no private DNS zone is known for group id {group_id!r}")
        zones.update(GROUP_ZONES[group_id])
    return tuple(sorted(zones))
