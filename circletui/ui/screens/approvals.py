"""Pending approvals: every approval job on hold across the pipelines being watched.

``A`` opens it from anywhere; ``a`` approves the selected one, Enter opens its workflow.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from circletui.api.models import Job, Workflow
from circletui.monitor import PendingApproval
from circletui.timefmt import format_age
from circletui.ui.formatting import ref_of
from circletui.ui.messages import OpenWorkflow
from circletui.ui.screens.base import BaseScreen
from circletui.ui.text import safe
from circletui.ui.widgets.table import Table
from circletui.weburls import workflow_web_url


class ApprovalsScreen(BaseScreen):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="back"),
        Binding("a", "approve", "Approve", id="approve"),
        Binding("c", "cancel", "Cancel workflow", id="cancel"),
        Binding("enter", "open_workflow", "Open", id="open-workflow", show=False),
    ]
    KEY_ORDER = ("back", "approve", "cancel", "help")

    def __init__(self) -> None:
        super().__init__()
        self.approvals: list[PendingApproval] = []

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        yield Static("No approvals are waiting.", id="empty")
        yield Table(id="approvals", columns=(
            ("job", "Approval"), ("project", "Project"), ("number", "#"),
            ("branch", "Branch"), ("workflow", "Workflow"), ("waiting", "Waiting"),
        ))
        yield from self.compose_footer()

    def on_mount(self) -> None:
        table = self.query_one(Table)
        self.tui.approvals_signal.subscribe(self, self._on_approvals)
        self._on_approvals(self.tui.approval_feed.approvals if self.tui.approval_feed else [])
        table.focus()

    def location(self) -> list[str]:
        return ["Approvals"]

    def _on_approvals(self, approvals: list[PendingApproval]) -> None:
        table = self.query_one(Table)
        self.approvals = list(approvals)
        now = self.tui.now()
        table.replace_rows(
            (item.job.id, (
                Text("‖ ") + safe(item.job.name),
                safe(item.pipeline.project_slug),
                Text(str(item.pipeline.number)),
                safe(ref_of(item.pipeline)),
                safe(item.workflow.name),
                Text(format_age((now - item.waiting_since).total_seconds())
                     if item.waiting_since else ""),
            ))
            for item in self.approvals
        )
        self.query_one("#empty", Static).display = not self.approvals
        table.display = bool(self.approvals)
        self.selection_changed()

    def selected(self) -> PendingApproval | None:
        key = self.query_one(Table).selected_key
        return next((a for a in self.approvals if a.job.id == key), None)

    def selected_workflow(self) -> Workflow | None:
        item = self.selected()
        return item.workflow if item else None

    def selected_job(self) -> Job | None:
        item = self.selected()
        return item.job if item else None

    def selected_url(self) -> str | None:
        item = self.selected()
        if item is None:
            return None
        return workflow_web_url(self.tui.settings.host, item.pipeline.project_slug,
                                item.pipeline.number, item.workflow.id)

    @on(DataTable.RowHighlighted)
    def _highlight(self, event: DataTable.RowHighlighted) -> None:
        self.selection_changed()

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_workflow()

    def action_open_workflow(self) -> None:
        item = self.selected()
        if item is None:
            return
        self.post_message(OpenWorkflow(item.pipeline, item.workflow))
