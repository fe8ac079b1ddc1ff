"""CrossGuard entry point: `pulumi preview --policy-pack policypack` (uses the project's .venv)."""

from aifactory.tools.policy_pack import build_pack

build_pack()
