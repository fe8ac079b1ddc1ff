"""POSIX folder ACLs on project lake areas, applied through the official Azure Data Lake SDK.

Role assignments (Azure RBAC) already limit each team to its own area (a container). ACLs add
folder-level control inside an area and are data-plane operations that ARM (and so Pulumi) cannot
set. The desired ACLs are computed here from the project requests (pure); an :class:`AclClient`
applies them. :class:`DataLakeSdkClient` is the real client (``azure-storage-file-datalake``
with ``DefaultAzureCredential``); tests use an in-memory one.

The old accelerator applied these by a separate, hand-run script; here ``aifactory lake-acls``
computes and (with ``--apply``) applies them, idempotently.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Protocol, Sequence

from aifactory.core.config import Principal, ProjectRequest

STANDARD_FOLDERS: tuple[str, ...] = ("raw", "curated", "workspace")
"""Folders every project area gets: landing data, cleaned data, team scratch space."""


@dataclass(frozen=True)
class AclEntry:
    principal_kind: str  # "user" or "group" (service principals are "user" in POSIX ACLs)
    object_id: str
    permissions: str  # "rwx" or "r-x"
    default: bool = False

    def render(self) -> str:
        prefix = "default:" if self.default else ""
        return f"{prefix}{self.principal_kind}:{self.object_id}:{self.permissions}"


@dataclass(frozen=True)
class FolderAcl:
    filesystem: str
    path: str
    entries: tuple[AclEntry, ...]

    def acl_string(self) -> str:
        """The ACL in the SDK's format, with the base entries a full ACL needs."""
        base = ["user::rwx", "group::r-x", "mask::rwx", "other::---"]
        defaults = ["default:user::rwx", "default:group::r-x", "default:mask::rwx", "default:other::---"]
        return ",".join([*base, *defaults, *(entry.render() for entry in self.entries)])


def _entries(principals: Iterable[Principal], permissions: str) -> list[AclEntry]:
    entries: list[AclEntry] = []
    for principal in principals:
        kind = "group" if principal.type == "Group" else "user"
        entries.append(AclEntry(kind, principal.object_id, permissions))
        entries.append(AclEntry(kind, principal.object_id, permissions, default=True))
    return entries


def area_acls(project: ProjectRequest, filesystem: str, folders: Sequence[str] = STANDARD_FOLDERS) -> list[FolderAcl]:
    """Owners and members read/write/execute; readers read/execute; on the area and its folders."""
    entries = tuple(
        _entries(project.owners, "rwx") + _entries(project.members, "rwx") + _entries(project.readers, "r-x")
    )
    return [FolderAcl(filesystem, path, entries) for path in ("/", *folders)]


@dataclass(frozen=True)
class AclResult:
    filesystem: str
    path: str
    changed: int
    failed: int


class AclClient(Protocol):
    def ensure_directory(self, filesystem: str, path: str) -> None: ...

    def set_acl_recursive(self, filesystem: str, path: str, acl: str) -> AclResult: ...


class DataLakeSdkClient:
    """The real client: ``DataLakeServiceClient`` for ``https://<account>.dfs.core.windows.net``.

    The dfs endpoint is private: run this from inside the network (a pipeline agent in the hub or
    a spoke), with an identity that holds Storage Blob Data Owner on the area.
    """

    def __init__(self, account_name: str, service_client: Any = None) -> None:
        if service_client is None:
            try:
                from azure.identity import DefaultAzureCredential
                from azure.storage.filedatalake import DataLakeServiceClient
            except ImportError:  # pragma: no cover - depends on the install
                raise RuntimeError(
                    "applying lake ACLs needs the Azure SDK: pip install 'aifactory[acl]'"
                ) from None
            service_client = DataLakeServiceClient(
                account_url=f"https://{account_name}.dfs.core.windows.net", credential=DefaultAzureCredential()
            )
        self._service = service_client

    def ensure_directory(self, filesystem: str, path: str) -> None:
        if path == "/":
            return
        directory = self._service.get_file_system_client(filesystem).get_directory_client(path)
        if not directory.exists():
            directory.create_directory()

    def set_acl_recursive(self, filesystem: str, path: str, acl: str) -> AclResult:
        client = self._service.get_file_system_client(filesystem)
        directory = client._get_root_directory_client() if path == "/" else client.get_directory_client(path)
        result = directory.set_access_control_recursive(acl=acl)
        counters = getattr(result, "counters", result)
        changed = getattr(counters, "directories_successful", 0) + getattr(counters, "files_successful", 0)
        return AclResult(filesystem, path, changed, getattr(counters, "failure_count", 0))


def apply_acls(client: AclClient, folders: Iterable[FolderAcl]) -> list[AclResult]:
    """Create each folder if missing and set its ACL recursively. Safe to re-run."""
    results: list[AclResult] = []
    for folder in folders:
        client.ensure_directory(folder.filesystem, folder.path)
        results.append(client.set_acl_recursive(folder.filesystem, folder.path, folder.acl_string()))
    return results
