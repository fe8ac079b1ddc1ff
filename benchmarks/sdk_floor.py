"""The Pulumi SDK's own cost ("the floor") for the resource graph of an offline plan.

Re-registers exactly the graph recorded in a plan JSON (``aifactory plan --stack dev --json plan.json``) in a
fresh Pulumi runtime under trivial mocks: every component as a bare ``pulumi.ComponentResource`` and every
custom resource as a bare ``pulumi.CustomResource`` with its recorded inputs, parent and ``protect``. No
provider SDK, no program logic: what remains is what the Pulumi runtime itself costs for that many
registrations, so our plan's figures can be compared with it.

    python benchmarks/sdk_floor.py PLAN.json [--repeat K] [--scale N]

Prints one JSON line: ``resources`` (custom), ``components``, ``seconds`` (registration, best of K),
``wall_seconds`` (whole process from its start to the print), ``peak_mb`` (peak RSS), plus
``import_seconds`` (``import pulumi``), ``runs`` (each registration's seconds) and ``scale``.

``--scale N`` multiplies the project subtrees (every resource whose parent chain goes through an
``aifactory:project:Project`` component) N times: copy ``i`` renames project ``X`` to ``X-copy-00i`` and
rewrites its subtree's names and URNs to match; platform resources stay once.

Deliberately imports nothing from ``aifactory``: only pulumi and the standard library.
"""

from __future__ import annotations

import time

_T0 = time.perf_counter()  # before anything but the interpreter itself and `time`

import argparse  # noqa: E402
import asyncio  # noqa: E402
import contextvars  # noqa: E402
import heapq  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, Optional  # noqa: E402

_T_STDLIB = time.perf_counter()
import pulumi  # noqa: E402
import pulumi.runtime  # noqa: E402
from pulumi.runtime.mocks import MockMonitor  # noqa: E402
from pulumi.runtime.stack import run_pulumi_func  # noqa: E402
from pulumi.runtime.sync_await import _sync_await  # noqa: E402

_T_PULUMI = time.perf_counter()

PROJECT_TYPE = "aifactory:project:Project"


# --------------------------------------------------------------------------------------------------- graph


def topological(resources: list[dict]) -> list[dict]:
    """Parents before children; otherwise the original relative order (smallest index first)."""
    index = {r["urn"]: i for i, r in enumerate(resources)}
    if len(index) != len(resources):
        raise ValueError("duplicate URNs in plan")
    children: dict[int, list[int]] = {}
    ready: list[int] = []
    for i, r in enumerate(resources):
        parent = r.get("parent")
        if parent is None:
            ready.append(i)
        elif parent in index:
            children.setdefault(index[parent], []).append(i)
        else:
            raise ValueError(f"parent {parent} of {r['urn']} is not in the plan")
    heapq.heapify(ready)
    order: list[dict] = []
    while ready:
        i = heapq.heappop(ready)
        order.append(resources[i])
        for child in children.get(i, ()):
            heapq.heappush(ready, child)
    if len(order) != len(resources):
        raise ValueError("parent cycle in plan")
    return order


def scale_plan(resources: list[dict], n: int) -> list[dict]:
    """The plan's resources with every project subtree present ``n`` times (copies 1..n-1 renamed)."""
    if n < 1:
        raise ValueError("scale must be >= 1")
    by_urn = {r["urn"]: r for r in resources}

    def project_of(r: Optional[dict]) -> Optional[dict]:
        while r is not None:
            if r["type"] == PROJECT_TYPE:
                return r
            r = by_urn.get(r.get("parent"))
        return None

    subtrees: dict[str, list[dict]] = {}  # project URN -> its subtree, in plan order
    for r in resources:
        project = project_of(r)
        if project is not None:
            subtrees.setdefault(project["urn"], []).append(r)

    out = list(resources)
    for copy in range(1, n):
        for project_urn, members in subtrees.items():
            old = by_urn[project_urn]["name"]
            new = f"{old}-copy-{copy:03d}"
            renamed: dict[str, str] = {}
            for r in members:  # names: the project prefix is replaced, anything else gets the suffix
                name = r["name"]
                new_name = new + name[len(old):] if name.startswith(old) else f"{name}-copy-{copy:03d}"
                suffix = "::" + name
                assert r["urn"].endswith(suffix), r["urn"]
                renamed[r["urn"]] = r["urn"][: -len(suffix)] + "::" + new_name  # type chain is unchanged
            for r in members:
                clone = dict(r)
                clone["urn"] = renamed[r["urn"]]
                clone["name"] = clone["urn"].rsplit("::", 1)[1]
                clone["parent"] = renamed.get(r["parent"], r["parent"])
                out.append(clone)
    return sorted(out, key=lambda r: r["urn"])  # as the plan writes them: parents not necessarily first


# ------------------------------------------------------------------------------------------------ runtime


class TrivialMocks(pulumi.runtime.Mocks):
    """Echo the inputs back; count what reaches the mocks, custom and component apart."""

    def __init__(self) -> None:
        self.custom = 0
        self.components = 0
        self._lock = threading.Lock()  # the mock monitor is called from executor threads

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[Optional[str], dict]:
        with self._lock:
            if args.custom:
                self.custom += 1
            else:
                self.components += 1
        return f"{args.name}-id", args.inputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict:
        return {}


def _current_loop() -> Optional[asyncio.AbstractEventLoop]:
    try:
        return asyncio.get_event_loop_policy().get_event_loop()
    except RuntimeError:
        return None


def register(ordered: list[dict]) -> dict[str, Any]:
    """Register ``ordered`` (parents first) in a fresh runtime context and event loop; time and verify it."""
    mocks = TrivialMocks()
    monitor = MockMonitor(mocks)  # the SDK's own mock monitor, kept only to read the URNs back

    def program() -> None:
        objects: dict[str, pulumi.Resource] = {}
        components: list[pulumi.ComponentResource] = []
        for r in ordered:
            parent = objects[r["parent"]] if r.get("parent") else None
            opts = pulumi.ResourceOptions(parent=parent, protect=bool(r.get("protect")))
            if r["custom"]:
                objects[r["urn"]] = pulumi.CustomResource(r["type"], r["name"], props=dict(r["inputs"] or {}), opts=opts)
            else:
                component = pulumi.ComponentResource(r["type"], r["name"], None, opts)
                objects[r["urn"]] = component
                components.append(component)
        for component in components:
            component.register_outputs({})

    def run() -> float:
        loop = asyncio.new_event_loop()
        previous = _current_loop()
        asyncio.set_event_loop(loop)
        try:
            pulumi.runtime.set_mocks(mocks, project="aifactory", stack="dev", preview=False, monitor=monitor)
            start = time.perf_counter()
            _sync_await(run_pulumi_func(program))
            return time.perf_counter() - start
        finally:
            loop.close()
            asyncio.set_event_loop(previous)

    seconds = contextvars.Context().run(run)  # Pulumi keeps its runtime state in context variables

    expected_custom = sum(1 for r in ordered if r["custom"])
    expected_components = len(ordered) - expected_custom
    # Under the SDK's MockMonitor every registration but the root stack reaches new_resource,
    # components included (with args.custom False).
    assert (mocks.custom, mocks.components) == (expected_custom, expected_components), (
        f"registered {mocks.custom} custom + {mocks.components} components, "
        f"plan has {expected_custom} + {expected_components}"
    )
    registered = set(monitor.resources)
    expected = {r["urn"] for r in ordered}
    assert registered == expected, (
        f"URNs differ: {len(expected - registered)} missing, {len(registered - expected)} unexpected, "
        f"e.g. {sorted(expected - registered)[:2]} / {sorted(registered - expected)[:2]}"
    )
    return {"seconds": seconds, "custom": mocks.custom, "components": mocks.components}


# ------------------------------------------------------------------------------------------------ timing


def _process_age() -> Optional[float]:
    """Seconds since this process started (Linux: /proc/self/stat starttime vs /proc/uptime; 10 ms ticks)."""
    try:
        stat = Path("/proc/self/stat").read_text()
        fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) "; fields[0] is field 3 (state)
        start_ticks = int(fields[19])  # field 22: starttime, in clock ticks since boot
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        return uptime - start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def measure_floor(plan_json: Path, *, repeat: int = 1, scale: int = 1, engine: str = "stock") -> dict:
    """Run this script on ``plan_json`` in a fresh interpreter; return its JSON line, parsed."""
    command = [
        sys.executable, str(Path(__file__).resolve()), str(plan_json), "--repeat", str(repeat), "--scale", str(scale), "--engine", engine,
    ]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("plan", type=Path, help="plan JSON written by `aifactory plan --json`")
    parser.add_argument("--repeat", type=int, default=1, help="registrations, each in a fresh runtime (best is reported)")
    parser.add_argument("--scale", type=int, default=1, help="copies of each project subtree (1 = the plan as is)")
    parser.add_argument(
        "--engine", choices=("stock", "plan"), default="stock",
        help="stock: the SDK as it comes; plan: with the offline plan's settings (no stack traces, garbage collection paused)",
    )
    args = parser.parse_args(argv)

    resources = json.loads(args.plan.read_text())["resources"]
    if args.scale != 1:
        resources = scale_plan(resources, args.scale)
    ordered = topological(resources)

    if args.engine == "plan":
        from aifactory.tools.plan import plan_engine  # the same switches, from the same place

        with plan_engine():
            runs = [register(ordered) for _ in range(max(1, args.repeat))]
    else:
        runs = [register(ordered) for _ in range(max(1, args.repeat))]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    age = _process_age()
    wall = age if age is not None else time.perf_counter() - _T0  # fallback misses interpreter start-up
    print(json.dumps({
        "resources": runs[0]["custom"],
        "components": runs[0]["components"],
        "seconds": round(min(r["seconds"] for r in runs), 4),
        "wall_seconds": round(wall, 3),
        "peak_mb": round(peak_mb, 1),
        "import_seconds": round(_T_PULUMI - _T_STDLIB, 4),  # `import pulumi` (+ runtime helpers) alone
        "runs": [round(r["seconds"], 4) for r in runs],
        "scale": args.scale,
        "engine": args.engine,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
