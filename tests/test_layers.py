"""The layers point one way: nothing below ``circletui.ui`` imports Textual, and no screen
talks HTTP itself."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "circletui"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def _core_files() -> list[Path]:
    return [p for p in PACKAGE.rglob("*.py") if "ui" not in p.relative_to(PACKAGE).parts]


def test_core_has_files_to_check():
    names = {p.relative_to(PACKAGE).as_posix() for p in _core_files()}
    assert {"api/client.py", "monitor/poller.py", "graph.py", "config.py"} <= names


def test_nothing_below_ui_imports_textual():
    offenders = {
        p.relative_to(PACKAGE).as_posix(): sorted(n for n in _imports(p) if n.split(".")[0] ==
                                                   "textual")
        for p in _core_files()
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_core_imports_without_loading_textual():
    code = (
        "import sys\n"
        "import circletui.api, circletui.monitor, circletui.graph, circletui.config\n"
        "import circletui.simulator, circletui.cli, circletui.watchcli, circletui.notify\n"
        "import circletui.gitremote, circletui.monitor.watch\n"
        "assert 'textual' not in sys.modules, sorted(m for m in sys.modules if 'textual' in m)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=PACKAGE.parent)


def test_screens_never_call_httpx():
    ui = PACKAGE / "ui"
    offenders = [p.name for p in ui.rglob("*.py") if "httpx" in _imports(p)]
    assert offenders == []


# -- the shape of ui/ -----------------------------------------------------------------------

SCREENS = ("pipelines", "workflow", "job", "approvals", "health", "flaky", "config")
TESTS = PACKAGE.parent / "tests"


def _ui_files() -> list[Path]:
    return sorted((PACKAGE / "ui").rglob("*.py"))


def test_screens_do_not_import_each_other():
    """A screen asks the app to open another (``OpenWorkflow``, ``OpenJob``); only the app
    builds screens, so no screen module depends on another."""
    offenders = {}
    for name in SCREENS:
        path = PACKAGE / "ui" / "screens" / f"{name}.py"
        found = {n for n in _imports(path) if n.startswith("circletui.ui.screens.")
                 and n.rsplit(".", 1)[1] in SCREENS}
        if found:
            offenders[name] = sorted(found)
    assert offenders == {}


def test_every_table_is_the_one_table_class():
    offenders = [
        p.relative_to(PACKAGE).as_posix() for p in _ui_files()
        if p.name != "table.py" and any(
            isinstance(node, ast.Call) and getattr(node.func, "id", None) == "DataTable"
            for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))))
    ]
    assert offenders == []


def test_every_worker_has_a_name_and_a_group():
    missing = []
    for path in _ui_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in ("work", "run_worker"):
                keys = {k.arg for k in node.keywords}
                if not {"name", "group"} <= keys:
                    missing.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert missing == []


def test_comments_cite_public_sources_not_documents_outside_the_repository():
    offenders = [
        p.relative_to(PACKAGE.parent).as_posix()
        for p in [*PACKAGE.rglob("*.py"), *TESTS.rglob("*.py")]
        if any(marker in p.read_text(encoding="utf-8")
               for marker in ("notes §", "circleci-api-notes", "shared/"))
        and p.name != "test_layers.py"
    ]
    assert offenders == []


def test_test_modules_share_helpers_through_helper_modules():
    """Helpers live in ``harness.py``/``rig.py``/``settle.py``; a test module imported by
    another would run its tests twice and tie unrelated files together."""
    offenders = []
    for path in TESTS.rglob("test_*.py"):
        for name in _imports(path):
            if name.rsplit(".", 1)[-1].startswith("test_"):
                offenders.append(f"{path.relative_to(TESTS)} imports {name}")
    assert offenders == []


#: the longest a screen module may grow: a screen composes widgets and routes data to them;
#: what a tab or a table does lives in ui/widgets/
SCREEN_LINES = 400
#: base.py holds what every screen shares (location, subscriptions, the confirmed actions)
BASE_SCREEN_LINES = 500
#: the job screen only routes; its tabs are widgets of their own in ui/widgets/
JOB_SCREEN_LINES = 320
JOB_SCREEN_METHODS = 35


def test_screens_stay_small_and_the_job_screen_only_routes():
    screens = PACKAGE / "ui" / "screens"
    lengths = {p.name: len(p.read_text(encoding="utf-8").splitlines())
               for p in screens.glob("*.py")}
    limits = {"base.py": BASE_SCREEN_LINES, "job.py": JOB_SCREEN_LINES}
    assert {name: n for name, n in lengths.items() if n > limits.get(name, SCREEN_LINES)} == {}
    tree = ast.parse((screens / "job.py").read_text(encoding="utf-8"))
    (job_screen,) = [n for n in tree.body if isinstance(n, ast.ClassDef)]
    methods = [n for n in job_screen.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    assert len(methods) <= JOB_SCREEN_METHODS
    # Its tabs' work (workers, tables, search) lives in the panes: the screen starts no worker
    # and builds no table.
    calls = {getattr(n.func, "attr", getattr(n.func, "id", None)) for n in ast.walk(job_screen)
             if isinstance(n, ast.Call)}
    assert not calls & {"work", "run_worker", "Table", "LogView", "SearchBar"}


def test_no_product_module_or_class_is_named_like_a_test():
    """pytest collects ``test_*.py`` files: a product module named so needs ``__test__ = False``
    hacks, and a test importing it looks like it imports another test module."""
    modules = [p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("test_*.py")]
    hacks = [p.relative_to(PACKAGE).as_posix() for p in (PACKAGE / "ui").rglob("*.py")
             if "__test__" in p.read_text(encoding="utf-8")]
    assert modules == [] and hacks == []
