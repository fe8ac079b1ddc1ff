"""The complete plug-in example (examples/aifactory-docintel), installed with pip as a user would and planned:
a service and a project type added without changing aifactory, its private endpoint resolvable from its spoke."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

EXAMPLE = REPO / "examples" / "aifactory-docintel"


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The example installed into a folder of its own (entry points and all), put on PYTHONPATH by each run."""
    source = tmp_path_factory.mktemp("source") / "aifactory-docintel"
    shutil.copytree(EXAMPLE, source)
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(source)],
        check=True,
        capture_output=True,
    )
    return target


def aifactory(installed: Path, root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(installed), str(REPO)])}
    return subprocess.run([sys.executable, "-m", "aifactory", *args], cwd=root, env=env, capture_output=True, text=True)


def test_the_plugin_service_and_type_plan_end_to_end(installed: Path, factory_dir: Path):
    onboarded = aifactory(installed, factory_dir, "onboard", str(EXAMPLE / "requests" / "contract-review.yaml"), "--env", "dev")
    assert onboarded.returncode == 0, onboarded.stderr
    planned = aifactory(installed, factory_dir, "plan", "-s", "dev", "-q", "--json", "plan.json")
    assert planned.returncode == 0, planned.stdout + planned.stderr
    plan = json.loads((factory_dir / "plan.json").read_text())

    assert plan["projects"]["contract-review"] == {
        "type": "documents", "services": ["docintel", "keyvault"], "source": "projects/contract-review.yaml",
        "subscription": plan["projects"]["churn-prediction"]["subscription"],
    }
    resources = [r for r in plan["resources"] if r["custom"]]
    account = next(r for r in resources if r["type"] == "azure-native:cognitiveservices:Account" and r["inputs"]["kind"] == "FormRecognizer")
    assert account["inputs"]["properties"]["disableLocalAuth"] is True
    assert account["inputs"]["properties"]["publicNetworkAccess"] == "Disabled"

    # its endpoint's zones are exactly zones linked to the project's spoke VNet: it resolves from the spoke
    endpoint = next(r for r in resources if r["type"] == "azure-native:network:PrivateEndpoint"
                    and r["inputs"]["privateLinkServiceConnections"][0]["privateLinkServiceId"] == account["id"])
    group = next(r for r in resources if r["type"] == "azure-native:network:PrivateDnsZoneGroup"
                 and r["inputs"]["privateEndpointName"] == endpoint["inputs"]["privateEndpointName"])
    zones = {c["privateDnsZoneId"].rsplit("/", 1)[-1] for c in group["inputs"]["privateDnsZoneConfigs"]}
    spoke = next(r for r in resources if r["type"] == "azure-native:network:VirtualNetwork"
                 and r["inputs"]["virtualNetworkName"] == "vnet-aif-contract-review-dev")
    linked = {r["inputs"]["privateZoneName"] for r in resources if r["type"] == "azure-native:privatedns:VirtualNetworkLink"
              and r["inputs"]["virtualNetwork"]["id"] == spoke["id"]}
    assert zones == {"privatelink.cognitiveservices.azure.com", "privatelink.openai.azure.com", "privatelink.services.ai.azure.com"}
    assert zones <= linked

    # its role rows: members and the workload identity use the account
    grants = [r["inputs"] for r in resources if r["type"] == "azure-native:authorization:RoleAssignment" and r["inputs"]["scope"] == account["id"]]
    assert {g["roleDefinitionId"].rsplit("/", 1)[-1] for g in grants} == {"a97b65f3-24c7-4388-baec-2e87135dc908"}
    assert len(grants) == 2  # the owners group and the workload identity
    assert plan["outputs"]["projects"]["contract-review"]["services"]["docintel"]["endpoint"].startswith("https://ais-aif-contract-review-di-dev")


def test_without_the_plugin_its_type_is_a_located_error(factory_dir: Path):
    shutil.copy(EXAMPLE / "requests" / "contract-review.yaml", factory_dir / "projects" / "contract-review.yaml")
    result = subprocess.run([sys.executable, "-m", "aifactory", "plan", "-s", "dev", "-q"], cwd=factory_dir, capture_output=True, text=True)
    assert result.returncode == 2
    assert "contract-review.yaml: type: unknown project type 'documents'" in " ".join(result.stderr.split())
