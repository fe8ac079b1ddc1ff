"""Offline-plan scale benchmark: the dev stack with N synthetic projects, legacy aliases dropped vs kept.

Prints, per N: resources, wall time (split into the one-time import of the azure-native modules and
the plan itself), time per resource, peak memory (RSS of a fresh process per measurement), and the
kept/dropped ratios of wall time, plan time and memory. Not a timed test; run ``make bench``.

    python benchmarks/plan_scale.py [--sizes 10 50 100] [--kept-sizes 10 50]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
TYPES = ("esml", "genai", "streaming")
OWNER = "6f1d3c2a-9b8e-4f7d-a6c5-0e1f2a3b4c5d"


def make_factory(target: Path, projects: int) -> None:
    """A copy of the example factory whose projects/ holds ``projects`` synthetic requests."""
    from aifactory.core.addressing import allocate, parse_network
    from aifactory.project_types import load_registry

    for stack_file in REPO.glob("Pulumi*.yaml"):
        shutil.copy(stack_file, target / stack_file.name)
    (target / "projects").mkdir()
    pool = parse_network(yaml.safe_load((REPO / "Pulumi.dev.yaml").read_text())["config"]["aifactory:addressPool"])
    registry = load_registry()
    taken = []
    for index in range(projects):
        kind = TYPES[index % len(TYPES)]
        block = allocate(pool, registry[kind].min_spoke_prefix, taken)
        taken.append(block)
        request = {
            "name": f"bench-{kind}-{index:04d}",
            "type": kind,
            "costCenter": "CC-BENCH",
            "owners": [{"objectId": OWNER, "type": "Group", "email": "owners@example.com"}],
            "budget": {"monthlyAmount": 1000},
            "environments": {"dev": {"cidr": str(block)}},
        }
        (target / "projects" / f"{request['name']}.yaml").write_text(yaml.safe_dump(request))


AZURE_MODULES = (
    "applicationinsights", "authorization", "cognitiveservices", "consumption", "containerregistry", "containerservice",
    "databricks", "datafactory", "eventhub", "keyvault", "machinelearningservices", "managedidentity", "monitor",
    "network", "operationalinsights", "privatedns", "resources", "search", "storage",
)


def measure_once(projects: int, keep_aliases: bool) -> dict[str, float]:
    """Run in a fresh process: import the SDK modules (timed apart), plan, report seconds and peak RSS."""
    import importlib

    from aifactory.tools.plan import run_plan

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        make_factory(root, projects)
        overrides = {"keepLegacyAliases": "true" if keep_aliases else "false"}
        start = time.perf_counter()
        for module in AZURE_MODULES:  # a one-time cost every plan and every `pulumi up` pays alike
            hasattr(importlib.import_module(f"pulumi_azure_native.{module}"), "__all__")  # loads the lazy module
        imported = time.perf_counter()
        plan = run_plan(root, "dev", overrides=overrides)
        done = time.perf_counter()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "resources": len(plan.custom_resources),
        "import_seconds": imported - start,
        "plan_seconds": done - imported,
        "seconds": done - start,
        "peak_mb": peak_mb,
    }


def measure(projects: int, keep_aliases: bool) -> dict[str, float]:
    command = [sys.executable, __file__, "--one", str(projects), "--keep" if keep_aliases else "--drop"]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 50, 100])
    parser.add_argument("--kept-sizes", type=int, nargs="*", default=None, help="sizes to also run with aliases kept (default: --sizes)")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--keep", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--drop", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(measure_once(args.one, args.keep)))
        return

    kept_sizes = set(args.sizes if args.kept_sizes is None else args.kept_sizes)
    header = (
        f"{'N':>5} {'aliases':>8} {'resources':>10} {'wall s':>8} {'import s':>9} {'plan s':>8} "
        f"{'ms/res':>8} {'peak MB':>8} {'wall x':>7} {'plan x':>7} {'mem x':>6}"
    )
    print(header)
    print("-" * len(header))
    for size in args.sizes:
        dropped = measure(size, keep_aliases=False)
        rows = [("dropped", dropped, ("", "", ""))]
        if size in kept_sizes:
            kept = measure(size, keep_aliases=True)
            ratios = (
                f"{kept['seconds'] / dropped['seconds']:.1f}x",
                f"{kept['plan_seconds'] / dropped['plan_seconds']:.1f}x",
                f"{kept['peak_mb'] / dropped['peak_mb']:.1f}x",
            )
            rows.append(("kept", kept, ratios))
        for label, row, (wall, plan, memory) in rows:
            per_resource = 1000 * row["plan_seconds"] / max(row["resources"], 1)
            print(
                f"{size:>5} {label:>8} {int(row['resources']):>10} {row['seconds']:>8.2f} {row['import_seconds']:>9.2f} "
                f"{row['plan_seconds']:>8.2f} {per_resource:>8.2f} {row['peak_mb']:>8.0f} {wall:>7} {plan:>7} {memory:>6}"
            )
        sys.stdout.flush()


if __name__ == "__main__":
    main()
