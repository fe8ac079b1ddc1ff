"""The built-in project types: esml, genai and streaming."""

from __future__ import annotations

from aifactory.project_types.base import ProjectType
from aifactory.project_types.compose import build_esml, build_genai, build_streaming
from aifactory.subnet_templates import ESML_SUBNETS, GENAI_SUBNETS, STREAMING_SUBNETS

ESML = ProjectType(
    name="esml",
    description="Enterprise-scale ML: lake area, Azure Machine Learning, Databricks, Data Factory, key vault",
    subnets=ESML_SUBNETS,
    services={"keyvault": True, "aml": True, "databricks": True, "datafactory": True},
    required=frozenset({"keyvault"}),
    build=build_esml,
)

GENAI = ProjectType(
    name="genai",
    description="GenAI: lake area, Azure OpenAI / AI Services, AI Search, Azure Machine Learning, key vault",
    subnets=GENAI_SUBNETS,
    services={"keyvault": True, "aiservices": True, "search": True, "aml": True},
    required=frozenset({"keyvault", "aiservices"}),
    build=build_genai,
)

STREAMING = ProjectType(
    name="streaming",
    description="Streaming (lambda architecture): lake area, Event Hubs, Databricks, AKS, container registry, key vault",
    subnets=STREAMING_SUBNETS,
    services={"keyvault": True, "eventhubs": True, "databricks": True, "aks": True, "registry": True},
    required=frozenset({"keyvault", "eventhubs"}),
    build=build_streaming,
)
