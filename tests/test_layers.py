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
        "import circletui.simulator, circletui.cli\n"
        "assert 'textual' not in sys.modules, sorted(m for m in sys.modules if 'textual' in m)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=PACKAGE.parent)


def test_screens_never_call_httpx():
    ui = PACKAGE / "ui"
    offenders = [p.name for p in ui.rglob("*.py") if "httpx" in _imports(p)]
    assert offenders == []
