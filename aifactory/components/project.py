"""Project: the component every resource of one project in one environment hangs from."""

from __future__ import annotations

from typing import Optional

import pulumi

from aifactory.components.base import ComponentSettings, FactoryComponent


class Project(FactoryComponent):
    """Groups a project's components so the plan and the console show one tree per project.

    Give it ``opts.providers`` (an azure-native provider for the project's subscription) and every
    Azure resource beneath it lands in that subscription.
    """

    def __init__(self, name: str, settings: ComponentSettings, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("aifactory:project:Project", name, settings, opts)

    def finish(self, outputs: dict[str, object]) -> None:
        self.register_outputs(outputs)
