"""``ArtifactsPane``: the job screen's Artifacts tab, what the job stored (node, path, URL).

The screen sets ``items`` to the artifacts of each poll (see ``ListPane``) and asks
``selected`` which artifact's URL ``y``/``o`` copy or open while this tab is in front (the
screen's actions do the copying and opening: a pane never reaches into the app).
"""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive

from circletui.api.models import Artifact
from circletui.ui.text import linked, safe
from circletui.ui.widgets.list_pane import ListPane
from circletui.ui.widgets.table import Row


def artifacts_label(artifacts: tuple[Artifact, ...] | None, final: bool = True) -> Text:
    """``Artifacts 5``; no count while unknown (or none yet)."""
    if artifacts is None or (not artifacts and not final):
        return Text("Artifacts")
    return Text(f"Artifacts {len(artifacts)}")


class ArtifactsPane(ListPane):
    TITLE = "Artifacts"
    WHAT = "artifacts"
    COLUMNS = (("node", "Node"), ("path", "Path"), ("url", "URL"))

    items: reactive[tuple[Artifact, ...] | None] = reactive(None, init=False)

    @property
    def selected(self) -> Artifact | None:
        """The highlighted artifact."""
        artifacts = self.items or ()
        row = self.table.cursor_row
        return artifacts[row] if 0 <= row < len(artifacts) else None

    def label(self) -> Text:
        return artifacts_label(self.items, self.stage == "finished")

    def rows(self) -> list[Row]:
        return [
            # The path and the URL are hyperlinks (OSC 8): a click in the local terminal
            # opens the artifact where `o` on a remote machine cannot.
            (str(index), (Text(str(a.node_index), justify="right"),
                          linked(safe(a.path), a.url), linked(safe(a.url, "dim"), a.url)))
            for index, a in enumerate(self.items or ())
        ]
