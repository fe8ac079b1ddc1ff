"""Lake folder ACLs: computed from the request, applied through the client interface."""

from __future__ import annotations

from aifactory.core.config import ProjectRequest
from aifactory.tools.lake_acl import AclResult, DataLakeSdkClient, apply_acls, area_acls

PROJECT = ProjectRequest.model_validate(
    {
        "name": "churn",
        "type": "esml",
        "costCenter": "CC-1",
        "owners": [{"objectId": "6f1d3c2a-9b8e-4f7d-a6c5-0e1f2a3b4c5d", "type": "Group"}],
        "members": [{"objectId": "2a7b9c1d-3e4f-4a5b-8c6d-7e8f9a0b1c2d", "type": "User"}],
        "readers": [{"objectId": "9d8c7b6a-5f4e-4d3c-b2a1-0f9e8d7c6b5a", "type": "ServicePrincipal"}],
        "environments": {"dev": {"cidr": "10.64.0.0/24"}},
    }
)


def test_area_acls_give_owners_and_members_rwx_and_readers_rx():
    folders = area_acls(PROJECT, "prj-churn")
    assert [f.path for f in folders] == ["/", "raw", "curated", "workspace"]
    acl = folders[0].acl_string().split(",")
    assert "group:6f1d3c2a-9b8e-4f7d-a6c5-0e1f2a3b4c5d:rwx" in acl
    assert "default:group:6f1d3c2a-9b8e-4f7d-a6c5-0e1f2a3b4c5d:rwx" in acl
    assert "user:2a7b9c1d-3e4f-4a5b-8c6d-7e8f9a0b1c2d:rwx" in acl
    assert "user:9d8c7b6a-5f4e-4d3c-b2a1-0f9e8d7c6b5a:r-x" in acl
    assert "other::---" in acl


class FakeAclClient:
    def __init__(self) -> None:
        self.directories: set[tuple[str, str]] = set()
        self.acls: dict[tuple[str, str], str] = {}

    def ensure_directory(self, filesystem: str, path: str) -> None:
        self.directories.add((filesystem, path))

    def set_acl_recursive(self, filesystem: str, path: str, acl: str) -> AclResult:
        changed = 0 if self.acls.get((filesystem, path)) == acl else 1
        self.acls[(filesystem, path)] = acl
        return AclResult(filesystem, path, changed, 0)


def test_apply_is_idempotent():
    client = FakeAclClient()
    first = apply_acls(client, area_acls(PROJECT, "prj-churn"))
    second = apply_acls(client, area_acls(PROJECT, "prj-churn"))
    assert sum(r.changed for r in first) == 4 and sum(r.changed for r in second) == 0
    assert ("prj-churn", "raw") in client.directories


class _Counters:
    directories_successful, files_successful, failure_count = 3, 7, 0


class _Directory:
    def __init__(self, log: list) -> None:
        self.log = log

    def exists(self) -> bool:
        return False

    def create_directory(self) -> None:
        self.log.append("create")

    def set_access_control_recursive(self, acl: str):
        self.log.append(acl)
        return type("Result", (), {"counters": _Counters()})()


class _FileSystem:
    def __init__(self, log: list) -> None:
        self.log = log

    def get_directory_client(self, path: str) -> _Directory:
        self.log.append(path)
        return _Directory(self.log)

    def _get_root_directory_client(self) -> _Directory:
        self.log.append("/")
        return _Directory(self.log)


class _Service:
    def __init__(self) -> None:
        self.log: list = []

    def get_file_system_client(self, name: str) -> _FileSystem:
        self.log.append(name)
        return _FileSystem(self.log)


def test_sdk_client_drives_the_datalake_api():
    service = _Service()
    client = DataLakeSdkClient("staiflakedev5c4db", service_client=service)
    client.ensure_directory("prj-churn", "raw")
    result = client.set_acl_recursive("prj-churn", "raw", "user::rwx")
    assert service.log == ["prj-churn", "raw", "create", "prj-churn", "raw", "user::rwx"]
    assert result == AclResult("prj-churn", "raw", 10, 0)


def test_lake_acls_cli_lists_every_area_and_folder():
    from pathlib import Path

    from typer.testing import CliRunner

    from aifactory.components.datalake import lake_account_name
    from aifactory.core.factory import load_factory
    from aifactory.core.naming import lake_area_name
    from aifactory.services import load_catalog
    from aifactory.tools.cli import app

    repo = Path(__file__).resolve().parent.parent
    factory = load_factory(repo, "dev", catalog=load_catalog())
    result = CliRunner().invoke(app, ["lake-acls", "--stack", "dev", "--dir", str(repo)], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert lake_account_name(factory.naming) in result.output
    areas = [lake_area_name(p.name) for p in factory.active_projects]
    assert "prj-churn-prediction" in areas and len(areas) >= 3
    for area in areas:
        assert result.output.count(area) == 4  # the area root and its three folders


def test_lake_acls_cli_reports_a_bad_stack_as_invalid_input():
    from pathlib import Path

    from typer.testing import CliRunner

    from aifactory.tools.cli import app

    repo = Path(__file__).resolve().parent.parent
    result = CliRunner().invoke(app, ["lake-acls", "--stack", "nope", "--dir", str(repo)], terminal_width=200)
    assert result.exit_code == 2, result.output
