"""The one generic builder of every project type: its foundation, then its services in dependency
order, each service's role rows from its spec, then the declared wiring between services.

A type adds nothing but data (a subnet template, the services it includes, wiring); a service adds
its spec and its build function. Nothing here knows any particular service.
"""

from __future__ import annotations

from aifactory.build.foundation import ProjectContext, ProjectFoundation
from aifactory.components.service import BuiltService, ServiceContext
from aifactory.core.spec import LAKE_TARGET, ServiceSpec, Wiring


def _grant_rows(spec: ServiceSpec, built: BuiltService, foundation: ProjectFoundation) -> None:
    """The spec's role matrix rows: every persona's roles on the service, for every person of it."""
    parent = foundation.context.parent
    for persona, people in foundation.grantees.items():
        for role in spec.roles.get(persona, ()):
            for grantee in people:
                built.component.grant_role(grantee, role, parent=parent)


def _wire(wiring: Wiring, built: dict[str, BuiltService], foundation: ProjectFoundation) -> None:
    source = built.get(wiring.source)
    if source is None or (wiring.target != LAKE_TARGET and wiring.target not in built):
        return  # one end is switched off in this environment
    identity = source.identities[wiring.identity]
    parent = foundation.context.parent
    if wiring.target == LAKE_TARGET:
        foundation.lake_area.grant_role(identity, wiring.role, parent=parent)
    else:
        built[wiring.target].component.grant_role(identity, wiring.role, parent=parent)


def build_project(context: ProjectContext) -> dict[str, object]:
    """Build one project; returns its contract outputs (the foundation's, and ``services.<key>.*``)."""
    factory, project = context.factory, context.project
    catalog = factory.catalog
    foundation = ProjectFoundation(context)
    placement, network = foundation.placement(), foundation.network()
    built: dict[str, BuiltService] = {}
    for key in catalog.build_order(project.services):
        spec = catalog.services[key]
        service_context = ServiceContext(
            name=f"{project.name}-{spec.abbreviation}",
            placement=placement,
            settings=project.settings[key],
            profile=context.platform.profile,
            network=network,
            tenant_id=context.platform.tenant_id,
            lake=context.platform.lake,
            lake_area=foundation.lake_area.filesystem,
            dns_zone_ids=context.platform.dns_zone_ids,
            protection=foundation.protection,
            component_settings=context.settings,
            parent=context.parent,
            built=dict(built),
            enabled=project.services,
        )
        built[key] = spec.load_builder()(service_context)
        _grant_rows(spec, built[key], foundation)
    for key in sorted(built):
        for wiring in catalog.services[key].wiring:
            _wire(wiring, built, foundation)
    for wiring in project.project_type.wiring:
        _wire(wiring, built, foundation)
    outputs = foundation.outputs()
    outputs["services"] = {key: dict(built[key].outputs) for key in sorted(built)}
    return outputs
