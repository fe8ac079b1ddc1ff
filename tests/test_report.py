"""The plan's HTML page (aifactory.tools.report): what it shows, that it loads nothing, escaping, scale.

Pure tests read the page's markup; browser tests load it in headless Chromium, driven over the DevTools
protocol on a pipe (``--remote-debugging-pipe``, standard library only: no Selenium, no WebSocket), and
assert there are no console errors and no network requests, that the diagram is drawn and that its labels
stay legible. Without Chromium they skip, unless ``AIFACTORY_REQUIRE_CHROMIUM=1`` (set by ``.ci/run``)
makes that a failure.
"""

from __future__ import annotations

import copy
import ipaddress
import json
import os
import queue
import re
import shutil
import subprocess
import threading
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Optional

import pytest
import yaml

from aifactory.core.addressing import free_blocks
from aifactory.tools.compare import compare_plans
from aifactory.tools.plan import run_plan
from aifactory.tools.report import COMPACT_THRESHOLD, MIN_LABEL_PX, render_html
from tests.conftest import REPO

HOSTILE = "<script>alert(1)</script> & \"quoted\" 'single'"
MAX_PAGE_BYTES_500 = 1_500_000
"""A 500-project page must stay well below this (it is about 1.0 MB)."""
MAX_LOAD_SECONDS_500 = 10.0
"""Loading it in headless Chromium takes well under a second; the bound leaves room for slow CI."""


# ------------------------------------------------------------------------------------------------ plans


@pytest.fixture(scope="module")
def dev_plan() -> dict[str, Any]:
    return run_plan(REPO, "dev").to_dict()


@pytest.fixture(scope="module")
def edited(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The dev plan of a copy of the repo with one project file removed and another one's budget raised."""
    root = tmp_path_factory.mktemp("edited")
    for stack_file in REPO.glob("Pulumi*.yaml"):
        shutil.copy(stack_file, root / stack_file.name)
    shutil.copytree(REPO / "projects", root / "projects")
    files = {yaml.safe_load(p.read_text())["name"]: p for p in sorted((root / "projects").glob("*.yaml"))}
    changed = next(name for name, path in files.items() if "budget" in yaml.safe_load(path.read_text()))
    removed = next(name for name in sorted(files, reverse=True) if name != changed)
    files[removed].unlink()
    data = yaml.safe_load(files[changed].read_text())
    data["budget"]["monthlyAmount"] = int(data["budget"]["monthlyAmount"]) + 1234
    files[changed].write_text(yaml.safe_dump(data, sort_keys=False))
    return {"plan": run_plan(root, "dev").to_dict(), "removed": removed, "changed": changed}


def elements(page: str, tag: str, cls: str) -> list[dict[str, str]]:
    """Attributes of every ``tag`` whose class list contains ``cls``."""
    found = []
    for match in re.finditer(rf"<{tag}\s([^>]*)>", page):
        attrs = dict(re.findall(r'([\w:-]+)="([^"]*)"', match.group(1)))
        if cls in attrs.get("class", "").split():
            found.append(attrs)
    return found


def hub_markup(page: str) -> str:
    """The hub's group in the diagram (drawn after the peering lines, before the spoke cards)."""
    start = page.index('id="topology-hub"')
    return page[start : page.index("</svg>", start)].split('<a href="#project-')[0]


def spokes_of(page: str) -> dict[str, dict[str, str]]:
    return {a["data-project"]: a for a in elements(page, "g", "spoke")}


class ResourceRefs(HTMLParser):
    """Everything in a page that would make a browser fetch something."""

    FETCHING = {"src", "href", "xlink:href", "action", "formaction", "poster", "data", "srcset", "background", "manifest"}

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self.tags: list[str] = []
        self.in_style = False
        self.styles: list[str] = []
        self.csp: Optional[str] = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, Optional[str]]]) -> None:
        self.tags.append(tag)
        values = dict(attrs)
        if tag == "meta" and (values.get("http-equiv") or "").lower() == "content-security-policy":
            self.csp = values.get("content")
        for name, value in attrs:
            if name in self.FETCHING and value is not None and not value.startswith("#"):
                self.refs.append(f"<{tag} {name}={value}>")
            if name == "style" and value and "url(" in value:
                self.refs.append(f"<{tag} style={value}>")
        if tag == "script" and "src" in values:
            self.refs.append("<script src>")
        self.in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self.in_style = False

    def handle_data(self, data: str) -> None:
        if self.in_style:
            self.styles.append(data)


# ------------------------------------------------------------------------------------------- pure tests


def test_dev_page_shows_every_project_with_its_block_everywhere(dev_plan):
    page = render_html(dev_plan)
    network = dev_plan["network"]
    spokes = spokes_of(page)
    assert set(spokes) == set(dev_plan["projects"]) and spokes
    blocks = {a["data-project"]: a["data-cidr"] for a in elements(page, "g", "blk")}
    for name, info in dev_plan["projects"].items():
        cidr = network["projects"][name]["cidr"]
        assert spokes[name]["data-cidr"] == cidr  # in the diagram
        assert blocks[name] == cidr  # in its pool's map
        row = re.search(rf'<tr id="project-{name}"[^>]*>(.*?)</tr>', page, re.S)
        assert row, name
        for text in (cidr, info["type"], info["source"], str(dev_plan["summary"]["byProject"][name]), *info["services"]):
            assert text in row.group(1), (name, text)
        for subnet_name, subnet in network["projects"][name]["subnets"].items():
            assert f"<b>{subnet_name}</b> {subnet}" in row.group(1)
    # The hub: its range, and what it has (dev has neither firewall nor bastion).
    hub = hub_markup(page)
    assert f'data-cidr="{network["hub"]}"' in hub and f">{network['hub']}</text>" in hub
    assert "No firewall" in hub and "No bastion" in hub
    # Every spoke hangs off the peering bus, and the peerings are in the plan.
    assert len(elements(page, "path", "peer")) == len(spokes)
    assert not elements(page, "path", "unpeered")
    assert 'class="topo full"' in page and len(spokes) <= COMPACT_THRESHOLD


def test_pool_maps_show_free_blocks_and_utilization(dev_plan):
    page = render_html(dev_plan)
    network = dev_plan["network"]
    for pool_name, pool_text in network["pools"].items():
        pool = ipaddress.ip_network(pool_text)
        taken = [ipaddress.ip_network(p["cidr"]) for p in network["projects"].values() if p["pool"] == pool_name]
        section = re.search(rf'<div class="pool" id="pool-{pool_name}"[^>]*data-utilization="([\d.]+)">(.*?)</svg></div></div>', page, re.S)
        assert section, pool_name
        used = 100 * sum(n.num_addresses for n in taken) / pool.num_addresses
        assert float(section.group(1)) == pytest.approx(used, abs=0.01)
        assert f"{used:.1f} % used" in section.group(2)
        for block in free_blocks(pool, taken):  # drawn, or listed in a folded band of free rows
            assert str(block) in section.group(2), block


def test_page_loads_nothing_from_anywhere(dev_plan, edited):
    comparison = compare_plans(edited["plan"], dev_plan).to_dict()
    for page in (render_html(dev_plan), render_html(dev_plan, comparison)):
        parser = ResourceRefs()
        parser.feed(page)
        assert parser.refs == []  # in-page anchors (#project-...) only
        assert not {"link", "img", "iframe", "object", "embed", "image", "use", "video", "audio", "base"} & set(parser.tags)
        css = "".join(parser.styles)
        assert "@import" not in css and not re.search(r"url\((?!#)", css)
        assert not re.search(r"\b(src|href)\s*=\s*[\"']?(https?:)?//", page, re.I)
        assert "default-src 'none'" in (parser.csp or "")
        assert len(re.findall(r"<script\b", page)) == 1  # the inline one


def test_text_from_the_plan_is_escaped(dev_plan):
    plan = copy.deepcopy(dev_plan)
    name = sorted(plan["projects"])[0]
    plan["projects"][name]["source"] = f"projects/{HOSTILE}.yaml"
    plan["projects"][name]["services"] = [*plan["projects"][name]["services"], HOSTILE]
    urn = next(r["urn"] for r in plan["resources"] if r["name"].startswith(name) and r["custom"])
    plan["violations"] = [
        {"policy": "no-<b>", "level": "mandatory", "urn": urn, "message": f"message {HOSTILE}"},
        {"policy": "limit-x", "level": "advisory", "urn": "", "message": "a < b && c > d"},
    ]
    plan["stack"] = "dev<i>"
    comparison = {
        "summary": f"summary {HOSTILE}",
        "added": [],
        "removed": [{"urn": "urn:pulumi:dev::aifactory::t::x-<y>", "type": "t<x>", "name": "x-<y>", "keys": []}],
        "changed": [{"urn": urn, "type": "t", "name": urn.rsplit("::", 1)[-1], "keys": [f"tags.{HOSTILE}"]}],
        "unchanged": 0,
        "projectsAdded": [],
        "projectsRemoved": [],
    }
    page = render_html(plan, comparison)
    assert "<script>alert(1)</script>" not in page and "<b>evil" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quoted&quot; &#x27;single&#x27;" in page
    assert "a &lt; b &amp;&amp; c &gt; d" in page and "no-&lt;b&gt;" in page and "dev&lt;i&gt;" in page
    assert "x-&lt;y&gt;" in page and "<y>" not in page
    assert page.count("<script") == 1
    findings = re.search(r'<table id="findings-table".*?</table>', page, re.S)
    assert findings and name in findings.group(0) and "(environment)" in findings.group(0)


def test_firewall_and_bastion_are_drawn_in_the_hub(dev_plan):
    plan = copy.deepcopy(dev_plan)
    hub = next(r for r in plan["resources"] if r["type"] == "aifactory:network:HubNetwork")
    for type_token, key, name in (
        ("azure-native:network:AzureFirewall", "azureFirewallName", "afw-aif-hub-dev"),
        ("azure-native:network:BastionHost", "bastionHostName", "bas-aif-hub-dev"),
    ):
        plan["resources"].append(
            {"urn": f"{hub['urn']}-{name}", "type": type_token, "name": name, "parent": hub["urn"], "custom": True,
             "protect": False, "id": None, "inputs": {key: name, "sku": {"tier": "Standard"}}}
        )
    page = render_html(plan)
    hub_svg = hub_markup(page)
    assert "Firewall: afw-aif-hub-dev (Standard)" in hub_svg and "Bastion: bas-aif-hub-dev (Standard)" in hub_svg
    assert "No firewall" not in hub_svg


def test_comparison_highlights_added_changed_and_removed(dev_plan, edited):
    removed, changed = edited["removed"], edited["changed"]
    # The edited repo -> the dev plan: the removed file's project comes back (added); the budget changes.
    forward = compare_plans(edited["plan"], dev_plan).to_dict()
    page = render_html(dev_plan, forward)
    spokes = spokes_of(page)
    assert "added" in spokes[removed]["class"].split() and "changed" in spokes[changed]["class"].split()
    for other in set(spokes) - {removed, changed}:
        assert not {"added", "removed"} & set(spokes[other]["class"].split())
    assert f'class="peer added" data-project="{removed}"' in page  # its peering drawn green
    table = re.search(r'<table id="changes-table".*?</table>', page, re.S).group(0)
    rows = re.findall(r'<tr class="(added|changed|removed)" data-project="([^"]*)">(.*?)</tr>', table, re.S)
    assert len(rows) == len(forward["added"]) + len(forward["changed"]) + len(forward["removed"])
    budget = [r for r in rows if r[0] == "changed" and r[1] == changed]
    assert budget and any('<code class="key">' in r[2] and "amount" in r[2] for r in budget)
    assert all(r[1] == removed for r in rows if r[0] == "added" and r[1])
    assert f"{len(forward['added'])}</div><div class=\"stat-l\">to add" in page
    assert re.search(rf'<tr id="project-{removed}" data-project="{removed}" class="added">', page)

    # The dev plan -> the edited repo: that project is removed (red, in its own group, no address block).
    backward = compare_plans(dev_plan, edited["plan"]).to_dict()
    page = render_html(edited["plan"], backward)
    spokes = spokes_of(page)
    assert "removed" in spokes[removed]["class"].split() and spokes[removed]["data-cidr"] == "no spoke"
    assert re.search(r'<g class="group removed"', page) and f'class="peer removed" data-project="{removed}"' in page
    assert removed not in {a["data-project"] for a in elements(page, "g", "blk")}
    assert "Projects removed:</b> <code>" + removed in page
    table = re.search(r'<table id="changes-table".*?</table>', page, re.S).group(0)
    assert table.count(f'<tr class="removed" data-project="{removed}">') >= 10


def test_a_project_slice_draws_other_stacks_spokes_only_in_the_pool_map(dev_plan):
    plan = copy.deepcopy(dev_plan)
    kept = sorted(plan["projects"])[0]
    plan["projects"] = {kept: plan["projects"][kept]}
    plan["resources"] = [r for r in plan["resources"] if "HubNetwork" not in r["urn"]]
    page = render_html(plan)
    assert set(spokes_of(page)) == {kept}
    blocks = {a["data-project"]: a for a in elements(page, "g", "blk")}
    assert set(blocks) == set(plan["network"]["projects"])  # every taken block is still drawn
    assert all(("other" in a["class"].split()) == (name != kept) for name, a in blocks.items())
    assert "owned by the platform stack" in hub_markup(page) and "No firewall" not in hub_markup(page)
    assert len(re.findall(r'<tr id="project-', page)) == 1


def synthetic_plan(count: int = 500, subscriptions: int = 5) -> dict[str, Any]:
    """A plan dict with ``count`` spokes (one in ten from the agent pool), a firewall and a bastion."""
    stack = "urn:pulumi:big::aifactory::"
    hub_urn = f"{stack}aifactory:platform:Platform$aifactory:network:HubNetwork::hub"
    resources: list[dict[str, Any]] = [
        {"urn": hub_urn, "type": "aifactory:network:HubNetwork", "name": "hub", "parent": None, "custom": False, "inputs": {}},
        {"urn": f"{stack}aifactory:network:HubNetwork$azure-native:network:VirtualNetwork::hub-vnet",
         "type": "azure-native:network:VirtualNetwork", "name": "hub-vnet", "parent": hub_urn, "custom": True,
         "id": "/subscriptions/00000000-0000-4000-8000-000000000000/resourceGroups/rg-hub/providers/Microsoft.Network/virtualNetworks/vnet-hub",
         "inputs": {"virtualNetworkName": "vnet-aif-hub-big", "subnets": [{"name": "AzureFirewallSubnet", "addressPrefix": "10.60.0.0/26"}]}},
        {"urn": f"{stack}aifactory:network:HubNetwork$azure-native:network:AzureFirewall::hub-afw",
         "type": "azure-native:network:AzureFirewall", "name": "hub-afw", "parent": hub_urn, "custom": True,
         "inputs": {"azureFirewallName": "afw-aif-hub-big", "sku": {"tier": "Premium"}}},
        {"urn": f"{stack}aifactory:network:HubNetwork$azure-native:network:BastionHost::hub-bas",
         "type": "azure-native:network:BastionHost", "name": "hub-bas", "parent": hub_urn, "custom": True,
         "inputs": {"bastionHostName": "bas-aif-hub-big"}},
    ]
    general = ipaddress.ip_network("10.64.0.0/15").subnets(new_prefix=24)
    agents = ipaddress.ip_network("172.16.0.0/16").subnets(new_prefix=23)
    network: dict[str, Any] = {}
    projects: dict[str, Any] = {}
    by_project = {"(platform)": 40}
    filler = "abcdefghijklmnopqrstuvwxyz"
    for i in range(count):
        name = f"p{i:03d}-{filler[: (i * 7) % 20]}".rstrip("-")  # 4 to 24 characters
        agent = i % 10 == 9
        cidr = next(agents if agent else general)
        halves = list(cidr.subnets(prefixlen_diff=1))
        network[name] = {"cidr": str(cidr), "pool": "agentAddressPool" if agent else "addressPool",
                         "subnets": {"pep": str(halves[1]), "agents" if agent else "aml": str(halves[0])}}
        projects[name] = {"type": ("esml", "genai", "streaming", "documents")[i % 4], "services": ["keyvault", "aml"],
                          "source": f"projects/{name}.yaml", "subscription": f"{(i % subscriptions) + 1:08x}-0000-4000-8000-{i % subscriptions:012d}"}
        by_project[name] = 60 + i % 17
        project_urn = f"{stack}pulumi:pulumi:Stack$aifactory:project:Project::{name}"
        resources.append({"urn": project_urn, "type": "aifactory:project:Project", "name": name, "parent": None, "custom": False, "inputs": {}})
        resources.append({"urn": f"{stack}aifactory:network:ProjectSpoke$azure-native:network:VirtualNetworkPeering::{name}-spoke-peer-to-hub",
                          "type": "azure-native:network:VirtualNetworkPeering", "name": f"{name}-spoke-peer-to-hub",
                          "parent": project_urn, "custom": True, "inputs": {}})
    return {
        "stack": "big", "environment": "dev", "scope": "all",
        "summary": {"resources": sum(by_project.values()), "components": count, "byType": {}, "roleAssignments": count * 20, "byProject": by_project},
        "network": {"pool": "10.64.0.0/15", "pools": {"addressPool": "10.64.0.0/15", "agentAddressPool": "172.16.0.0/16"},
                    "hub": "10.60.0.0/23", "projects": network},
        "projects": projects,
        "resources": resources,
        "outputs": {},
        "violations": [{"policy": "tls", "level": "advisory", "urn": resources[-1]["urn"], "message": "TLS 1.2 <minimum>"}],
    }


def test_500_projects_stay_compact_and_small():
    plan = synthetic_plan(500)
    started = time.monotonic()
    page = render_html(plan)
    assert time.monotonic() - started < 5
    assert len(page.encode()) < MAX_PAGE_BYTES_500
    spokes = spokes_of(page)
    assert len(spokes) == 500 and all(spokes[n]["data-cidr"] == plan["network"]["projects"][n]["cidr"] for n in spokes)
    svg = re.search(r'<svg id="topology-svg" class="topo compact"[^>]*width="(\d+)" height="(\d+)" viewBox="0 0 (\d+) (\d+)"', page)
    assert svg and svg.group(1) == svg.group(3) and svg.group(2) == svg.group(4)  # drawn 1:1, scrolled not shrunk
    assert len(re.findall(r'<g class="group" data-subscription=', page)) == 5
    # Compact labels: the name (12 px) and the block (11 px); nothing below the minimum.
    css = re.search(r"<style>(.*?)</style>", page, re.S).group(1)
    for rule in (".topo.compact .sp-name{font-size:", ".topo.compact .sp-cidr{font-size:"):
        assert float(re.search(re.escape(rule) + r"([\d.]+)px", css).group(1)) >= MIN_LABEL_PX
    labels = re.findall(r'<text [^>]*class="sp-name">([^<]*)</text>', page)
    assert len(labels) == 500 and all(label for label in labels)
    assert "Firewall: afw-aif-hub-big (Premium)" in page and "Bastion: bas-aif-hub-big" in page


# -------------------------------------------------------------------------------------- the real browser


def chromium_binary() -> Optional[str]:
    for candidate in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if candidate and (found := shutil.which(candidate)):
            return found
    return None


class Chromium:
    """Headless Chromium, driven over the DevTools protocol on a pipe (fd 3 in, fd 4 out, NUL-separated JSON)."""

    def __init__(self, binary: str, profile: Path) -> None:
        args = [
            binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
            "--disable-dev-shm-usage", "--remote-debugging-pipe", f"--user-data-dir={profile}", "--window-size=1400,1000",
            "about:blank",
        ]
        # The shell moves our pipes to the descriptors Chromium expects.
        self.process = subprocess.Popen(
            ["sh", "-c", 'exec "$0" "$@" 3<&0 4>&1 </dev/null >/dev/null', *args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )
        self.messages: "queue.Queue[Optional[dict[str, Any]]]" = queue.Queue()
        self.events: list[dict[str, Any]] = []
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        buffer = b""
        while chunk := os.read(self.process.stdout.fileno(), 1 << 16):
            buffer += chunk
            *complete, buffer = buffer.split(b"\0")
            for message in complete:
                self.messages.put(json.loads(message))
        self.messages.put(None)

    def _next(self, deadline: float) -> dict[str, Any]:
        try:
            message = self.messages.get(timeout=max(deadline - time.monotonic(), 0.01))
        except queue.Empty:
            raise TimeoutError("Chromium did not answer in time") from None
        if message is None:
            raise RuntimeError(f"Chromium exited (code {self.process.poll()})")
        return message

    def send(self, method: str, params: Optional[dict[str, Any]] = None, session: Optional[str] = None, timeout: float = 30) -> dict[str, Any]:
        self.next_id += 1
        command: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            command["sessionId"] = session
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(command).encode() + b"\0")
        self.process.stdin.flush()
        deadline = time.monotonic() + timeout
        while True:
            message = self._next(deadline)
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def wait_for(self, method: str, session: str, timeout: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        seen = 0
        while True:
            for event in self.events[seen:]:
                if event.get("method") == method and event.get("sessionId") == session:
                    return event
            seen = len(self.events)
            self.events.append(self._next(deadline))

    def load(self, url: str) -> tuple[str, float]:
        """Open ``url`` in a new tab with console, log and network recorded; the session and the load time."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable", session=session)
        started = time.monotonic()
        self.send("Page.navigate", {"url": url}, session)
        self.wait_for("Page.loadEventFired", session)
        return session, time.monotonic() - started

    def evaluate(self, session: str, expression: str) -> Any:
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True}, session)
        if "exceptionDetails" in result:
            raise AssertionError(f"script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def problems(self, session: str) -> list[str]:
        """Uncaught exceptions, console errors and warnings, and browser log errors (CSP, failed loads)."""
        found = []
        for event in self.events:
            if event.get("sessionId") != session:
                continue
            params = event.get("params", {})
            if event["method"] == "Runtime.exceptionThrown":
                found.append(json.dumps(params["exceptionDetails"])[:500])
            elif event["method"] == "Runtime.consoleAPICalled" and params.get("type") in ("error", "warning", "assert"):
                found.append(json.dumps(params.get("args"))[:500])
            elif event["method"] == "Log.entryAdded" and params["entry"].get("level") in ("error", "warning"):
                found.append(params["entry"].get("text", ""))
        return found

    def requests(self, session: str) -> list[str]:
        return [
            e["params"]["request"]["url"]
            for e in self.events
            if e.get("sessionId") == session and e.get("method") == "Network.requestWillBeSent"
        ]

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=5)
        except (RuntimeError, TimeoutError, BrokenPipeError):
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    binary = chromium_binary()
    if binary is None:
        message = "Chromium is not installed (apt-get install chromium); .ci/run installs it for CI"
        if os.environ.get("AIFACTORY_REQUIRE_CHROMIUM") == "1":
            pytest.fail(message)
        pytest.skip(message)
    chromium = Chromium(binary, tmp_path_factory.mktemp("chromium-profile"))
    chromium.send("Browser.getVersion", timeout=60)  # started and answering
    yield chromium
    chromium.close()


PAGE_FACTS = """(() => {
  const svg = document.getElementById('topology-svg');
  const spokes = Array.from(svg.querySelectorAll('g.spoke'));
  const labels = Array.from(svg.querySelectorAll('g.spoke text, #topology-hub text'));
  const px = t => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a;
  const overflowing = spokes.filter(g => {
    const card = g.querySelector('rect.card').getBBox();
    return Array.from(g.querySelectorAll('text')).some(t => { const b = t.getBBox(); return b.x + b.width > card.x + card.width + 1; });
  }).map(g => g.getAttribute('data-project'));
  const rows = Array.from(document.querySelectorAll('#projects-table tbody tr'));
  return {
    hub: document.querySelectorAll('#topology-hub').length,
    hubText: document.getElementById('topology-hub').textContent,
    spokes: spokes.map(g => [g.getAttribute('data-project'), g.getAttribute('data-cidr'), g.textContent]),
    peerings: svg.querySelectorAll('path.peer').length,
    rows: rows.map(r => [r.getAttribute('data-project'), r.textContent]),
    blocks: Array.from(document.querySelectorAll('svg.poolmap g.blk')).map(g => [g.getAttribute('data-project'), g.getAttribute('data-cidr')]),
    minLabelPx: Math.min(...labels.map(px)),
    overflowing: overflowing,
    compact: svg.classList.contains('compact'),
    svgWidth: svg.getBoundingClientRect().width,
    viewBoxWidth: svg.viewBox.baseVal.width,
  };
})()"""


def write_page(tmp_path: Path, page: str, name: str = "plan.html") -> str:
    path = tmp_path / name
    path.write_text(page, encoding="utf-8")
    return path.as_uri()


def test_dev_page_in_chromium(browser, dev_plan, edited, tmp_path):
    comparison = compare_plans(edited["plan"], dev_plan).to_dict()
    url = write_page(tmp_path, render_html(dev_plan, comparison))
    session, seconds = browser.load(url)
    facts = browser.evaluate(session, PAGE_FACTS)
    assert browser.problems(session) == []
    assert browser.requests(session) == [url]  # the page itself, nothing else
    assert facts["hub"] == 1 and dev_plan["network"]["hub"] in facts["hubText"]
    network = dev_plan["network"]["projects"]
    assert sorted(p for p, _, _ in facts["spokes"]) == sorted(dev_plan["projects"])
    for name, cidr, text in facts["spokes"]:
        assert cidr == network[name]["cidr"] and cidr in text and name in text
    assert facts["peerings"] == len(network)
    assert {name: cidr for name, cidr in facts["blocks"]} == {n: p["cidr"] for n, p in network.items()}
    for name, text in facts["rows"]:
        assert network[name]["cidr"] in text
    assert facts["minLabelPx"] >= MIN_LABEL_PX and facts["overflowing"] == []
    assert not facts["compact"] and facts["svgWidth"] == facts["viewBoxWidth"]

    # The inline script works: sorting, filtering, zoom.
    order = browser.evaluate(session, """(() => {
      const th = Array.from(document.querySelectorAll('#projects-table th')).find(h => h.textContent === 'Address block');
      th.click(); th.click();
      return Array.from(document.querySelectorAll('#projects-table tbody tr')).map(r => r.getAttribute('data-project'));
    })()""")
    key = lambda n: (int(ipaddress.ip_network(network[n]["cidr"]).network_address), n)  # noqa: E731
    assert order == sorted(network, key=key, reverse=True)
    name = sorted(network)[0]
    shown = browser.evaluate(session, f"""(() => {{
      const input = document.querySelector('input[data-filter="projects-table"]');
      input.value = {json.dumps(name)}; input.dispatchEvent(new Event('input'));
      return [Array.from(document.querySelectorAll('#projects-table tbody tr')).filter(r => !r.hidden).map(r => r.getAttribute('data-project')),
              document.getElementById('projects-table-count').textContent];
    }})()""")
    assert shown == [[name], f"1 of {len(network)}"]
    zoomed = browser.evaluate(session, """(() => {
      document.querySelector('button[data-zoom="in"]').click();
      return [document.getElementById('topology-svg').getAttribute('width'), document.getElementById('zoom-level').textContent];
    })()""")
    assert zoomed == [str(round(facts["viewBoxWidth"] * 1.25)), "125%"]
    assert browser.problems(session) == []
    print(f"dev page: {len(render_html(dev_plan, comparison))} bytes, loaded in {seconds:.2f} s")


def test_500_projects_in_chromium(browser, tmp_path):
    plan = synthetic_plan(500)
    page = render_html(plan)
    url = write_page(tmp_path, page, "big.html")
    session, seconds = browser.load(url)
    facts = browser.evaluate(session, PAGE_FACTS)
    assert browser.problems(session) == []
    assert browser.requests(session) == [url]
    assert seconds < MAX_LOAD_SECONDS_500
    assert facts["compact"] and len(facts["spokes"]) == 500 and facts["peerings"] == 500
    for name, cidr, text in facts["spokes"]:
        assert cidr == plan["network"]["projects"][name]["cidr"] and cidr in text
    assert len(facts["rows"]) == 500 and len(facts["blocks"]) == 500
    # Legible at the default zoom: no label under the minimum, none spilling out of its card.
    assert facts["minLabelPx"] >= MIN_LABEL_PX, facts["minLabelPx"]
    assert facts["overflowing"] == []
    assert facts["svgWidth"] == facts["viewBoxWidth"]
    found = browser.evaluate(session, """(() => {
      const input = document.getElementById('topology-find');
      input.value = 'p417'; input.dispatchEvent(new Event('input'));
      return Array.from(document.querySelectorAll('#topology-svg g.spoke:not(.dim)')).map(g => g.getAttribute('data-project'));
    })()""")
    assert len(found) == 1 and found[0].startswith("p417")
    assert browser.problems(session) == []
    print(f"500 projects: {len(page.encode())} bytes, loaded in {seconds:.2f} s")
