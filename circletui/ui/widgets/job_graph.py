"""``JobGraph``: a workflow's jobs drawn as a DAG of boxes joined by box-drawing connectors.

Placement comes from ``circletui.graph``; this module only turns a ``Layout`` into terminal
lines. It is a Line API widget (``ScrollView`` + ``render_line``): only visible lines are
built, and each built line is cached until the jobs, the selection or the styles change, so
a 500-job workflow scrolls as cheaply as a 5-job one.

Geometry: a grid row is four lines (a three-line box, then a blank line); connectors leave a
box on its middle line and run through the gutter between two columns as vertical lanes.
Colours come from component classes (``job-graph--failed`` ...) so the app's .tcss themes them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size, Spacing
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from circletui import status as job_status
from circletui.api.models import Job
from circletui.graph import Direction, Gutter, Layout, NodePos, layout
from circletui.timefmt import elapsed, format_duration
from circletui.ui.text import clean

ROW_LINES = 4
BOX_LINES = 3
MARGIN = 1
BOX_WIDTH = 22
MIN_BOX_WIDTH = 14
# A gutter wider than this many lanes shares its last track: the graph stays on screen at the
# cost of merging some lines, which is the better trade for a very wide fan.
TRACK_CAP = 8
COMPACT_TRACK_CAP = 4
ARROW = "▶"

_N, _S, _W, _E = 1, 2, 4, 8
_LINES = {
    0: " ",
    _N: "│",
    _S: "│",
    _N | _S: "│",
    _W: "─",
    _E: "─",
    _W | _E: "─",
    _N | _E: "╰",
    _N | _W: "╯",
    _S | _E: "╭",
    _S | _W: "╮",
    _N | _S | _E: "├",
    _N | _S | _W: "┤",
    _W | _E | _S: "┬",
    _W | _E | _N: "┴",
    _N | _S | _W | _E: "┼",
}


@dataclass(frozen=True, slots=True)
class _Frame:
    """The characters of a box border."""

    top_left: str
    horizontal: str
    top_right: str
    vertical: str
    exit: str  # the right border where a connector leaves
    bottom_left: str
    bottom_right: str


_BUILD_FRAME = _Frame("╭", "─", "╮", "│", "├", "╰", "╯")
# Approval jobs get a double border (and a label) so a hold stands out without colour.
_APPROVAL_FRAME = _Frame("╔", "═", "╗", "║", "╟", "╚", "╝")
_APPROVAL_LABEL = " approval "


def _mid(row: int) -> int:
    """The line a connector uses for grid row ``row``."""
    return row * ROW_LINES + 1


def _gutter_width(tracks: int, spacing: int, cap: int) -> int:
    tracks = min(tracks, cap)
    return 3 if tracks == 0 else 4 + (tracks - 1) * spacing


@dataclass(slots=True)
class _GutterPlan:
    """One gutter's connectors in line coordinates, built once per layout and width."""

    width: int
    verticals: list[tuple[int, int, int]] = field(default_factory=list)  # first, last, x
    runs: dict[int, list[tuple[int, int]]] = field(default_factory=lambda: defaultdict(list))
    joints: dict[int, list[tuple[int, int]]] = field(default_factory=lambda: defaultdict(list))
    arrows: set[int] = field(default_factory=set)
    exits: set[int] = field(default_factory=set)  # rows of the left column with a connector

    def text(self, y: int) -> str:
        width = self.width
        vertical = [0] * width
        horizontal = [0] * width
        joint = [0] * width
        for first, last, x in self.verticals:
            if first < y < last:
                vertical[x] = _N | _S
        for start, end in self.runs.get(y, ()):
            for x in range(start, end):
                horizontal[x] = _W | _E
        for x, mask in self.joints.get(y, ()):
            joint[x] |= mask
        chars = []
        for x in range(width):
            if joint[x]:
                mask = joint[x] | vertical[x] | horizontal[x]
            elif vertical[x] and horizontal[x]:
                # A crossing, not a junction: the vertical is drawn unbroken so the two lines
                # do not read as connected.
                mask = _N | _S
            else:
                mask = vertical[x] | horizontal[x]
            chars.append(_LINES[mask])
        if y in self.arrows:
            chars[-1] = ARROW
        return "".join(chars)


def _plan_gutter(
    gutter: Gutter, column: int, graph: Layout, width: int, spacing: int, cap: int
) -> _GutterPlan:
    plan = _GutterPlan(width)
    for lane in gutter.lanes:
        plan.exits.update(lane.sources)
        for row in lane.targets:
            if graph.job_at(column + 1, row) is not None:
                plan.arrows.add(_mid(row))
        if lane.straight:
            plan.runs[_mid(lane.sources[0])].append((0, width))
            continue
        x = 1 + min(lane.track, cap - 1) * spacing
        top, bottom = _mid(lane.top), _mid(lane.bottom)
        plan.verticals.append((top, bottom, x))
        for rows, run, side in ((lane.sources, (0, x), _W), (lane.targets, (x + 1, width), _E)):
            for row in rows:
                y = _mid(row)
                plan.runs[y].append(run)
                plan.joints[y].append(
                    (x, side | (_N if y > top else 0) | (_S if y < bottom else 0))
                )
    return plan


@dataclass(frozen=True, slots=True)
class _Geometry:
    box_width: int
    column_x: tuple[int, ...]
    gutters: tuple[_GutterPlan, ...]
    size: Size

    def column_at(self, x: int) -> int | None:
        for column, left in enumerate(self.column_x):
            if left <= x < left + self.box_width:
                return column
        return None


def _geometry(graph: Layout, available: int) -> _Geometry:
    """Boxes and gutters at full size if they fit in ``available`` cells, else compact."""
    columns = len(graph.columns)
    spacing, cap, box = 2, TRACK_CAP, BOX_WIDTH
    widths = [_gutter_width(g.tracks, spacing, cap) for g in graph.gutters]
    if available > 0 and 2 * MARGIN + sum(widths) + columns * box > available:
        spacing, cap = 1, COMPACT_TRACK_CAP
        widths = [_gutter_width(g.tracks, spacing, cap) for g in graph.gutters]
        room = available - 2 * MARGIN - sum(widths)
        box = max(MIN_BOX_WIDTH, min(BOX_WIDTH, room // max(columns, 1)))
    column_x = []
    x = MARGIN
    for column in range(columns):
        column_x.append(x)
        x += box + (widths[column] if column < len(widths) else 0)
    plans = tuple(
        _plan_gutter(gutter, column, graph, widths[column], spacing, cap)
        for column, gutter in enumerate(graph.gutters)
    )
    height = max(graph.height * ROW_LINES - 1, 0)
    return _Geometry(box, tuple(column_x), plans, Size(x + MARGIN if columns else 0, height))


class JobGraph(ScrollView, can_focus=True):
    """A workflow's jobs as a navigable DAG.

    Feed it with ``set_jobs``; arrow keys (and h/j/k/l) follow the edges, Enter or a click on
    the selected box posts ``JobSelected``, and every selection change posts
    ``JobHighlighted``.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left,h", "move('left')", "Dependency", show=False, id="graph-left"),
        Binding("right,l", "move('right')", "Dependent", show=False, id="graph-right"),
        Binding("up,k", "move('up')", "Previous job", show=False, id="graph-up"),
        Binding("down,j", "move('down')", "Next job", show=False, id="graph-down"),
        Binding("g,home", "first", "First job", show=False, id="graph-first"),
        Binding("G,end", "last", "Last job", show=False, id="graph-last"),
        Binding("enter", "select", "Open job", id="graph-open"),
        Binding("space", "toggle_mark", "Mark job", show=False, id="graph-mark"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "job-graph--edge",
        "job-graph--name",
        "job-graph--duration",
        "job-graph--approval",
        "job-graph--selected",
        "job-graph--marked",
        *(f"job-graph--{c.replace('_', '-')}" for c in job_status.CATEGORIES),
    }

    DEFAULT_CSS = """
    JobGraph {
        height: 1fr;
        & > .job-graph--edge { color: $text-muted; }
        & > .job-graph--name { color: $foreground; }
        & > .job-graph--duration { color: $text-muted; }
        & > .job-graph--approval { text-style: bold; }
        & > .job-graph--success { color: $success; }
        & > .job-graph--failed { color: $error; }
        & > .job-graph--running { color: $accent; }
        & > .job-graph--queued { color: $text-muted; }
        & > .job-graph--on-hold { color: $warning; }
        & > .job-graph--blocked { color: $text-muted; }
        & > .job-graph--canceled { color: $text-muted; }
        & > .job-graph--not-run { color: $text-disabled; }
        & > .job-graph--unknown { color: $text-muted; }
        & > .job-graph--marked { color: $secondary; text-style: bold; }
        & > .job-graph--selected { background: $block-cursor-blurred-background; }
        &:focus > .job-graph--selected {
            background: $block-cursor-background;
            text-style: bold;
        }
    }
    """

    class _JobMessage(Message):
        def __init__(self, job_graph: JobGraph, job: Job) -> None:
            super().__init__()
            self.job_graph = job_graph
            self.job = job

        @property
        def control(self) -> JobGraph:
            return self.job_graph

    class JobHighlighted(_JobMessage):
        """The selection moved to ``job``."""

    class JobSelected(_JobMessage):
        """``job`` was chosen (Enter, a double click or a click on the selected box)."""

    class MarksChanged(Message):
        """The set of marked jobs changed (Space)."""

        def __init__(self, job_graph: JobGraph, marked: frozenset[str]) -> None:
            super().__init__()
            self.job_graph = job_graph
            self.marked = marked

        @property
        def control(self) -> JobGraph:
            return self.job_graph

    selected_id: reactive[str | None] = reactive(None)
    """The id of the selected job, or ``None`` when there are no jobs."""

    marked: reactive[frozenset[str]] = reactive(frozenset)
    """Jobs marked with Space (for "rerun the marked jobs"); ids no longer shown drop out."""

    def __init__(
        self,
        jobs: Sequence[Job] = (),
        *,
        now: datetime | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._jobs: dict[str, Job] = {}
        self._structure: tuple[tuple[str, tuple[str, ...]], ...] | None = None
        self._layout = Layout()
        self._geometry = _geometry(self._layout, 0)
        self._geometry_width = -1
        self._now: datetime | None = now
        self._lines: LRUCache[int, Strip] = LRUCache(1024)
        self._palette: dict[str, Style] | None = None
        if jobs:
            if now is None:
                # The widget never reads the wall clock, so snapshots stay stable.
                raise ValueError("JobGraph(jobs) needs now= for running jobs' durations")
            self.set_jobs(jobs, now=now)

    # -- data -------------------------------------------------------------------------------

    @property
    def graph_layout(self) -> Layout:
        """The current DAG layout (read-only use). ``Widget.layout`` is Textual's own."""
        return self._layout

    @property
    def jobs(self) -> list[Job]:
        return list(self._jobs.values())

    def ordered_ids(self) -> list[str]:
        """Every job id in reading order: column by column, top to bottom."""
        return self._layout.ordered_ids()

    @property
    def selected_job(self) -> Job | None:
        return self._jobs.get(self.selected_id) if self.selected_id else None

    def set_jobs(self, jobs: Sequence[Job], *, now: datetime) -> None:
        """Show ``jobs``; ``now`` is the clock for running jobs' durations.

        The layout is only recomputed when the ids or dependencies change, so a poll that only
        changes statuses is cheap. The selection stays on the same job id; if that job is
        gone it moves to the job nearest to where it was.
        """
        previous = self._layout.nodes.get(self.selected_id) if self.selected_id else None
        self._jobs = {}
        for job in jobs:
            self._jobs.setdefault(job.id, job)
        self._now = now
        structure = tuple((job.id, job.dependencies) for job in jobs)
        if structure != self._structure:
            self._structure = structure
            self._layout = layout(jobs)
            self._geometry_width = -1
            # The selected box may have moved; bring it back into view once laid out.
            self.call_after_refresh(self._scroll_to_selected)
        self._update_geometry()
        self._lines.clear()
        self.refresh()
        if self.marked - self._jobs.keys():
            self.marked = self.marked & self._jobs.keys()

        if self.selected_id in self._layout.nodes:
            return
        if previous is not None:
            self.selected_id = self._layout.nearest(previous)
        else:
            self.selected_id = self._layout.first()

    def _available_width(self) -> int:
        return self.scrollable_content_region.width if self.is_mounted else 0

    def _update_geometry(self) -> None:
        available = self._available_width()
        if available == self._geometry_width:
            return
        self._geometry_width = available
        geometry = _geometry(self._layout, available)
        if geometry != self._geometry:
            self._geometry = geometry
            self._lines.clear()
        self.virtual_size = geometry.size

    # -- Textual hooks ------------------------------------------------------------------------

    def on_mount(self) -> None:
        self._update_geometry()

    def on_resize(self, event: events.Resize) -> None:
        self._update_geometry()
        self.call_after_refresh(self._scroll_to_selected)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._palette = None
        self._lines.clear()

    def watch_has_focus(self, has_focus: bool) -> None:
        super().watch_has_focus(has_focus)
        # Focus changes only component styles (the selected box), which Textual does not
        # always report through notify_style_update.
        self.notify_style_update()
        self.refresh()

    def _redraw_boxes(self, job_ids) -> None:
        for job_id in job_ids:
            pos = self._layout.nodes.get(job_id) if job_id else None
            if pos is not None:
                for y in range(pos.row * ROW_LINES, pos.row * ROW_LINES + BOX_LINES):
                    self._lines.discard(y)
                    self.refresh_line(y)

    def watch_marked(self, old: frozenset[str], new: frozenset[str]) -> None:
        self._redraw_boxes(old ^ new)
        self.post_message(self.MarksChanged(self, new))

    def action_toggle_mark(self) -> None:
        job_id = self.selected_id
        if job_id is None or job_id not in self._jobs:
            return
        self.marked = self.marked ^ {job_id}

    def watch_selected_id(self, old: str | None, new: str | None) -> None:
        self._redraw_boxes((old, new))
        job = self._jobs.get(new) if new else None
        if job is not None:
            self._scroll_to_selected()
            self.post_message(self.JobHighlighted(self, job))

    # -- actions ------------------------------------------------------------------------------

    def action_move(self, direction: Direction) -> None:
        if self.selected_id not in self._layout.nodes:
            self.selected_id = self._layout.first()
            return
        target = self._layout.neighbour(self.selected_id, direction)
        if target is not None:
            self.selected_id = target

    def action_first(self) -> None:
        self.selected_id = self._layout.first()

    def action_last(self) -> None:
        self.selected_id = self._layout.last()

    def action_select(self) -> None:
        job = self.selected_job
        if job is not None:
            self.post_message(self.JobSelected(self, job))

    async def _on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        x, y = offset + self.scroll_offset
        job_id = self.job_at(x, y)
        if job_id is None:
            return
        event.stop()
        self.focus()
        if job_id == self.selected_id or event.chain >= 2:
            self.selected_id = job_id
            self.action_select()
        else:
            self.selected_id = job_id

    def job_at(self, x: int, y: int) -> str | None:
        """The id of the job whose box covers virtual cell ``(x, y)``."""
        row, line = divmod(y, ROW_LINES)
        if y < 0 or line >= BOX_LINES:
            return None
        column = self._geometry.column_at(x)
        return None if column is None else self._layout.job_at(column, row)

    def node_region(self, job_id: str) -> Region | None:
        """The box of ``job_id`` in virtual (scrollable) coordinates."""
        pos = self._layout.nodes.get(job_id)
        if pos is None:
            return None
        return self._box_region(pos)

    def _box_region(self, pos: NodePos) -> Region:
        x = self._geometry.column_x[pos.column]
        return Region(x, pos.row * ROW_LINES, self._geometry.box_width, BOX_LINES)

    def _scroll_to_selected(self) -> None:
        region = self.node_region(self.selected_id) if self.selected_id else None
        if region is None or not self.is_mounted or not self.size.width:
            return
        # Keep a little of the connectors around the box in view.
        self.scroll_to_region(region, spacing=Spacing(1, MARGIN + 2, 1, MARGIN + 2), animate=False)

    # -- rendering ----------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        line = y + scroll_y
        strip = self._lines.get(line)
        if strip is None:
            strip = self._render_full_line(line)
            self._lines.set(line, strip)
        return strip.crop_extend(scroll_x, scroll_x + self.size.width, self.rich_style)

    def _styles(self) -> dict[str, Style]:
        """Rich styles for the component classes, cached until the CSS or focus changes.

        Colour classes are used whole (Textual blends ``$text-muted``-style alphas into the
        full style only). ``selected`` and ``approval`` are overlays on a status colour, so
        they keep only what their CSS sets, with blended colours.
        """
        if self._palette is None:
            palette = {"base": self.rich_style}
            for name in self.COMPONENT_CLASSES:
                palette[name.removeprefix("job-graph--")] = self.get_component_rich_style(name)
            for overlay in ("selected", "approval"):
                name = f"job-graph--{overlay}"
                full = self.get_component_rich_style(name)
                partial = self.get_component_rich_style(name, partial=True)
                palette[overlay] = partial + Style(
                    color=full.color if partial.color else None,
                    bgcolor=full.bgcolor if partial.bgcolor else None,
                )
            self._palette = palette
        return self._palette

    def _render_full_line(self, y: int) -> Strip:
        geometry = self._geometry
        styles = self._styles()
        base, edge = styles["base"], styles["edge"]
        row, line = divmod(y, ROW_LINES)
        segments: list[Segment] = [Segment(" " * MARGIN, base)]
        box = geometry.box_width
        for column in range(len(self._layout.columns)):
            job_id = self._layout.job_at(column, row)
            job = self._jobs.get(job_id) if job_id is not None else None
            if job is not None and line < BOX_LINES:
                exits = column < len(geometry.gutters) and row in geometry.gutters[column].exits
                segments.extend(self._box_line(job, line, box, exits, styles))
            elif line == 1 and row in self._layout.passes[column]:
                segments.append(Segment("─" * box, edge))
            else:
                segments.append(Segment(" " * box, base))
            if column < len(geometry.gutters):
                segments.append(Segment(geometry.gutters[column].text(y), edge))
        segments.append(Segment(" " * MARGIN, base))
        return Strip(segments).simplify()

    def _box_line(
        self, job: Job, line: int, width: int, exits: bool, styles: dict[str, Style]
    ) -> list[Segment]:
        info = job_status.status_info(job.status)
        category = styles[info.category.replace("_", "-")]
        selected = job.id == self.selected_id
        frame = _APPROVAL_FRAME if job.is_approval else _BUILD_FRAME
        border = category + styles["approval"] if job.is_approval else category
        inner_style, name_style, duration_style = styles["base"], styles["name"], styles["duration"]
        if selected:
            highlight = styles["selected"]
            border += highlight
            category += highlight
            inner_style += highlight
            name_style += highlight
            duration_style += highlight
        inner = width - 2

        if line == 0:
            fits = job.is_approval and inner >= len(_APPROVAL_LABEL) + 2
            top = frame.horizontal + _APPROVAL_LABEL if fits else ""
            top += frame.horizontal * (inner - len(top))
            return [Segment(frame.top_left + top + frame.top_right, border)]

        if line == 2:
            duration = self._duration(job)
            label = f" {duration} " if duration and len(duration) + 4 <= inner else ""
            fill = frame.horizontal * (inner - len(label) - (1 if label else 0))
            if not label:
                return [Segment(frame.bottom_left + fill + frame.bottom_right, border)]
            return [
                Segment(frame.bottom_left + fill, border),
                Segment(label, duration_style),
                Segment(frame.horizontal + frame.bottom_right, border),
            ]

        # The name comes from the API: plain Text (never markup), controls stripped.
        name = Text(clean(job.name), no_wrap=True, end="")
        name.truncate(inner - 4, overflow="ellipsis", pad=True)
        marked = job.id in self.marked
        return [
            Segment(frame.vertical, border),
            # A mark reads without colour too: a diamond before the status glyph.
            Segment("◆", styles["marked"] + (styles["selected"] if selected else Style()))
            if marked else Segment(" ", inner_style),
            Segment(info.glyph, category),
            Segment(" ", inner_style),
            # Text.render leaves the base style to the caller.
            *Segment.apply_style(name.render(self.app.console), name_style),
            Segment(" ", inner_style),
            Segment(frame.exit if exits else frame.vertical, border),
        ]

    def _duration(self, job: Job) -> str:
        if job.started_at is None or self._now is None:
            return ""
        if job.stopped_at is None and job_status.is_finished(job.status):
            return ""  # finished without a stop time: a growing clock would be wrong
        return format_duration(elapsed(job.started_at, job.stopped_at, self._now))
