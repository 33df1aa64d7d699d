"""Render an SVG of every screen from the demo into screenshots/: `python scripts/screenshots.py`.

The demo app is built by the production factory (``build_demo``) with a fixed clock and seed
and no new pipelines arriving, then driven with the same keys a person would press.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from textual.pilot import Pilot

# `tests.settle` is shared with the tests; the repository root makes it importable.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from circletui.config import Settings
from circletui.simulator import ManualClock
from circletui.ui.app import build_demo
from tests.settle import settle

OUT = Path(__file__).resolve().parents[1] / "screenshots"
SEED = 7


async def to_workflow(pilot: Pilot, status: str | None = None, name: str | None = None) -> None:
    await settle(pilot)
    screen = pilot.app.screen
    lines = screen.lines  # type: ignore[attr-defined]
    index = next(i for i, ln in enumerate(lines) if ln.workflow
                 and (status is None or ln.workflow.status == status)
                 and (name is None or ln.workflow.name == name))
    await pilot.press("g", *["j"] * index, "enter")
    await settle(pilot)


async def pipelines(pilot: Pilot) -> None:
    await settle(pilot)


async def graph(pilot: Pilot) -> None:
    await to_workflow(pilot, status="failing")


async def graph_approval(pilot: Pilot) -> None:
    await to_workflow(pilot, status="on_hold", name="build-and-test")
    await pilot.press("right", "right", "right")
    await settle(pilot)


async def job_list(pilot: Pilot) -> None:
    await to_workflow(pilot, status="failing")
    await pilot.press("v")
    await settle(pilot)


async def job(pilot: Pilot) -> None:
    """A failed test job of a still-running workflow: the first thing one opens after red."""
    await settle(pilot)
    world = pilot.app.simulator.world  # type: ignore[attr-defined]
    lines = pilot.app.screen.lines  # type: ignore[attr-defined]
    index, target = next(
        (i, j) for i, ln in enumerate(lines) if ln.workflow
        for j in world.jobs_of(ln.workflow.id) if j.status == "failed" and "test" in j.name
    )
    await pilot.press("g", *["j"] * index, "enter")
    await settle(pilot)
    await pilot.press("v")
    await settle(pilot)
    rows = [str(k.value) for k in pilot.app.screen.query_one("#job-list").rows]  # type: ignore
    await pilot.press("home", *["down"] * rows.index(target.id), "enter")
    await settle(pilot)


async def job_tests(pilot: Pilot) -> None:
    await job(pilot)
    await pilot.press("2")
    await settle(pilot)


async def job_artifacts(pilot: Pilot) -> None:
    await job(pilot)
    await pilot.press("3")
    await settle(pilot)


async def approvals(pilot: Pilot) -> None:
    await settle(pilot)
    await pilot.press("A")
    await settle(pilot)


async def confirm(pilot: Pilot) -> None:
    await to_workflow(pilot, status="failed")
    await pilot.press("r")
    await settle(pilot)


async def help_screen(pilot: Pilot) -> None:
    await to_workflow(pilot, status="failing")
    await pilot.press("question_mark")
    await settle(pilot)


async def to_api_main(pilot: Pilot) -> None:
    """The cursor on a successful build-and-test of gh/acme/api on main."""
    await settle(pilot)
    lines = pilot.app.screen.lines  # type: ignore[attr-defined]
    index = next(i for i, ln in enumerate(lines) if ln.workflow
                 and ln.pipeline.project_slug == "gh/acme/api" and ln.pipeline.branch == "main"
                 and ln.workflow.name == "build-and-test" and ln.workflow.status == "success")
    await pilot.press("g", *["j"] * index)
    await settle(pilot)


async def health(pilot: Pilot) -> None:
    await to_api_main(pilot)
    await pilot.press("H")
    await settle(pilot)


async def flaky_tests(pilot: Pilot) -> None:
    await to_api_main(pilot)
    await pilot.press("F")
    await settle(pilot)


async def config(pilot: Pilot) -> None:
    await to_workflow(pilot, status="failing")
    await pilot.press("C", "slash", *"image", "enter")
    await settle(pilot)


async def rerun_marked(pilot: Pilot) -> None:
    """Two jobs of a failed workflow marked with Space, J asking to rerun them."""
    await to_workflow(pilot, status="failed")
    await pilot.press("space", "right", "space", "J")
    await settle(pilot)


async def trigger(pilot: Pilot) -> None:
    await settle(pilot)
    await pilot.press("t")
    await settle(pilot)
    await pilot.press("ctrl+n")
    await settle(pilot)


async def watched(pilot: Pilot) -> None:
    """A running pipeline and a failed workflow watched with w, marked in the list."""
    await settle(pilot)
    await pilot.press("j", "w")
    await to_workflow(pilot, status="failed")
    await pilot.press("w", "escape")
    await settle(pilot)
    pilot.app.clear_notifications()
    await settle(pilot)


SHOTS: dict[str, Callable[[Pilot], Awaitable[None]]] = {
    "pipelines": pipelines,
    "workflow-graph": graph,
    "workflow-graph-approval": graph_approval,
    "workflow-list": job_list,
    "job": job,
    "job-tests": job_tests,
    "job-artifacts": job_artifacts,
    "approvals": approvals,
    "confirm-rerun": confirm,
    "help": help_screen,
    "health": health,
    "flaky-tests": flaky_tests,
    "config": config,
    "rerun-marked": rerun_marked,
    "trigger": trigger,
    "watched": watched,
}


async def shoot(name: str, steps, size: tuple[int, int]) -> Path:
    app = build_demo(Settings(demo=True), clock=ManualClock(), seed=SEED, live=False)
    async with app.run_test(size=size) as pilot:
        await steps(pilot)
        suffix = "" if size == (120, 40) else f"-{size[0]}x{size[1]}"
        path = OUT / f"{name}{suffix}.svg"
        app.save_screenshot(filename=path.name, path=str(path.parent))
    return path


async def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", help=f"which screens (default all: {', '.join(SHOTS)})")
    args = parser.parse_args(argv)
    OUT.mkdir(exist_ok=True)
    for name in args.names or SHOTS:
        for size in ((120, 40), (80, 24)):
            print(await shoot(name, SHOTS[name], size))


if __name__ == "__main__":
    asyncio.run(main())
