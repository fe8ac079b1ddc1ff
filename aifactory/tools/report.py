"""The plan as one self-contained HTML page: topology, address pools, projects, policy findings, changes.

``aifactory plan --html FILE`` writes it so that a reviewer sees the factory, not a JSON file: the hub with
its firewall and bastion, every spoke peered to it (grouped per subscription), each address pool as a map
of its blocks, subnets and free space, the project table, the policy findings and, with ``--compare``, what
a change would add, change and remove.

The page is meant to be attached to a pipeline run or a pull request and opened anywhere, including
air-gapped review machines, so it loads nothing: CSS, script and SVG are inline, fonts are the system's,
and a Content-Security-Policy forbids any fetch. Everything is drawn here in Python (the script only
sorts, filters, zooms and highlights), so the page shows the full picture without JavaScript and the tests
can check it without a browser. Every text taken from the plan (messages, file paths, names) is escaped.

The diagram stays legible at hundreds of spokes: beyond :data:`COMPACT_THRESHOLD` spokes the cards shrink
to name and address block, but labels never drop below :data:`MIN_LABEL_PX` pixels at the default zoom;
the diagram scrolls instead of shrinking.

Pure module: standard library and :mod:`aifactory.core` only.
"""

from __future__ import annotations

import html
import ipaddress
from collections import Counter
from dataclasses import dataclass, field
from ipaddress import IPv4Network
from typing import Any, Iterable, Mapping, Optional, Sequence

from aifactory.core.addressing import count_free, describe_free, free_blocks

__all__ = ["render_html", "COMPACT_THRESHOLD", "MIN_LABEL_PX"]

COMPACT_THRESHOLD = 60
"""Above this many spokes the topology draws compact cards (name and address block only)."""
MIN_LABEL_PX = 11
"""No label of the diagrams is smaller than this at the default (100 %) zoom."""

PROJECT_TYPE = "aifactory:project:Project"
HUB_TYPE = "aifactory:network:HubNetwork"
VNET_TYPE = "azure-native:network:VirtualNetwork"
PEERING_TYPE = "azure-native:network:VirtualNetworkPeering"
FIREWALL_TYPE = "azure-native:network:AzureFirewall"
BASTION_TYPE = "azure-native:network:BastionHost"

PALETTE: tuple[tuple[str, str], ...] = (
    ("#2563eb", "#e8efff"),
    ("#7c3aed", "#f1eaff"),
    ("#0d9488", "#e3f6f3"),
    ("#c2410c", "#fdeee4"),
    ("#be185d", "#fce8f1"),
    ("#0369a1", "#e3f1fb"),
    ("#4d7c0f", "#eef6e0"),
    ("#a16207", "#fbf3dc"),
    ("#475569", "#eef1f5"),
)
"""Stroke and tint per project type (assigned in sorted type order, so colours are stable per plan)."""

SVG_WIDTH = 1200
"""Natural width of the diagrams in CSS pixels: it fits the 1320 px page; narrower windows scroll."""
DASH = "\u2014"
_CHAR_EM = {"sans": 0.6, "bold": 0.63, "mono": 0.61}
"""Average glyph advance in em, to shorten labels that would overflow (no font metrics offline)."""


def esc(value: object) -> str:
    """HTML-escape any value taken from the plan (quotes too: it may land in an attribute)."""
    return html.escape("" if value is None else str(value), quote=True)


def _fit(text: str, width: float, size: float, style: str = "sans") -> str:
    """``text`` shortened with an ellipsis to fit ``width`` pixels at ``size`` px (estimated)."""
    capacity = int(width / (size * _CHAR_EM[style]))
    if len(text) <= capacity:
        return text
    if capacity <= 1:
        return ""
    return text[: capacity - 1] + "\u2026"


def _short_subscription(subscription: Optional[str]) -> str:
    if not subscription:
        return "default subscription"
    return f"{subscription[:8]}\u2026{subscription[-4:]}" if len(subscription) > 16 else subscription


def _short_type(type_token: str) -> str:
    """``azure-native:network:VirtualNetwork`` -> ``network:VirtualNetwork`` (the provider is implied)."""
    return type_token.split(":", 1)[1] if type_token.startswith("azure-native:") else type_token


def _network(text: object) -> Optional[IPv4Network]:
    try:
        network = ipaddress.ip_network(str(text), strict=False)
    except ValueError:
        return None
    return network if isinstance(network, IPv4Network) else None


def _subscription_of(resource_id: Optional[str]) -> Optional[str]:
    parts = (resource_id or "").split("/")
    return parts[2] if len(parts) > 2 and parts[1].lower() == "subscriptions" else None


def _urn_name(urn: str) -> str:
    return urn.rsplit("::", 1)[-1] if urn else ""


# --------------------------------------------------------------------------------------------- the model


@dataclass
class Spoke:
    """One project as the page shows it, from the plan (and the comparison for its status)."""

    name: str
    type: str
    services: list[str]
    subscription: Optional[str]
    source: str
    resources: int
    cidr: Optional[IPv4Network]
    pool: str
    subnets: dict[str, IPv4Network]
    peered: Optional[bool]
    """True/False when the plan lists the project's resources; None when it does not say."""
    status: str = ""
    """``added``, ``removed``, ``changed`` or empty (unchanged, or no comparison)."""
    changes: Counter = field(default_factory=Counter)
    findings: int = 0


@dataclass
class Hub:
    cidr: Optional[IPv4Network]
    name: str
    subscription: Optional[str]
    subnets: list[tuple[str, str]]
    firewall: Optional[str]
    bastion: Optional[str]
    in_plan: bool
    """False for a project slice: the platform stack owns the hub."""
    status: str = ""


@dataclass
class Model:
    plan: Mapping[str, Any]
    comparison: Optional[Mapping[str, Any]]
    hub: Hub
    spokes: list[Spoke]
    """Planned projects plus, with a comparison, the removed ones (no address block any more)."""
    others: list[Spoke]
    """Spokes in the address plan that belong to other stacks (a project slice plans one project)."""
    pools: dict[str, IPv4Network]
    types: dict[str, int]
    """Project type -> palette index."""
    changes: list[dict[str, Any]]
    """Comparison entries with ``kind`` and ``project`` added."""
    findings: list[dict[str, Any]]
    """Violations with ``project`` and ``resource`` added."""

    @property
    def compact(self) -> bool:
        return len(self.spokes) > COMPACT_THRESHOLD

    def color(self, project_type: str) -> int:
        return self.types.get(project_type, len(PALETTE) - 1) % len(PALETTE)


def _owners(resources: Sequence[Mapping[str, Any]]) -> dict[str, Optional[str]]:
    """urn -> the project component it sits under (None for platform resources), following parents."""
    by_urn = {str(r.get("urn")): r for r in resources if isinstance(r, Mapping)}
    owner: dict[str, Optional[str]] = {}
    for start in by_urn:
        chain: list[str] = []
        urn: Optional[str] = start
        found: Optional[str] = None
        while urn and urn not in owner and urn in by_urn and len(chain) < 64:
            chain.append(urn)
            resource = by_urn[urn]
            if resource.get("type") == PROJECT_TYPE:
                found = str(resource.get("name"))
                break
            urn = resource.get("parent")
        else:
            found = owner.get(urn) if urn else None
        for link in chain:
            owner[link] = found
    return owner


def _under(urn: str, type_token: str, by_urn: Mapping[str, Mapping[str, Any]]) -> bool:
    """Whether ``urn`` or one of its parents is a ``type_token`` component."""
    seen = 0
    current: Optional[str] = urn
    while current and current in by_urn and seen < 64:
        if by_urn[current].get("type") == type_token:
            return True
        current = by_urn[current].get("parent")
        seen += 1
    return False


def _project_by_name(name: str, projects: Iterable[str]) -> Optional[str]:
    """The project a resource name starts with (resources of removed projects are not in the plan)."""
    best: Optional[str] = None
    for project in projects:
        if (name == project or name.startswith(project + "-")) and (best is None or len(project) > len(best)):
            best = project
    return best


def build_model(plan: Mapping[str, Any], comparison: Optional[Mapping[str, Any]] = None) -> Model:
    """Gather what the page draws from the plan dict, tolerating older or partial plans (missing keys)."""
    network: Mapping[str, Any] = plan.get("network") or {}
    projects: Mapping[str, Any] = plan.get("projects") or {}
    spokes_net: Mapping[str, Any] = network.get("projects") or {}
    resources = [r for r in plan.get("resources") or [] if isinstance(r, Mapping)]
    by_project = (plan.get("summary") or {}).get("byProject") or {}
    owners = _owners(resources)
    by_urn = {str(r.get("urn")): r for r in resources}

    pools: dict[str, IPv4Network] = {}
    for name, text in (network.get("pools") or ({"addressPool": network["pool"]} if network.get("pool") else {})).items():
        parsed = _network(text)
        if parsed is not None:
            pools[str(name)] = parsed

    # Which projects have their peering in the plan (None: the plan does not list that project's resources).
    listed: set[str] = set()
    peered: set[str] = set()
    for resource in resources:
        project = owners.get(str(resource.get("urn")))
        if project:
            listed.add(project)
            if resource.get("type") == PEERING_TYPE:
                peered.add(project)

    removed_projects = list((comparison or {}).get("projectsRemoved") or [])
    added_projects = set((comparison or {}).get("projectsAdded") or [])
    all_names = sorted(set(projects or spokes_net) | set(removed_projects))
    other_names = sorted(set(spokes_net) - set(all_names))

    findings: list[dict[str, Any]] = []
    finding_counts: Counter = Counter()
    for violation in plan.get("violations") or []:
        if not isinstance(violation, Mapping):
            continue
        urn = str(violation.get("urn") or "")
        project = owners.get(urn) or (_project_by_name(_urn_name(urn), all_names) if urn else None)
        findings.append({**violation, "project": project, "resource": _urn_name(urn) or "(environment)"})
        if project:
            finding_counts[project] += 1

    changes: list[dict[str, Any]] = []
    change_counts: dict[str, Counter] = {}
    hub_changed = False
    for kind in ("added", "changed", "removed"):
        for change in (comparison or {}).get(kind) or []:
            if not isinstance(change, Mapping):
                continue
            urn = str(change.get("urn") or "")
            name = str(change.get("name") or _urn_name(urn))
            # Resources of this plan know their project; removed ones only their name (projects prefix theirs).
            project = owners[urn] if urn in owners else _project_by_name(name, all_names)
            changes.append({**change, "kind": kind, "name": name, "project": project})
            if project:
                change_counts.setdefault(project, Counter())[kind] += 1
            elif _under(urn, HUB_TYPE, by_urn) or (urn not in by_urn and name.startswith("hub-")):
                hub_changed = True

    types = {t: i for i, t in enumerate(sorted({str((projects.get(n) or {}).get("type") or "?") for n in all_names}))}

    spokes: list[Spoke] = []
    others: list[Spoke] = []
    for name in all_names + other_names:
        info: Mapping[str, Any] = projects.get(name) or {}
        net: Mapping[str, Any] = spokes_net.get(name) or {}
        subnets = {str(k): n for k, v in (net.get("subnets") or {}).items() if (n := _network(v)) is not None}
        status = "added" if name in added_projects else "removed" if name in removed_projects and name not in projects else ""
        counts = change_counts.get(name, Counter())
        if not status and counts:
            status = "changed"
        if name in other_names:
            status = "other"
        (others if status == "other" else spokes).append(
            Spoke(
                name=name,
                type=str(info.get("type") or "?"),
                services=[str(s) for s in info.get("services") or []],
                subscription=info.get("subscription"),
                source=str(info.get("source") or ""),
                resources=int(by_project.get(name) or 0),
                cidr=_network(net["cidr"]) if net.get("cidr") else None,
                pool=str(net.get("pool") or "addressPool"),
                subnets=subnets,
                peered=(name in peered) if name in listed else None,
                status=status,
                changes=counts,
                findings=finding_counts[name],
            )
        )

    hub_vnet = next(
        (r for r in resources if r.get("type") == VNET_TYPE and _under(str(r.get("urn")), HUB_TYPE, by_urn)),
        None,
    )
    hub_inputs: Mapping[str, Any] = (hub_vnet or {}).get("inputs") or {}

    def component(type_token: str, name_key: str) -> Optional[str]:
        found = next((r for r in resources if r.get("type") == type_token and not owners.get(str(r.get("urn")))), None)
        if found is None:
            return None
        inputs = found.get("inputs") or {}
        sku = inputs.get("sku")
        tier = (sku.get("tier") or sku.get("name")) if isinstance(sku, Mapping) else None
        label = str(inputs.get(name_key) or _urn_name(str(found.get("urn"))) or type_token.rsplit(":", 1)[-1])
        return f"{label} ({tier})" if tier else label

    hub = Hub(
        cidr=_network(network["hub"]) if network.get("hub") else None,
        name=str(hub_inputs.get("virtualNetworkName") or "hub"),
        subscription=_subscription_of((hub_vnet or {}).get("id")),
        subnets=[
            (str(s.get("name")), str(s.get("addressPrefix")))
            for s in hub_inputs.get("subnets") or []
            if isinstance(s, Mapping) and s.get("name")
        ],
        firewall=component(FIREWALL_TYPE, "azureFirewallName"),
        bastion=component(BASTION_TYPE, "bastionHostName"),
        in_plan=hub_vnet is not None,
        status="changed" if hub_changed else "",
    )
    return Model(plan, comparison, hub, spokes, others, pools, types, changes, findings)


# ---------------------------------------------------------------------------------------- the topology


@dataclass(frozen=True)
class _Layout:
    card_w_min: float
    card_h: float
    gap_x: float
    gap_y: float
    drop: float


FULL = _Layout(card_w_min=230, card_h=104, gap_x=18, gap_y=18, drop=18)
COMPACT = _Layout(card_w_min=150, card_h=40, gap_x=10, gap_y=10, drop=12)
_PAD = 20
_HUB_W, _HUB_H = 640, 122
_TRUNK_X = _PAD + 28
_GROUP_X = _PAD + 54
_GROUP_PAD = 14
_GROUP_HEAD = 34


def _text(x: float, y: float, text: str, cls: str, anchor: str = "") -> str:
    anchor_attr = f' text-anchor="{anchor}"' if anchor else ""
    return f'<text x="{x:.0f}" y="{y:.0f}" class="{cls}"{anchor_attr}>{esc(text)}</text>'


def _hub_svg(model: Model) -> str:
    hub = model.hub
    x, y = _PAD, _PAD
    status = f" {hub.status}" if hub.status else ""
    hub_title = f"Hub {hub.name} {hub.cidr or ''}"
    parts = [
        f'<g class="hub{status}" id="topology-hub" data-cidr="{esc(hub.cidr or "")}">',
        f"<title>{esc(hub_title)}</title>",
        f'<rect class="hub-box{"" if hub.in_plan else " external"}" x="{x}" y="{y}" width="{_HUB_W}" height="{_HUB_H}" rx="10"/>',
        _text(x + 18, y + 26, "HUB", "hub-kicker"),
        _text(x + 56, y + 26, _fit(hub.name, 300, 15, "bold"), "hub-name"),
        _text(x + _HUB_W - 16, y + 26, str(hub.cidr) if hub.cidr else "no hub range", "hub-cidr", "end"),
        _text(
            x + 18,
            y + 48,
            (f"subscription {hub.subscription}" if hub.subscription else "")
            + ("" if hub.in_plan else "owned by the platform stack (not in this plan)"),
            "hub-meta",
        ),
    ]
    cx: float = x + 18
    if not hub.in_plan:
        parts.append(_text(x + 18, y + 76, "its firewall and bastion are in the platform stack's plan", "hub-meta"))
    for label, value in (("Firewall", hub.firewall), ("Bastion", hub.bastion)) if hub.in_plan else ():
        text = f"{label}: {value}" if value else f"No {label.lower()}"
        width = min(len(text) * 12 * _CHAR_EM["sans"] + 22, (_HUB_W - 44) / 2)
        cls = "chip on" if value else "chip off"
        parts.append(f'<g class="{cls}"><rect x="{cx:.0f}" y="{y + 60}" width="{width:.0f}" height="24" rx="12"/>')
        parts.append(_text(cx + 11, y + 76, _fit(text, width - 18, 12), "chip-text") + "</g>")
        cx += width + 8
    peered = sum(1 for s in model.spokes if s.status != "removed" and s.peered is not False and s.cidr is not None)
    parts.append(_text(x + _HUB_W - 16, y + 48, f"{peered} spoke(s) peered in this plan", "hub-meta", "end"))
    subnets = " \u00b7 ".join(f"{name} {prefix}" for name, prefix in hub.subnets)
    if subnets:
        parts.append(_text(x + 18, y + 108, _fit("subnets: " + subnets, _HUB_W - 36, 11, "mono"), "hub-subnets"))
    parts.append("</g>")
    return "".join(parts)


def _card_svg(model: Model, spoke: Spoke, x: float, y: float, w: float, layout: _Layout, compact: bool) -> str:
    color = model.color(spoke.type)
    status = f" {spoke.status}" if spoke.status else ""
    cidr = str(spoke.cidr) if spoke.cidr else "no spoke"
    tip = [f"{spoke.name} ({spoke.type})", f"address block {cidr} from {spoke.pool}", f"subscription {spoke.subscription or '-'}"]
    tip += [f"subnet {n} {s}" for n, s in spoke.subnets.items()]
    tip.append(f"{spoke.resources} resources; services: {', '.join(spoke.services) or '-'}")
    if spoke.status:
        tip.append(_status_text(spoke))
    h = layout.card_h
    parts = [
        f'<a href="#project-{esc(spoke.name)}"><g class="spoke t{color}{status}" data-project="{esc(spoke.name)}" data-cidr="{esc(cidr)}">',
        f"<title>{esc(chr(10).join(tip))}</title>",
        f'<rect class="card" x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.0f}" rx="7"/>',
        f'<rect class="stripe" x="{x:.1f}" y="{y:.1f}" width="5" height="{h:.0f}" rx="2"/>',
    ]
    if compact:
        badge = {"added": "+", "removed": "\u2212", "changed": "~"}.get(spoke.status, "")
        name_w = w - 18 - (12 if badge else 0)
        parts.append(_text(x + 12, y + 17, _fit(spoke.name, name_w, 12, "bold"), "sp-name"))
        if badge:
            parts.append(_text(x + w - 8, y + 17, badge, "sp-badge", "end"))
        parts.append(_text(x + 12, y + 33, _fit(cidr, w - 18, 11, "mono"), "sp-cidr"))
    else:
        type_w = len(spoke.type) * 11 * _CHAR_EM["sans"] + 14
        parts.append(_text(x + 15, y + 22, _fit(spoke.name, w - type_w - 30, 14, "bold"), "sp-name"))
        parts.append(f'<rect class="type-pill" x="{x + w - type_w - 10:.1f}" y="{y + 9}" width="{type_w:.0f}" height="18" rx="9"/>')
        parts.append(_text(x + w - type_w / 2 - 10, y + 22, spoke.type, "type-text", "middle"))
        parts.append(_text(x + 15, y + 42, cidr, "sp-cidr"))
        parts.append(_text(x + w - 12, y + 42, spoke.pool if spoke.cidr else "", "sp-meta", "end"))
        parts.append(_text(x + 15, y + 60, _fit(f"subscription {_short_subscription(spoke.subscription)}", w - 26, 11), "sp-meta"))
        parts.append(_text(x + 15, y + 77, _fit(", ".join(spoke.services) or "no services", w - 26, 11), "sp-meta"))
        foot = f"{spoke.resources} resources"
        if spoke.peered is False:
            foot += " \u00b7 not peered"
        if spoke.findings:
            foot += f" \u00b7 {spoke.findings} finding(s)"
        parts.append(_text(x + 15, y + 95, _fit(foot, w - 26, 11), "sp-meta"))
        if spoke.status:
            parts.append(_text(x + w - 12, y + 95, _fit(_status_text(spoke, short=True), w / 2, 11), "sp-badge", "end"))
    parts.append("</g></a>")
    return "".join(parts)


def _status_text(spoke: Spoke, short: bool = False) -> str:
    if spoke.status == "added":
        return "+ added" if short else "added by this change"
    if spoke.status == "removed":
        return "\u2212 removed" if short else "removed by this change"
    counts = ", ".join(f"{n} {kind}" for kind, n in sorted(spoke.changes.items()))
    return f"~ {counts}" if short else f"changed: {counts} resource(s)"


def topology_svg(model: Model) -> str:
    """Hub on top, a peering trunk down the left, spokes in rows per subscription (removed ones last)."""
    compact = model.compact
    layout = COMPACT if compact else FULL
    inner_w = SVG_WIDTH - _GROUP_X - _PAD - 2 * _GROUP_PAD
    cols = max(1, int((inner_w + layout.gap_x) // (layout.card_w_min + layout.gap_x)))
    card_w = (inner_w - (cols - 1) * layout.gap_x) / cols

    groups: dict[str, list[Spoke]] = {}
    removed: list[Spoke] = []
    for spoke in model.spokes:
        if spoke.status == "removed":
            removed.append(spoke)
        else:
            groups.setdefault(spoke.subscription or "", []).append(spoke)
    ordered = sorted(groups.items(), key=lambda item: (item[0] != (model.hub.subscription or ""), item[0]))
    if removed:
        ordered.append(("(removed)", removed))

    boxes: list[str] = []
    body: list[str] = []
    lines: list[str] = []
    y: float = _PAD + _HUB_H + 30
    last_bus: float = _PAD + _HUB_H
    for subscription, spokes in ordered:
        rows = (len(spokes) + cols - 1) // cols
        group_h = _GROUP_HEAD + rows * (layout.drop + layout.card_h + layout.gap_y) + _GROUP_PAD - layout.gap_y
        is_removed = subscription == "(removed)"
        if is_removed:
            title = f"Removed by this change \u00b7 {len(spokes)} project(s)"
        else:
            hub_note = " (the hub's)" if subscription and subscription == model.hub.subscription else ""
            title = f"Subscription {subscription or '(default)'}{hub_note} \u00b7 {len(spokes)} spoke(s)"
        gx, gw = _GROUP_X, SVG_WIDTH - _GROUP_X - _PAD
        boxes.append(
            f'<g class="group{" removed" if is_removed else ""}" data-subscription="{esc(subscription)}">'
            f'<rect class="group-box" x="{gx}" y="{y:.0f}" width="{gw}" height="{group_h:.0f}" rx="10"/>'
            + _text(gx + _GROUP_PAD, y + 22, title, "group-title")
            + "</g>"
        )
        for row in range(rows):
            row_spokes = spokes[row * cols : (row + 1) * cols]
            bus_y = y + _GROUP_HEAD + row * (layout.drop + layout.card_h + layout.gap_y)
            card_y = bus_y + layout.drop
            last_cx = gx + _GROUP_PAD + (len(row_spokes) - 1) * (card_w + layout.gap_x) + card_w / 2
            if not is_removed:
                lines.append(f'<path class="bus" d="M{_TRUNK_X} {bus_y:.0f}H{last_cx:.1f}"/>')
                last_bus = bus_y
            for index, spoke in enumerate(row_spokes):
                cx = gx + _GROUP_PAD + index * (card_w + layout.gap_x)
                unpeered = not is_removed and (spoke.peered is False or spoke.cidr is None)
                link = "peer" + (f" {spoke.status}" if spoke.status else "") + (" unpeered" if unpeered else "")
                top = bus_y if not is_removed else card_y - layout.drop / 2
                lines.append(
                    f'<path class="{link}" data-project="{esc(spoke.name)}" d="M{cx + card_w / 2:.1f} {top:.0f}V{card_y:.0f}"/>'
                )
                body.append(_card_svg(model, spoke, cx, card_y, card_w, layout, compact))
        y += group_h + 22
    if not model.spokes:
        body.append(_text(_GROUP_X, y + 20, "No projects in this plan.", "group-title"))
        y += 40
    trunk = f'<path class="trunk" d="M{_TRUNK_X} {_PAD + _HUB_H}V{last_bus:.0f}"/>' if last_bus > _PAD + _HUB_H else ""
    height = int(y)
    mode = "compact" if compact else "full"
    return (
        f'<svg id="topology-svg" class="topo {mode}" role="img" '
        f'aria-label="Topology: hub and {len(model.spokes)} spokes" width="{SVG_WIDTH}" height="{height}" '
        f'viewBox="0 0 {SVG_WIDTH} {height}" data-spokes="{len(model.spokes)}">'
        + "".join(boxes)
        + trunk
        + "".join(lines)
        + _hub_svg(model)
        + "".join(body)
        + "</svg>"
    )


# ------------------------------------------------------------------------------------- the address map

_MAP_X = 112
_MAP_W = SVG_WIDTH - _MAP_X - _PAD
_ROW_H = 58
_GAP_H = 28


@dataclass(frozen=True)
class PoolStats:
    pool: IPv4Network
    spokes: list[Spoke]
    free: list[IPv4Network]
    used: int
    cell_prefix: int

    @property
    def utilization(self) -> float:
        return 100.0 * self.used / self.pool.num_addresses

    @property
    def room(self) -> int:
        return count_free(self.pool, self.cell_prefix, [s.cidr for s in self.spokes if s.cidr]) if self.cell_prefix >= self.pool.prefixlen else 0


def pool_stats(model: Model, name: str, pool: IPv4Network) -> PoolStats:
    """Spokes of one pool, its free blocks and use; the typical spoke size sets the map's scale."""
    spokes = sorted(
        (s for s in [*model.spokes, *model.others] if s.cidr is not None and s.pool == name and s.cidr.subnet_of(pool)),
        key=lambda s: int(s.cidr.network_address),  # type: ignore[union-attr]
    )
    taken = [s.cidr for s in spokes if s.cidr is not None]
    sizes = Counter(n.prefixlen for n in taken)
    cell = max(sizes.items(), key=lambda item: (item[1], item[0]))[0] if sizes else 24
    return PoolStats(pool, spokes, free_blocks(pool, taken), sum(n.num_addresses for n in taken), max(cell, pool.prefixlen))


def _fmt_int(value: int) -> str:
    return f"{value:,}"


def pool_svg(model: Model, name: str, stats: PoolStats) -> str:
    """One pool as rows of equal address spans (8 typical spokes a row); runs of free rows fold into one band.

    Blocks are aligned powers of two, so each is one rectangle: inside a row or whole rows. Subnets are
    the segments at the bottom of their spoke; free blocks are hatched.
    """
    pool = stats.pool
    row_prefix = max(pool.prefixlen, stats.cell_prefix - 3)
    row_size = 2 ** (32 - row_prefix)
    scale = _MAP_W / row_size
    base = int(pool.network_address)
    items: list[tuple[IPv4Network, Optional[Spoke]]] = sorted(
        [(s.cidr, s) for s in stats.spokes if s.cidr is not None] + [(f, None) for f in stats.free],
        key=lambda item: int(item[0].network_address),
    )
    parts: list[str] = []
    y = 32.0
    # The overview bar: the whole pool at true scale.
    parts.append(f'<rect class="ov-bg" x="{_MAP_X}" y="8" width="{_MAP_W}" height="12" rx="3"/>')
    full = _MAP_W / pool.num_addresses
    for network, spoke in items:
        if spoke is not None:
            x = _MAP_X + (int(network.network_address) - base) * full
            parts.append(
                f'<rect class="ov t{model.color(spoke.type)}" data-project="{esc(spoke.name)}" x="{x:.2f}" y="8" '
                f'width="{max(network.num_addresses * full, 1.5):.2f}" height="12"/>'
            )
    parts.append(_text(_MAP_X - 10, 19, "whole pool", "map-addr", "end"))

    def row_band(row_items: list[tuple[IPv4Network, Optional[Spoke]]], top: float) -> None:
        start = (int(row_items[0][0].network_address) - base) // row_size * row_size
        parts.append(f'<rect class="row-bg" x="{_MAP_X}" y="{top:.0f}" width="{_MAP_W}" height="{_ROW_H - 6}" rx="4"/>')
        parts.append(_text(_MAP_X - 10, top + 18, str(ipaddress.IPv4Address(base + start)), "map-addr", "end"))
        parts.append(_text(_MAP_X - 10, top + 34, f"/{row_prefix}", "map-addr dim", "end"))
        for network, spoke in row_items:
            x = _MAP_X + (int(network.network_address) - base - start) * scale
            w = network.num_addresses * scale
            parts.append(_block(model, network, spoke, x, top, w, _ROW_H - 6))

    pending: list[tuple[IPv4Network, Optional[Spoke]]] = []
    gap: list[IPv4Network] = []

    def flush_row() -> None:
        nonlocal y, pending
        if pending:
            row_band(pending, y)
            y += _ROW_H
            pending = []

    def flush_gap() -> None:
        nonlocal y, gap
        if gap:
            first, last = gap[0], gap[-1]
            total = sum(g.num_addresses for g in gap)
            label = (
                f"{first.network_address} \u2013 {last.broadcast_address} free \u00b7 {_fmt_int(total)} addresses "
                f"({', '.join(str(g) for g in gap) if len(gap) <= 6 else f'{len(gap)} blocks'})"
            )
            parts.append(
                f'<g class="gap"><title>{esc(", ".join(str(g) for g in gap))}</title>'
                f'<rect class="free" x="{_MAP_X}" y="{y:.0f}" width="{_MAP_W}" height="{_GAP_H - 6}" rx="4"/>'
                + _text(_MAP_X + 12, y + 15, _fit(label, _MAP_W - 24, 11, "mono"), "map-free")
                + _text(_MAP_X - 10, y + 15, "\u22ee", "map-addr", "end")
                + "</g>"
            )
            y += _GAP_H
            gap = []

    current_row = -1
    for network, spoke in items:
        offset = int(network.network_address) - base
        if network.num_addresses >= row_size:
            flush_row()
            current_row = -1
            rows = network.num_addresses // row_size
            if spoke is None:
                gap.append(network)
                continue
            flush_gap()
            height = min(rows, 3) * _ROW_H - 6
            parts.append(f'<rect class="row-bg" x="{_MAP_X}" y="{y:.0f}" width="{_MAP_W}" height="{height}" rx="4"/>')
            parts.append(_text(_MAP_X - 10, y + 18, str(network.network_address), "map-addr", "end"))
            parts.append(_text(_MAP_X - 10, y + 34, f"{rows} row(s)", "map-addr dim", "end"))
            parts.append(_block(model, network, spoke, _MAP_X, y, _MAP_W, height))
            y += height + 6
            continue
        flush_gap()
        row = offset // row_size
        if row != current_row:
            flush_row()
            current_row = row
        pending.append((network, spoke))
    flush_row()
    flush_gap()
    height = int(y) + 4
    return (
        f'<svg class="poolmap" role="img" data-pool="{esc(name)}" '
        f'aria-label="Address map of {esc(name)} {pool}" width="{SVG_WIDTH}" height="{height}" viewBox="0 0 {SVG_WIDTH} {height}">'
        + "".join(parts)
        + "</svg>"
    )


def _block(model: Model, network: IPv4Network, spoke: Optional[Spoke], x: float, y: float, w: float, h: float) -> str:
    """A spoke's block (name, range, subnet segments) or a free block, inside the given box."""
    if spoke is None:
        label = _fit(f"free {network}", w - 10, 11, "mono")
        return (
            f'<g class="fb" data-cidr="{network}"><title>free {network} ({_fmt_int(network.num_addresses)} addresses)</title>'
            f'<rect class="free" x="{x + 1:.1f}" y="{y:.0f}" width="{max(w - 2, 1):.1f}" height="{h:.0f}" rx="3"/>'
            + (_text(x + 6, y + 18, label, "map-free") if label else "")
            + "</g>"
        )
    status = f" {spoke.status}" if spoke.status else ""
    owner = " (another stack's spoke, not in this plan)" if spoke.status == "other" else ""
    tip = "\n".join([f"{spoke.name}: {network}{owner}"] + [f"{n} {s}" for n, s in spoke.subnets.items()])
    parts = [
        f'<g class="blk t{model.color(spoke.type)}{status}" data-project="{esc(spoke.name)}" data-cidr="{network}">',
        f"<title>{esc(tip)}</title>",
        f'<rect class="blk-box" x="{x + 1:.1f}" y="{y:.0f}" width="{max(w - 2, 1):.1f}" height="{h:.0f}" rx="3"/>',
    ]
    name = _fit(spoke.name, w - 12, 11, "bold")
    if name:
        parts.append(_text(x + 6, y + 15, name, "blk-name"))
    cidr = _fit(str(network), w - 12, 11, "mono")
    if cidr and len(cidr) == len(str(network)):
        parts.append(_text(x + 6, y + 29, cidr, "blk-cidr"))
    band_y = y + h - 17
    px = w / network.num_addresses
    for index, (subnet_name, subnet) in enumerate(sorted(spoke.subnets.items(), key=lambda item: int(item[1].network_address))):
        if not subnet.subnet_of(network):
            continue
        sx = x + 1 + (int(subnet.network_address) - int(network.network_address)) * px
        sw = max(subnet.num_addresses * px - 1, 1)
        # The block's tooltip lists the subnets; a segment is labelled when its name fits.
        parts.append(f'<rect class="sn{index % 2}" x="{sx:.1f}" y="{band_y:.0f}" width="{sw:.1f}" height="15"/>')
        label = _fit(subnet_name, sw - 6, 11)
        if label and len(label) == len(subnet_name):
            parts.append(_text(sx + 3, band_y + 12, label, "sn-text"))
    parts.append("</g>")
    return "".join(parts)


# ----------------------------------------------------------------------------------------------- tables


def _ip_key(network: Optional[IPv4Network]) -> str:
    return f"{int(network.network_address):010d}{network.prefixlen:02d}" if network else "9" * 12


def _status_badge(kind: str) -> str:
    labels = {"added": "+ added", "changed": "~ changed", "removed": "\u2212 removed"}
    return f'<span class="badge {kind}">{labels.get(kind, esc(kind))}</span>' if kind else ""


def projects_table(model: Model) -> str:
    has_changes = model.comparison is not None
    head = ["Project", "Type", "Subscription", "Services", "Resources", "Address block", "Pool", "Subnets", "Findings"]
    if has_changes:
        head.insert(1, "Change")
    numeric = {"Resources", "Findings"}
    rows: list[str] = []
    for spoke in model.spokes:
        subnets = "".join(
            f'<span class="sn-chip"><b>{esc(n)}</b> {esc(s)}</span>'
            for n, s in sorted(spoke.subnets.items(), key=lambda item: int(item[1].network_address))
        )
        cells = [
            f'<td class="name"><span class="dot t{model.color(spoke.type)}"></span>{esc(spoke.name)}'
            f'<div class="src mono" title="the project file">{esc(spoke.source)}</div></td>',
            f"<td>{esc(spoke.type)}</td>",
            f'<td class="mono" title="{esc(spoke.subscription or "")}">{esc(_short_subscription(spoke.subscription))}</td>',
            f"<td>{esc(', '.join(spoke.services))}</td>",
            f'<td class="num" data-sort="{spoke.resources}">{spoke.resources}</td>',
            f'<td class="mono" data-sort="{_ip_key(spoke.cidr)}">{esc(spoke.cidr or DASH)}</td>',
            f"<td>{esc(spoke.pool if spoke.cidr else '')}</td>",
            f'<td class="subnets">{subnets}</td>',
            f'<td class="num" data-sort="{spoke.findings}">{spoke.findings or ""}</td>',
        ]
        if has_changes:
            detail = ", ".join(f"{n} {k}" for k, n in sorted(spoke.changes.items()))
            cells.insert(1, f'<td data-sort="{esc(spoke.status or "~")}">{_status_badge(spoke.status)}<span class="small"> {esc(detail)}</span></td>')
        status = f' class="{spoke.status}"' if spoke.status else ""
        rows.append(f'<tr id="project-{esc(spoke.name)}" data-project="{esc(spoke.name)}"{status}>' + "".join(cells) + "</tr>")
    return _table("projects-table", head, numeric, rows, "Filter projects: name, type, service, address\u2026")


def _table(table_id: str, head: Sequence[str], numeric: set[str], rows: Sequence[str], placeholder: str) -> str:
    header = "".join(f'<th scope="col"{" data-numeric" if h in numeric else ""}>{esc(h)}</th>' for h in head)
    return (
        f'<div class="toolbar"><input type="search" class="filter" data-filter="{table_id}" data-count="{table_id}-count" '
        f'placeholder="{esc(placeholder)}" aria-label="{esc(placeholder)}">'
        f'<span class="count" id="{table_id}-count">{len(rows)} of {len(rows)}</span>'
        f'<span class="hint">Click a column to sort.</span></div>'
        f'<div class="table-wrap"><table id="{table_id}" class="sortable"><thead><tr>{header}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def findings_section(model: Model) -> str:
    if not model.findings:
        return '<p class="ok-box">No policy findings: every mandatory and advisory rule passed.</p>'
    rows = []
    for finding in model.findings:
        level = str(finding.get("level") or "")
        rows.append(
            f'<tr class="lvl-{esc(level)}" data-project="{esc(finding.get("project") or "")}">'
            f'<td data-sort="{0 if level == "mandatory" else 1}"><span class="badge {esc(level)}">{esc(level)}</span></td>'
            f'<td class="mono">{esc(finding.get("policy"))}</td>'
            f'<td class="mono">{esc(finding.get("resource"))}</td>'
            f'<td>{esc(finding.get("project") or "platform")}</td>'
            f'<td class="msg">{esc(finding.get("message"))}</td></tr>'
        )
    return _table("findings-table", ["Level", "Policy", "Resource", "Project", "Message"], set(), rows, "Filter findings\u2026")


def changes_section(model: Model) -> str:
    comparison = model.comparison or {}
    counts = Counter(c["kind"] for c in model.changes)
    cards = "".join(
        f'<div class="stat {kind}"><div class="stat-n">{counts.get(kind, 0)}</div><div class="stat-l">to {verb}</div></div>'
        for kind, verb in (("added", "add"), ("changed", "change"), ("removed", "remove"))
    ) + f'<div class="stat"><div class="stat-n">{esc(comparison.get("unchanged", 0))}</div><div class="stat-l">unchanged</div></div>'
    notes = []
    for key, kind, label in (("projectsAdded", "added", "Projects added"), ("projectsRemoved", "removed", "Projects removed")):
        names = comparison.get(key) or []
        if names:
            notes.append(f'<p class="{kind}-note"><b>{label}:</b> ' + ", ".join(f"<code>{esc(n)}</code>" for n in names) + "</p>")
    if not model.changes:
        return f'<div class="stats">{cards}</div>' + "".join(notes) + '<p class="ok-box">Nothing would change.</p>'
    order = {"added": 0, "changed": 1, "removed": 2}
    rows = []
    for change in sorted(model.changes, key=lambda c: (order[c["kind"]], c.get("project") or "", c.get("urn") or "")):
        keys = "".join(f'<code class="key">{esc(k)}</code>' for k in change.get("keys") or [])
        rows.append(
            f'<tr class="{change["kind"]}" data-project="{esc(change.get("project") or "")}">'
            f'<td data-sort="{order[change["kind"]]}">{_status_badge(change["kind"])}</td>'
            f'<td>{esc(change.get("project") or "platform")}</td>'
            f'<td class="mono">{esc(change.get("name"))}</td>'
            f'<td class="mono small">{esc(_short_type(str(change.get("type") or "")))}</td>'
            f'<td class="keys">{keys}</td></tr>'
        )
    return (
        f'<div class="stats">{cards}</div>'
        + "".join(notes)
        + _table("changes-table", ["Change", "Project", "Resource", "Type", "Changed inputs"], set(), rows, "Filter changes\u2026")
    )


# --------------------------------------------------------------------------------------------- the page


def render_html(plan: Mapping[str, Any], comparison: Optional[Mapping[str, Any]] = None) -> str:
    """The whole report page for ``plan`` (``Plan.to_dict()``), optionally against ``comparison``
    (``compare_plans(old, new).to_dict()``): one string, no external reference, deterministic."""
    model = build_model(plan, comparison)
    stack = str(plan.get("stack") or "?")
    summary: Mapping[str, Any] = plan.get("summary") or {}
    mandatory = sum(1 for f in model.findings if f.get("level") == "mandatory")
    advisory = len(model.findings) - mandatory
    planned = [s for s in model.spokes if s.status != "removed"]
    subscriptions = {s.subscription for s in planned}

    pool_blocks: list[str] = []
    pool_cards: list[str] = []
    for name, pool in model.pools.items():
        stats = pool_stats(model, name, pool)
        pct = stats.utilization
        pool_cards.append(
            f'<div class="stat"><div class="stat-n">{pct:.1f}<small>%</small></div>'
            f'<div class="stat-l">{esc(name)} used</div><div class="bar"><span style="width:{min(pct, 100):.2f}%"></span></div></div>'
        )
        outside = sum(1 for spoke in stats.spokes if spoke.status == "other")
        foreign = f" ({outside} of other stacks, dashed)" if outside else ""
        room = (
            f" \u00b7 room for {_fmt_int(stats.room)} more /{stats.cell_prefix} spoke(s)" if stats.cell_prefix >= pool.prefixlen else ""
        )
        pool_blocks.append(
            f'<div class="pool" id="pool-{esc(name)}" data-pool="{esc(name)}" data-utilization="{pct:.2f}">'
            f'<div class="pool-head"><h3>{esc(name)} <span class="mono">{pool}</span></h3>'
            f'<div class="util"><div class="bar big"><span style="width:{min(pct, 100):.2f}%"></span></div>'
            f"<b>{pct:.1f} % used</b></div></div>"
            f'<p class="pool-meta">{len(stats.spokes)} spoke(s){foreign} \u00b7 {_fmt_int(stats.used)} of {_fmt_int(pool.num_addresses)} '
            f"addresses allocated \u00b7 free: {esc(describe_free(stats.free))}{room}</p>"
            f'<div class="scroll map">{pool_svg(model, name, stats)}</div></div>'
        )

    type_legend = "".join(
        f'<span class="lg"><span class="sw t{model.color(t)}"></span>{esc(t)}</span>' for t in sorted(model.types)
    )
    change_legend = (
        '<span class="lg"><span class="sw st-added"></span>added</span>'
        '<span class="lg"><span class="sw st-changed"></span>changed</span>'
        '<span class="lg"><span class="sw st-removed"></span>removed</span>'
        if comparison is not None
        else ""
    )
    topology_legend = (
        f'<div class="legend">{type_legend}<span class="lg"><span class="ln"></span>VNet peering to the hub</span>'
        f'<span class="lg"><span class="ln dashed"></span>not peered</span>{change_legend}</div>'
    )
    compact_note = (
        f'<p class="note">{len(model.spokes)} spokes: compact cards (name and address block); hover a card for its '
        f"subnets, subscription and services, click it for its row in the table.</p>"
        if model.compact
        else ""
    )
    stat_cards = [
        ("Projects", len(planned)),
        ("Subscriptions", len(subscriptions)),
        ("Resources", summary.get("resources", 0)),
        ("Role assignments", summary.get("roleAssignments", 0)),
    ]
    stats_html = "".join(
        f'<div class="stat"><div class="stat-n">{esc(_fmt_int(int(v)) if isinstance(v, int) else v)}</div><div class="stat-l">{esc(k)}</div></div>'
        for k, v in stat_cards
    )
    stats_html += (
        f'<div class="stat{" bad" if mandatory else ""}"><div class="stat-n">{mandatory}<small> / {advisory}</small></div>'
        f'<div class="stat-l">findings: mandatory / advisory</div></div>'
    )
    stats_html += "".join(pool_cards)
    nav = [("topology", "Topology"), ("address-pools", "Address pools"), ("projects", "Projects"), ("policy", "Policy findings")]
    if comparison is not None:
        nav.insert(0, ("changes", "Changes"))
    changes_html = (
        f'<section id="changes"><h2>Changes against the earlier plan</h2>'
        f'<p class="sub">{esc(comparison.get("summary", ""))}</p>{changes_section(model)}</section>'
        if comparison is not None
        else ""
    )
    hub_range = f" \u00b7 hub {model.hub.cidr}" if model.hub.cidr else ""
    return "".join(
        [
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">",
            # Nothing may be fetched: the page must work offline and leak nothing when opened.
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
            "script-src 'unsafe-inline'\">",
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>Plan of stack {esc(stack)} \u00b7 AI factory</title>",
            f"<style>{_css()}</style></head>",
            f'<body data-stack="{esc(stack)}">',
            '<header class="top"><div class="wrap"><div class="brand">AI factory \u00b7 plan</div>',
            f'<h1>Stack <span>{esc(stack)}</span></h1>',
            f'<div class="meta">environment {esc(plan.get("environment"))} \u00b7 scope {esc(plan.get("scope"))}{esc(hub_range)}'
            f" \u00b7 {_fmt_int(int(summary.get('resources', 0) or 0))} resources \u00b7 offline plan, no Azure calls</div>",
            '<nav>' + "".join(f'<a href="#{i}">{esc(t)}</a>' for i, t in nav) + "</nav></div></header>",
            f'<main class="wrap"><section id="summary" class="stats">{stats_html}</section>',
            changes_html,
            '<section id="topology"><div class="section-head"><div><h2>Topology</h2>',
            '<p class="sub">The hub and every project spoke peered to it, grouped by subscription.</p></div>',
            '<div class="zoom"><input type="search" id="topology-find" placeholder="Find a project\u2026" aria-label="Find a project">'
            '<button type="button" data-zoom="out" aria-label="Zoom out">\u2212</button>'
            '<span id="zoom-level">100%</span>'
            '<button type="button" data-zoom="in" aria-label="Zoom in">+</button>'
            '<button type="button" data-zoom="fit">Fit</button><button type="button" data-zoom="reset">1:1</button></div></div>',
            compact_note,
            topology_legend,
            f'<div class="scroll topo-wrap" id="topology-view">{topology_svg(model)}</div></section>',
            '<section id="address-pools"><h2>Address pools</h2>',
            '<p class="sub">Each pool row by row (the top bar is the whole pool to scale); each spoke with its subnets '
            "along its bottom edge; hatched blocks are free. Runs of free rows are folded into one band.</p>",
            f'<div class="legend">{type_legend}<span class="lg"><span class="sw sn-sw"></span>subnets</span>'
            '<span class="lg"><span class="sw free-sw"></span>free block</span></div>',
            "".join(pool_blocks) or '<p class="note">The plan has no address pools.</p>',
            "</section>",
            f'<section id="projects"><h2>Projects</h2>{projects_table(model)}</section>',
            f'<section id="policy"><h2>Policy findings</h2>'
            f'<p class="sub">{mandatory} mandatory (block the deployment) and {advisory} advisory.</p>{findings_section(model)}</section>',
            "</main>",
            '<footer class="wrap">Written by <code>aifactory plan --html</code>. Self-contained: opens offline, loads nothing.</footer>',
            _PATTERNS,
            f"<script>{_SCRIPT}</script></body></html>\n",
        ]
    )


_PATTERNS = (
    '<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs>'
    '<pattern id="hatch" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
    '<rect width="8" height="8" fill="#f8fafc"/><line x1="0" y1="0" x2="0" y2="8" stroke="#dbe2ea" stroke-width="3"/>'
    "</pattern></defs></svg>"
)


def _css() -> str:
    """The page's style; per-type colours come from :data:`PALETTE` as classes ``t0``..``t8``."""
    types = "".join(f".t{i}{{--c:{c};--t:{t}}}" for i, (c, t) in enumerate(PALETTE))
    return types + _CSS


_CSS = """
*{box-sizing:border-box}
html{scroll-behavior:smooth}
body{margin:0;background:#f3f5f9;color:#0f172a;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans","DejaVu Sans",sans-serif}
code,.mono,.map-addr,.map-free,.blk-cidr,.sp-cidr,.hub-cidr,.hub-subnets{font-family:ui-monospace,"SFMono-Regular","Cascadia Mono",Menlo,Consolas,"DejaVu Sans Mono",monospace}
.wrap{max-width:1320px;margin:0 auto;padding:0 30px}
header.top{background:linear-gradient(120deg,#0b1220,#1e293b);color:#e2e8f0;padding:22px 0 0;margin-bottom:22px}
.brand{font-size:12px;letter-spacing:.12em;text-transform:uppercase;color:#94a3b8}
h1{margin:4px 0 2px;font-size:26px;font-weight:650;color:#fff}
h1 span{color:#7dd3fc}
.meta{color:#cbd5e1;font-size:13px}
nav{display:flex;gap:4px;margin-top:14px}
nav a{color:#cbd5e1;text-decoration:none;padding:8px 12px;border-radius:8px 8px 0 0;font-size:13px}
nav a:hover{background:#f3f5f9;color:#0f172a}
section{background:#fff;border:1px solid #e2e8f0;border-radius:12px;padding:18px 20px;margin-bottom:20px;box-shadow:0 1px 2px rgba(15,23,42,.04)}
section.stats{background:none;border:0;box-shadow:none;padding:0}
h2{margin:0 0 4px;font-size:18px}
h3{margin:0;font-size:15px}
.sub{margin:0 0 12px;color:#64748b}
.note{color:#475569;background:#f8fafc;border-left:3px solid #94a3b8;padding:6px 10px;margin:0 0 10px}
.stats{display:flex;flex-wrap:wrap;gap:12px;margin-bottom:20px}
.stat{flex:1 1 150px;background:#fff;border:1px solid #e2e8f0;border-radius:10px;padding:12px 14px}
.stat-n{font-size:24px;font-weight:650}
.stat-n small{font-size:14px;color:#64748b;font-weight:500}
.stat-l{color:#64748b;font-size:12.5px}
.stat.bad .stat-n{color:#b91c1c}
.stat.added .stat-n{color:#15803d}.stat.changed .stat-n{color:#b45309}.stat.removed .stat-n{color:#b91c1c}
.bar{height:6px;background:#e2e8f0;border-radius:3px;margin-top:6px;overflow:hidden}
.bar span{display:block;height:100%;background:#2563eb;min-width:2px}
.bar.big{width:220px;height:10px;margin:0}
.toolbar{display:flex;flex-wrap:wrap;align-items:center;gap:10px 16px;margin-bottom:10px}
.legend{display:flex;flex-wrap:wrap;gap:6px 16px;align-items:center;font-size:13px;color:#334155;margin-bottom:8px}
.section-head{display:flex;justify-content:space-between;align-items:flex-start;gap:12px;flex-wrap:wrap}
.lg{display:inline-flex;align-items:center;gap:6px}
.sw{width:14px;height:14px;border-radius:3px;background:var(--t);border:2px solid var(--c);display:inline-block}
.sw.st-added{background:#dcfce7;border-color:#16a34a}.sw.st-changed{background:#fef3c7;border-color:#d97706}
.sw.st-removed{background:#fee2e2;border:2px dashed #dc2626}
.sw.sn-sw{background:#475569;border-color:#475569}.sw.free-sw{background:repeating-linear-gradient(45deg,#f8fafc 0 3px,#dbe2ea 3px 6px);border-color:#cbd5e1}
.ln{width:26px;border-top:2px solid #64748b;display:inline-block}.ln.dashed{border-top-style:dashed;border-color:#94a3b8}
.zoom{display:flex;align-items:center;gap:6px}
.zoom button{border:1px solid #cbd5e1;background:#fff;border-radius:6px;min-width:32px;height:30px;font:inherit;cursor:pointer}
.zoom button:hover{background:#f1f5f9}
#zoom-level{min-width:44px;text-align:center;color:#475569;font-size:13px}
input[type=search]{border:1px solid #cbd5e1;border-radius:6px;height:30px;padding:0 10px;font:inherit;min-width:260px}
.count,.hint{color:#64748b;font-size:12px}
.scroll{overflow:auto;border:1px solid #e2e8f0;border-radius:10px;background:#fbfcfe}
.topo-wrap{max-height:78vh}
.scroll svg{display:block;max-width:none}
.ok-box{background:#f0fdf4;border:1px solid #bbf7d0;color:#166534;padding:10px 12px;border-radius:8px;margin:0}
/* topology */
.trunk,.bus,.peer{stroke:#64748b;stroke-width:2;fill:none}
.peer.unpeered{stroke:#94a3b8;stroke-dasharray:4 3}
.peer.added{stroke:#16a34a;stroke-width:3}.peer.changed{stroke:#d97706}.peer.removed{stroke:#dc2626;stroke-dasharray:5 4}
.hub-box{fill:#0f172a;stroke:#0f172a}.hub-box.external{fill:#334155;stroke-dasharray:6 4;stroke:#94a3b8}
.hub.changed .hub-box{stroke:#f59e0b;stroke-width:4}
.hub-kicker{fill:#7dd3fc;font-size:12px;font-weight:700;letter-spacing:.1em}
.hub-name{fill:#fff;font-size:15px;font-weight:650}
.hub-cidr{fill:#7dd3fc;font-size:15px;font-weight:600}
.hub-meta{fill:#cbd5e1;font-size:12px}
.hub-subnets{fill:#94a3b8;font-size:11px}
.chip rect{fill:#1e293b;stroke:#475569}.chip.on rect{fill:#7c2d12;stroke:#fb923c}
.chip-text{fill:#e2e8f0;font-size:12px}.chip.off .chip-text{fill:#94a3b8}
.group-box{fill:#f8fafc;stroke:#dbe2ea}
.group.removed .group-box{fill:#fff7f7;stroke:#fecaca;stroke-dasharray:6 4}
.group-title{fill:#334155;font-size:13px;font-weight:600}
.spoke .card{fill:#fff;stroke:#cbd5e1;stroke-width:1.2}
.spoke .stripe{fill:var(--c)}
.spoke:hover .card,.spoke.hl .card{stroke:var(--c);stroke-width:2.5}
.spoke.added .card{fill:#f0fdf4;stroke:#16a34a;stroke-width:2.5}
.spoke.changed .card{fill:#fffbeb;stroke:#d97706;stroke-width:2}
.spoke.removed .card{fill:#fef2f2;stroke:#dc2626;stroke-width:2;stroke-dasharray:5 4}
.spoke.removed .sp-name{text-decoration:line-through;fill:#991b1b}
.spoke.dim{opacity:.25}
.sp-name{fill:#0f172a;font-size:14px;font-weight:650}
.sp-cidr{fill:#1d4ed8;font-size:13px;font-weight:600}
.sp-meta{fill:#475569;font-size:11.5px}
.sp-badge{font-size:11.5px;font-weight:700;fill:#b45309}
.spoke.added .sp-badge{fill:#15803d}.spoke.removed .sp-badge{fill:#b91c1c}
.type-pill{fill:var(--t);stroke:var(--c);stroke-width:.8}
.type-text{fill:var(--c);font-size:11px;font-weight:600}
.topo.compact .sp-name{font-size:12px}
.topo.compact .sp-cidr{font-size:11px;font-weight:500}
.topo.compact .sp-badge{font-size:13px}
/* address maps */
.pool{margin-top:16px}
.pool-head{display:flex;align-items:center;justify-content:space-between;gap:12px;flex-wrap:wrap}
.util{display:flex;align-items:center;gap:10px}
.pool-meta{color:#475569;margin:4px 0 8px;font-size:13px}
.map{max-height:70vh}
.ov-bg{fill:#e2e8f0}.ov{fill:var(--c)}
.row-bg{fill:#fff;stroke:#e2e8f0}
.map-addr{fill:#334155;font-size:11px}.map-addr.dim{fill:#94a3b8}
.free{fill:url(#hatch);stroke:#dbe2ea}
.map-free{fill:#64748b;font-size:11px}
.blk-box{fill:var(--t);stroke:var(--c);stroke-width:1.2}
.blk:hover .blk-box,.blk.hl .blk-box{stroke-width:3}
.blk.other .blk-box{fill:#f1f5f9;stroke:#94a3b8;stroke-dasharray:4 3}.blk.other .sn0,.blk.other .sn1{fill:#94a3b8}
.blk.added .blk-box{stroke:#16a34a;stroke-width:3}.blk.changed .blk-box{stroke:#d97706;stroke-width:2.5}
.blk-name{fill:#0f172a;font-size:11px;font-weight:650}
.blk-cidr{fill:#334155;font-size:11px}
.sn0{fill:var(--c);opacity:.85}.sn1{fill:var(--c);opacity:.6}
.sn-text{fill:#fff;font-size:11px;font-weight:600}
/* tables */
.table-wrap{overflow:auto;max-height:80vh;border:1px solid #e2e8f0;border-radius:10px}
table{border-collapse:collapse;width:100%;font-size:13px}
th{position:sticky;top:0;background:#f1f5f9;text-align:left;padding:8px 10px;border-bottom:1px solid #e2e8f0;cursor:pointer;white-space:nowrap;user-select:none}
th:hover{background:#e2e8f0}
th[aria-sort=ascending]::after{content:" \\25B2";font-size:10px}
th[aria-sort=descending]::after{content:" \\25BC";font-size:10px}
td{padding:7px 10px;border-bottom:1px solid #eef2f6;vertical-align:top}
tr:hover td,tr.hl td{background:#f8fafc}
tr:target td{background:#eff6ff}
td.num{text-align:right;font-variant-numeric:tabular-nums}
td.name{font-weight:600;white-space:nowrap}
td.name .src{font-weight:400;font-size:11.5px;color:#64748b;margin-left:18px}
.small{font-size:12px;color:#64748b}
.dot{display:inline-block;width:10px;height:10px;border-radius:50%;background:var(--c);margin-right:8px}
.sn-chip{display:inline-block;background:#f1f5f9;border-radius:4px;padding:0 6px;margin:1px 4px 1px 0;font:12px ui-monospace,Menlo,Consolas,"DejaVu Sans Mono",monospace;white-space:nowrap}
.sn-chip b{font-weight:600;color:#334155}
tr.added td:first-child{box-shadow:inset 3px 0 #16a34a}tr.changed td:first-child{box-shadow:inset 3px 0 #d97706}
tr.removed td:first-child{box-shadow:inset 3px 0 #dc2626}tr.removed td{color:#991b1b}
.badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600;white-space:nowrap}
.badge.added{background:#dcfce7;color:#166534}.badge.changed{background:#fef3c7;color:#92400e}.badge.removed{background:#fee2e2;color:#991b1b}
.badge.mandatory{background:#fee2e2;color:#991b1b}.badge.advisory{background:#fef3c7;color:#92400e}
code.key{display:inline-block;background:#fef3c7;border-radius:4px;padding:0 5px;margin:1px 4px 1px 0;font-size:12px}
.added-note b{color:#15803d}.removed-note b{color:#b91c1c}
td.msg{max-width:640px}
footer{color:#94a3b8;font-size:12px;padding:4px 30px 30px}
@media print{.toolbar,nav{display:none}.scroll,.table-wrap{max-height:none;overflow:visible}}
"""

_SCRIPT = r"""
(function () {
  "use strict";
  function all(selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); }

  // Sortable tables: a header click sorts by the cells' data-sort (numbers, addresses) or their text.
  function key(cell) { var v = cell.getAttribute("data-sort"); return v === null ? cell.textContent.trim().toLowerCase() : v; }
  function sortBy(table, th, index) {
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    all("th", table).forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var numeric = th.hasAttribute("data-numeric");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a.cells[index]), y = key(b.cells[index]);
      var r = numeric ? (parseFloat(x) || 0) - (parseFloat(y) || 0) : (x < y ? -1 : x > y ? 1 : 0);
      return ascending ? r : -r;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }
  all("table.sortable").forEach(function (table) {
    all("th", table).forEach(function (th, index) {
      th.tabIndex = 0;
      th.addEventListener("click", function () { sortBy(table, th, index); });
      th.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sortBy(table, th, index); }
      });
    });
  });

  // Filters: every word typed must appear in the row.
  all("input[data-filter]").forEach(function (input) {
    var table = document.getElementById(input.getAttribute("data-filter"));
    var counter = document.getElementById(input.getAttribute("data-count"));
    if (!table) { return; }
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var texts = rows.map(function (row) { return row.textContent.toLowerCase(); });
    input.addEventListener("input", function () {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      rows.forEach(function (row, i) {
        var match = words.every(function (w) { return texts[i].indexOf(w) >= 0; });
        row.hidden = !match;
        if (match) { shown += 1; }
      });
      if (counter) { counter.textContent = shown + " of " + rows.length; }
    });
  });

  // Topology: zoom (the diagram scrolls at 100 %, so labels keep their size) and find.
  var svg = document.getElementById("topology-svg");
  var view = document.getElementById("topology-view");
  var level = document.getElementById("zoom-level");
  if (svg && view) {
    var box = svg.viewBox.baseVal, scale = 1;
    var apply = function () {
      svg.setAttribute("width", String(Math.round(box.width * scale)));
      svg.setAttribute("height", String(Math.round(box.height * scale)));
      if (level) { level.textContent = Math.round(scale * 100) + "%"; }
    };
    all("button[data-zoom]").forEach(function (button) {
      button.addEventListener("click", function () {
        var how = button.getAttribute("data-zoom");
        if (how === "in") { scale = Math.min(scale * 1.25, 4); }
        else if (how === "out") { scale = Math.max(scale / 1.25, 0.1); }
        else if (how === "fit") { scale = Math.min(1, (view.clientWidth - 2) / box.width, (view.clientHeight - 2) / box.height); }
        else { scale = 1; }
        apply();
      });
    });
    var find = document.getElementById("topology-find");
    var spokes = all(".spoke", svg);
    if (find) {
      find.addEventListener("input", function () {
        var q = find.value.trim().toLowerCase(), first = null;
        spokes.forEach(function (g) {
          var match = !q || (g.getAttribute("data-project") + " " + g.getAttribute("data-cidr")).indexOf(q) >= 0;
          g.classList.toggle("dim", !match);
          if (match && q && !first) { first = g; }
        });
        if (first) { first.scrollIntoView({ block: "nearest", inline: "nearest" }); }
      });
    }
  }

  // Hovering a project anywhere highlights it everywhere (diagram, address map, table).
  var lit = null;
  document.addEventListener("mouseover", function (event) {
    var target = event.target && event.target.closest ? event.target.closest("[data-project]") : null;
    var name = target ? target.getAttribute("data-project") : null;
    if (name === lit) { return; }
    all(".hl").forEach(function (el) { el.classList.remove("hl"); });
    lit = name;
    if (name) { all('[data-project="' + CSS.escape(name) + '"]').forEach(function (el) { el.classList.add("hl"); }); }
  });
})();
"""
