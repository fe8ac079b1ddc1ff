"""Which stacks changed since a git ref: each rule of aifactory.tools.changes, in a real temporary git repository.

Every test compares the whole answer (stacks in order, reasons, removed projects) with what the rule says,
so a rule that plans too much fails as surely as one that plans too little.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from aifactory.core.errors import ConfigError
from aifactory.core.spec import Catalog
from aifactory.services import load_catalog
from aifactory.tools.changes import ChangeSet, FileChange, GitError, changed_stacks, parse_name_status
from tests.conftest import REPO, load_yaml, write_yaml

CHURN = "projects/churn-prediction.yaml"
COPILOT = "projects/support-copilot.yaml"
ALL_DEV = ["dev-platform", "dev-churn-prediction", "dev-support-copilot", "dev-telemetry-stream"]
ALL_TEST = ["test-platform", "test-churn-prediction", "test-support-copilot"]
NEW_REQUEST = {
    "name": "fraud-detect",
    "type": "esml",
    "costCenter": "CC-7777",
    "owners": [{"objectId": "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "type": "Group", "email": "fraud@contoso.example"}],
    "environments": {"dev": {"cidr": "10.64.1.0/24"}},
}


def git(where: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(where), *args], check=True, capture_output=True, text=True).stdout


def make_repo(top: Path, factory: str = "") -> Path:
    """A git repository holding a copy of the example factory (under ``factory`` inside it), committed."""
    root = top / factory if factory else top
    root.mkdir(parents=True, exist_ok=True)
    for stack_file in REPO.glob("Pulumi*.yaml"):
        shutil.copy(stack_file, root / stack_file.name)
    shutil.copytree(REPO / "projects", root / "projects")
    (root / "aifactory").mkdir()
    (root / "aifactory" / "x.py").write_text("VALUE = 1\n")
    (top / "docs").mkdir()
    (top / "docs" / "x.md").write_text("# Docs\n")
    git(top, "init", "-q", "-b", "main")
    git(top, "config", "user.name", "Test")
    git(top, "config", "user.email", "test@example.com")
    git(top, "config", "commit.gpgsign", "false")
    git(top, "add", "-A")
    git(top, "commit", "-q", "-m", "base")
    return root


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo")


def changes(root: Path, catalog: Catalog, environment: str = "dev", ref: str = "HEAD") -> ChangeSet:
    return changed_stacks(root, environment, ref, catalog=catalog)


def planned(result: ChangeSet) -> list[tuple[str, tuple[str, ...]]]:
    return [(item.slice.stack, item.reasons) for item in result.stacks]


def removed(result: ChangeSet) -> list[tuple[str, str, str, str]]:
    return [(p.name, p.stack, p.file, p.reason) for p in result.removed_projects]


def edit_request(path: Path, **changes: object) -> None:
    write_yaml(path, {**load_yaml(path), **changes})


# --- nothing changed -----------------------------------------------------------------------


def test_unchanged_repository_changes_nothing(repo: Path, catalog: Catalog) -> None:
    result = changes(repo, catalog)
    assert (planned(result), removed(result), result.everything, result.files) == ([], [], False, ())
    assert result.unchanged


def test_docs_tests_and_pipelines_change_nothing(repo: Path, catalog: Catalog) -> None:
    (repo / "docs" / "x.md").write_text("# Docs, edited\n")
    (repo / "docs" / "new.md").write_text("untracked\n")
    (repo / "tests").mkdir()
    (repo / "tests" / "test_x.py").write_text("def test(): pass\n")
    (repo / "projects" / "README.md").write_text("how to request a project\n")
    result = changes(repo, catalog)
    assert {f.path for f in result.files} == {"docs/x.md", "docs/new.md", "tests/test_x.py", "projects/README.md"}
    assert (planned(result), removed(result), result.everything) == ([], [], False)


# --- request files -------------------------------------------------------------------------


def test_edited_request_changes_its_slice_and_the_platform(repo: Path, catalog: Catalog) -> None:
    edit_request(repo / CHURN, costCenter="CC-0001")
    reason = (CHURN,)
    assert planned(changes(repo, catalog)) == [("dev-platform", reason), ("dev-churn-prediction", reason)]
    assert planned(changes(repo, catalog, "test")) == [("test-platform", reason), ("test-churn-prediction", reason)]
    assert removed(changes(repo, catalog)) == []


def test_edited_request_changes_nothing_where_it_is_not_recorded(repo: Path, catalog: Catalog) -> None:
    edit_request(repo / COPILOT, costCenter="CC-0002")  # recorded in dev and test, not in prod
    assert planned(changes(repo, catalog, "prod")) == []
    assert planned(changes(repo, catalog, "dev")) == [("dev-platform", (COPILOT,)), ("dev-support-copilot", (COPILOT,))]


def test_added_request_changes_its_slice_and_the_platform(repo: Path, catalog: Catalog) -> None:
    added = "projects/fraud-detect.yaml"
    write_yaml(repo / added, NEW_REQUEST)
    expected = [("dev-platform", (added,)), ("dev-fraud-detect", (added,))]
    assert planned(changes(repo, catalog)) == expected  # untracked
    git(repo, "add", added)
    assert planned(changes(repo, catalog)) == expected  # staged
    assert planned(changes(repo, catalog, "test")) == []  # not recorded in test


def test_deleted_request_changes_the_platform_and_is_listed_as_removed(repo: Path, catalog: Catalog) -> None:
    (repo / CHURN).unlink()
    result = changes(repo, catalog)
    assert planned(result) == [("dev-platform", (CHURN,))]
    assert removed(result) == [("churn-prediction", "dev-churn-prediction", CHURN, "request deleted")]
    assert removed(changes(repo, catalog, "prod")) == [("churn-prediction", "prod-churn-prediction", CHURN, "request deleted")]



def test_removing_an_active_project_in_one_step_is_refused_and_a_retired_one_is_not(repo: Path, catalog: Catalog) -> None:
    from typer.testing import CliRunner

    from aifactory.tools.cli import app

    (repo / CHURN).unlink()
    result = changes(repo, catalog)
    [problem] = result.problems()
    assert (problem.file, problem.field) == (CHURN, "environments.dev")
    assert "was active in dev at HEAD" in problem.message and "offboard it first" in problem.message
    for command in (["stacks", "--env", "dev", "--json"], ["plan", "-s", "dev", "-q"]):
        outcome = CliRunner().invoke(app, [*command, "--dir", str(repo), "--changed-since", "HEAD"])
        assert outcome.exit_code == 2 and "offboard it first" in outcome.output, command

    git(repo, "checkout", "-q", "--", CHURN)  # retire it first (a commit of its own), then remove it
    data = load_yaml(repo / CHURN)
    data["environments"]["dev"]["retiring"] = True
    write_yaml(repo / CHURN, data)
    git(repo, "commit", "-q", "-am", "retire churn-prediction in dev")
    (repo / CHURN).unlink()
    after = changes(repo, catalog)
    assert [p.to_dict()["retiring"] for p in after.removed_projects] == [True] and after.problems() == []


def test_deleted_request_not_recorded_in_the_environment_changes_nothing_there(repo: Path, catalog: Catalog) -> None:
    (repo / COPILOT).unlink()
    result = changes(repo, catalog, "prod")
    assert (planned(result), removed(result)) == ([], [])
    assert removed(changes(repo, catalog, "test")) == [("support-copilot", "test-support-copilot", COPILOT, "request deleted")]


def test_removed_environment_entry_lists_the_project_as_removed_there(repo: Path, catalog: Catalog) -> None:
    data = load_yaml(repo / CHURN)
    del data["environments"]["test"]
    write_yaml(repo / CHURN, data)
    test = changes(repo, catalog, "test")
    assert planned(test) == [("test-platform", (CHURN,))]
    assert removed(test) == [("churn-prediction", "test-churn-prediction", CHURN, "no longer recorded in test")]
    dev = changes(repo, catalog, "dev")  # still recorded in dev: planned there, not removed
    assert (planned(dev), removed(dev)) == ([("dev-platform", (CHURN,)), ("dev-churn-prediction", (CHURN,))], [])


def test_renamed_request_file_changes_its_slice_and_is_not_removed(repo: Path, catalog: Catalog) -> None:
    git(repo, "mv", CHURN, "projects/churn.yaml")
    result = changes(repo, catalog)
    assert [(f.status, f.path, f.old_path) for f in result.files] == [("R", "projects/churn.yaml", CHURN)]
    assert planned(result) == [("dev-platform", ("projects/churn.yaml",)), ("dev-churn-prediction", ("projects/churn.yaml",))]
    assert removed(result) == []


def test_committed_changes_count_against_an_older_ref(repo: Path, catalog: Catalog) -> None:
    edit_request(repo / CHURN, costCenter="CC-0001")
    git(repo, "commit", "-q", "-am", "edit")
    assert planned(changes(repo, catalog, ref="HEAD")) == []
    assert planned(changes(repo, catalog, ref="HEAD~1")) == [("dev-platform", (CHURN,)), ("dev-churn-prediction", (CHURN,))]


# --- stack files and code ------------------------------------------------------------------


def test_stack_file_changes_every_stack_of_its_environment_only(repo: Path, catalog: Catalog) -> None:
    stack = repo / "Pulumi.dev.yaml"
    stack.write_text(stack.read_text().replace("owner: platform-team", "owner: ai-team"))
    dev = changes(repo, catalog, "dev")
    assert dev.everything
    assert planned(dev) == [(name, ("Pulumi.dev.yaml",)) for name in ALL_DEV]
    test = changes(repo, catalog, "test")
    assert (planned(test), test.everything) == ([], False)


def test_code_changes_every_stack_of_every_environment(repo: Path, catalog: Catalog) -> None:
    (repo / "aifactory" / "x.py").write_text("VALUE = 2\n")
    assert planned(changes(repo, catalog, "dev")) == [(name, ("aifactory/x.py",)) for name in ALL_DEV]
    assert planned(changes(repo, catalog, "test")) == [(name, ("aifactory/x.py",)) for name in ALL_TEST]


@pytest.mark.parametrize("path", ["pyproject.toml", "Pulumi.yaml", "__main__.py", "policypack/__main__.py", "aifactory/new.py"])
def test_every_kind_of_code_changes_everything(repo: Path, catalog: Catalog, path: str) -> None:
    target = repo / path
    target.parent.mkdir(exist_ok=True)
    target.write_text((target.read_text() if target.exists() else "") + "\n# changed\n")
    assert planned(changes(repo, catalog)) == [(name, (path,)) for name in ALL_DEV]


# --- a factory below the repository's top level ----------------------------------------------


def test_paths_are_made_relative_to_the_factory_folder(tmp_path: Path, catalog: Catalog) -> None:
    root = make_repo(tmp_path / "repo", "infra")
    edit_request(root / CHURN, costCenter="CC-0001")
    (tmp_path / "repo" / "docs" / "x.md").write_text("edited\n")
    reason = ("infra/" + CHURN,)
    assert planned(changes(root, catalog)) == [("dev-platform", reason), ("dev-churn-prediction", reason)]
    (root / "aifactory" / "x.py").write_text("VALUE = 2\n")
    assert planned(changes(root, catalog)) == [(name, ("infra/aifactory/x.py",)) for name in ALL_DEV]


def test_projects_dir_given_on_the_command_line_is_where_requests_are(repo: Path, catalog: Catalog) -> None:
    git(repo, "mv", "projects", "requests")
    git(repo, "commit", "-q", "-m", "move")
    edit_request(repo / "requests" / "churn-prediction.yaml", costCenter="CC-0001")
    reason = ("requests/churn-prediction.yaml",)
    result = changed_stacks(repo, "dev", "HEAD", catalog=catalog, projects_dir=repo / "requests")
    assert planned(result) == [("dev-platform", reason), ("dev-churn-prediction", reason)]


# --- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize("ref", ["no-such-branch", "HEAD~5", "-rf"])
def test_unknown_ref_is_a_located_error(repo: Path, catalog: Catalog, ref: str) -> None:
    with pytest.raises(ConfigError) as caught:
        changes(repo, catalog, ref=ref)
    assert caught.value.field == "--changed-since"
    assert ref in caught.value.message


def test_folder_outside_a_repository_is_a_located_error(tmp_path: Path, catalog: Catalog) -> None:
    root = tmp_path / "plain"
    root.mkdir()
    for stack_file in REPO.glob("Pulumi*.yaml"):
        shutil.copy(stack_file, root / stack_file.name)
    shutil.copytree(REPO / "projects", root / "projects")
    with pytest.raises(ConfigError) as caught:
        changes(root, catalog)
    assert caught.value.field == "--changed-since"
    assert "not a git repository" in caught.value.message


def test_failures_of_the_git_seam_become_located_errors(repo: Path, catalog: Catalog) -> None:
    def broken(args: list[str]) -> str:
        raise GitError("fatal: bad object")

    with pytest.raises(ConfigError) as caught:
        changed_stacks(repo, "dev", "main", catalog=catalog, git=broken)
    assert (caught.value.field, caught.value.message) == ("--changed-since", "cannot compare with 'main': fatal: bad object")


def test_the_git_seam_is_what_is_asked(repo: Path, catalog: Catalog) -> None:
    """A fake git: a deletion reported by it is read back with ``git show REF:path`` through the same seam."""
    calls: list[list[str]] = []
    old = (REPO / CHURN).read_text()
    (repo / CHURN).unlink()

    def fake(args: list[str]) -> str:
        calls.append(args)
        answers = {
            "rev-parse": f"{repo.resolve()}\n" if "--show-toplevel" in args else "abc\n",
            "diff": f"D\0{CHURN}\0M\0docs/x.md\0",
            "ls-files": "",
            "show": old,
        }
        return answers[args[0]]

    result = changed_stacks(repo, "dev", "origin/main", catalog=catalog, git=fake)
    assert removed(result) == [("churn-prediction", "dev-churn-prediction", CHURN, "request deleted")]
    assert ["show", f"origin/main:{CHURN}"] in calls


def test_name_status_parsing() -> None:
    output = "M\0a b.yaml\0R087\0old.yaml\0new.yaml\0D\0gone.yaml\0C100\0x\0y\0"
    assert parse_name_status(output) == [
        FileChange("M", "a b.yaml"),
        FileChange("R", "new.yaml", "old.yaml"),
        FileChange("D", "gone.yaml"),
        FileChange("C", "y", "x"),
    ]
