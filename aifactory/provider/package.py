"""The identity of the multi-language package: its name, namespace, version and type tokens.

Kept apart from the components so the plugin's entry point, the tests and the docs read one definition,
and so the exported components can build their own type tokens without importing the package root.
"""

import importlib.metadata
import re
from pathlib import Path
from typing import Optional

PACKAGE_NAME = "aifactory"
"""The Pulumi package name: the first part of every token (`aifactory:index:HubNetwork`)."""

NAMESPACE = "aifactory"
"""The publisher namespace: generated SDKs are named after it (npm `@aifactory/aifactory`,
`sdks/aifactory-aifactory`), so the package never poses as one of `@pulumi`'s."""

MODULE = "index"
"""The only module the SDK's component provider supports: every token is `aifactory:index:<Name>`."""

DISTRIBUTION = "aifactory"
"""The Python distribution whose version the package carries (pyproject's `[project] name`)."""

_PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"
_VERSION_LINE = re.compile(r'^version\s*=\s*"([^"]+)"\s*$', re.MULTILINE)


def package_version() -> str:
    """The version the plugin reports and its schema carries.

    The installed distribution's version when there is one (what the plugin's virtualenv really runs),
    else the checkout's `pyproject.toml`. Releases are git tags `v<version>`: `pulumi package add
    <repo>/provider@<version>` fetches the tag, and the schema then says the same version.
    """
    try:
        return importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        found = _pyproject_version(_PYPROJECT)
        if found is None:
            raise RuntimeError(f"cannot tell the aifactory version: not installed and no version in {_PYPROJECT}") from None
        return found


def _pyproject_version(path: Path) -> Optional[str]:
    """`[project] version` of a pyproject file; a regular expression so Python 3.10 (no tomllib) reads it too."""
    if not path.is_file():
        return None
    project = path.read_text(encoding="utf-8").split("[project]", 1)
    if len(project) < 2:
        return None
    section = project[1].split("\n[", 1)[0]
    match = _VERSION_LINE.search(section)
    return match.group(1) if match else None


def type_token(name: str) -> str:
    """The token of an exported component or type: `aifactory:index:<Name>`, as ComponentProvider derives it."""
    return f"{PACKAGE_NAME}:{MODULE}:{name}"
