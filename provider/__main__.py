"""The entry point of the aifactory Pulumi plugin: hosts every exported component as one package.

Pulumi's Python language host runs `python <this folder> <engine address> ...` with the plugin's
virtualenv (see PulumiPlugin.yaml); `component_provider_host` then serves the schema it infers from the
components' annotations and constructs components on request.

Where `aifactory` comes from: the repository root (this folder's parent) is put first on `sys.path`, so the
plugin serves the components of the checkout it belongs to, the same commit or tag as this file, even when
the virtualenv holds another installed version; the virtualenv (requirements.txt: `-e ..`) provides the
dependencies (pulumi, pulumi-azure-native, pydantic, ...).
"""

import sys
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
if (REPOSITORY / "aifactory" / "__init__.py").is_file() and str(REPOSITORY) not in sys.path:
    sys.path.insert(0, str(REPOSITORY))

from pulumi.provider.experimental import component_provider_host  # noqa: E402 (after the path is set)

from aifactory.provider import COMPONENTS, NAMESPACE, PACKAGE_NAME, package_version  # noqa: E402


def main() -> None:
    """Serve the package: name, namespace and version as the schema and the SDKs carry them."""
    component_provider_host(COMPONENTS, name=PACKAGE_NAME, namespace=NAMESPACE, version=package_version())


if __name__ == "__main__":
    main()
