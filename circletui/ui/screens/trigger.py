"""The trigger dialog (``t``): start a pipeline for a project on a branch or tag, with typed
pipeline parameters, prefilled from what is selected.

``POST /project/{slug}/pipeline`` serves GitHub OAuth and Bitbucket projects (its description
in the API reference); GitLab and GitHub App projects (``circleci/<org-id>/<project-id>``
slugs) are triggered through a different endpoint, so for those the dialog says plainly that
they cannot be triggered from here yet, and offers no Trigger button.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from circletui.ui.text import clean

#: the types a pipeline parameter can have (the API reference: string, integer or boolean)
TYPES = ("string", "integer", "boolean")


@dataclass(frozen=True)
class TriggerRequest:
    """What the user asked for: the project, one of branch or tag, the parameters."""

    project_slug: str
    branch: str | None = None
    tag: str | None = None
    parameters: dict[str, str | int | bool] = field(default_factory=dict)


class ParameterError(ValueError):
    """A parameter's value does not read as its type."""


def parse_value(kind: str, text: str) -> str | int | bool:
    """``text`` as a ``kind`` parameter value ("true"/"false" for booleans, any whole number
    for integers); raises ``ParameterError`` with the reason."""
    if kind == "integer":
        try:
            return int(text.strip())
        except ValueError:
            raise ParameterError(f"{text!r} is not a whole number") from None
    if kind == "boolean":
        word = text.strip().lower()
        if word in ("true", "yes", "1"):
            return True
        if word in ("false", "no", "0"):
            return False
        raise ParameterError(f"{text!r} is not true or false")
    return text


def can_trigger(project_slug: str) -> bool:
    """Whether this project's pipelines can be triggered through the endpoint circletui uses."""
    parts = project_slug.split("/")
    return len(parts) == 3 and all(parts) and parts[0] in ("gh", "github", "bb", "bitbucket")


class ParameterRow(Horizontal):
    """One parameter: name, type, value."""

    def __init__(self, name: str = "", kind: str = "string", value: str = "") -> None:
        super().__init__(classes="trigger-parameter")
        self._initial = (name, kind, value)

    def compose(self) -> ComposeResult:
        name, kind, value = self._initial
        # Compact (borderless) fields: the dialog fits an 80x24 terminal.
        yield Input(name, placeholder="name", classes="parameter-name", compact=True)
        yield Select([(t, t) for t in TYPES], value=kind, allow_blank=False,
                     classes="parameter-type", compact=True)
        yield Input(value, placeholder="value", classes="parameter-value", compact=True)

    def read(self) -> tuple[str, str | int | bool] | None:
        """(name, typed value), None for an empty row; raises ``ParameterError``."""
        name = self.query_one(".parameter-name", Input).value.strip()
        text = self.query_one(".parameter-value", Input).value
        if not name and not text:
            return None
        if not name:
            raise ParameterError("a parameter has a value but no name")
        kind = str(self.query_one(".parameter-type", Select).value)
        try:
            return name, parse_value(kind, text)
        except ParameterError as error:
            raise ParameterError(f"{name}: {error}") from None


class TriggerScreen(ModalScreen[TriggerRequest | None]):
    """Returns the request, or None when the user backs out."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="trigger-cancel"),
        Binding("ctrl+s", "trigger", "Trigger", id="trigger-send"),
        Binding("ctrl+n", "add_parameter", "Add parameter", id="trigger-add-parameter"),
    ]

    def __init__(self, project_slug: str = "", branch: str | None = None,
                 tag: str | None = None) -> None:
        super().__init__()
        self.project_slug = project_slug
        self.branch = branch
        self.tag = tag

    def compose(self) -> ComposeResult:
        with Vertical(id="trigger-dialog"):
            yield Static("Trigger a pipeline", id="trigger-title")
            with Horizontal(classes="trigger-field"):
                yield Label("Project", classes="trigger-label")
                yield Input(self.project_slug, placeholder="gh/org/repo", id="trigger-project",
                            compact=True)
            with Horizontal(classes="trigger-field"):
                yield Select([("Branch", "branch"), ("Tag", "tag")],
                             value="tag" if self.tag is not None else "branch",
                             allow_blank=False, id="trigger-ref-kind", compact=True)
                yield Input(self.tag if self.tag is not None else (self.branch or ""),
                            placeholder="default branch when empty", id="trigger-ref-name",
                            compact=True)
            yield Label("Parameters (Ctrl+N adds one)")
            with VerticalScroll(id="trigger-parameters"):
                yield ParameterRow()
            yield Static("", id="trigger-problem")
            with Horizontal(id="trigger-buttons"):
                yield Button("Trigger (Ctrl+S)", variant="primary", id="trigger-send",
                             compact=True)
                yield Button("Cancel (Esc)", variant="default", id="trigger-cancel",
                             compact=True)

    def on_mount(self) -> None:
        for button in self.query(Button):
            button.can_focus = False
        self._check_project()
        self.query_one("#trigger-ref-name", Input).focus()

    @on(Input.Changed, "#trigger-project")
    def _project_changed(self) -> None:
        self._check_project()

    def _check_project(self) -> None:
        slug = self.query_one("#trigger-project", Input).value.strip()
        problem = ""
        if slug.startswith("circleci/"):
            problem = ("GitLab and GitHub App projects (circleci/… slugs) cannot be triggered "
                       "from here yet: CircleCI's trigger endpoint serves GitHub OAuth and "
                       "Bitbucket projects only.")
        elif slug and not can_trigger(slug):
            problem = "A project is gh/ORG/REPO or bb/ORG/REPO."
        self._show_problem(problem)
        self.query_one("#trigger-send", Button).display = not slug.startswith("circleci/")

    def _show_problem(self, problem: str) -> None:
        box = self.query_one("#trigger-problem", Static)
        # The slug may come from the API: plain text.
        box.update(clean(problem))
        box.display = bool(problem)

    def request(self) -> TriggerRequest:
        """What the form says; raises ``ParameterError`` (or ValueError) with the reason."""
        slug = self.query_one("#trigger-project", Input).value.strip()
        if not can_trigger(slug):
            raise ParameterError("this project cannot be triggered from here")
        ref = self.query_one("#trigger-ref-name", Input).value.strip()
        is_tag = self.query_one("#trigger-ref-kind", Select).value == "tag"
        if is_tag and not ref:
            raise ParameterError("a tag needs a name")
        parameters: dict[str, str | int | bool] = {}
        for row in self.query(ParameterRow):
            read = row.read()
            if read is not None:
                name, value = read
                if name in parameters:
                    raise ParameterError(f"{name} is given twice")
                parameters[name] = value
        return TriggerRequest(slug, branch=None if is_tag else (ref or None),
                              tag=ref if is_tag else None, parameters=parameters)

    def action_trigger(self) -> None:
        try:
            request = self.request()
        except ValueError as error:
            self._show_problem(str(error))
            return
        self.dismiss(request)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_add_parameter(self) -> None:
        row = ParameterRow()
        self.query_one("#trigger-parameters", VerticalScroll).mount(row)
        self.call_after_refresh(lambda: row.query_one(".parameter-name", Input).focus())

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_trigger()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "trigger-send":
            self.action_trigger()
        else:
            self.action_cancel()
