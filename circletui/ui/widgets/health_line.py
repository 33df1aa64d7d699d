"""``HealthLine``: one line of Insights under the workflow screen's summary.

The workflow's success rate and median duration on the pipeline's branch over the last 7 days
(``Insights · main, last 7 days: 87% success ▲4%, median 4m 12s``), fetched once when the
screen opens, from the cache the Health screen shares (CircleCI refreshes these daily).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from circletui.api.errors import CircleCIError
from circletui.monitor.insights import window_label
from circletui.ui.insights_text import duration, percent, trend_text
from circletui.ui.text import clean

if TYPE_CHECKING:
    from circletui.ui.app import CircleTUI

WINDOW = "last-7-days"


class HealthLine(Static):
    def __init__(self, project_slug: str, branch: str | None, workflow_name: str, *,
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self.project_slug = project_slug
        self.branch = branch
        self.workflow_name = workflow_name

    def on_mount(self) -> None:
        self.run_worker(self._load(), name="health line", group="insights", exclusive=True,
                        exit_on_error=False)

    async def _load(self) -> None:
        app: CircleTUI = self.app  # type: ignore[assignment]
        where = f"{clean(self.branch or 'default branch')}, {window_label(WINDOW)}"
        text = Text()
        text.append("Insights", style="bold")
        text.append(f" · {where}: ")
        insights = app.insights
        try:
            metrics = await insights.workflow_metrics(self.project_slug, self.branch, WINDOW)
            mine = next((wf for wf in metrics if wf.name == self.workflow_name), None)
            summary = None
            if mine is not None and mine.metrics.total_runs:
                summary = await insights.workflow_summary(self.project_slug, self.workflow_name,
                                                          self.branch)
        except CircleCIError as error:
            text.append(f"unavailable ({clean(error.message)})", style="dim")
            self.update(text)
            return
        if mine is None or summary is None:
            text.append("no runs yet", style="dim")
        else:
            m = mine.metrics
            text.append(f"{percent(m.success_rate)} success")
            trend = trend_text("success_rate", summary.trends.get("success_rate"), app)
            if trend.plain:
                text.append(" ")
                text.append_text(trend)
            text.append(f", median {duration(m.median_duration_secs)}")
            text.append(f", {m.total_runs} runs", style="dim")
        text.no_wrap = True
        text.overflow = "ellipsis"
        self.update(text)
