"""Snapshots of the job screen: a failed job's steps and output, its tests and artifacts, a
test's whole message, a running job's long log, and a project v1.1 cannot serve. Built like
production over the simulator with its ManualClock and a fixed seed (see harness.py), at
120x40 and 80x24."""

from __future__ import annotations

import pytest

from .harness import make_app, make_simulator, open_job, settle, sim_job

SIZES = [(120, 40), (80, 24)]
size_ids = pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")


def job_app(keys: tuple[str, ...] = (), **pick):
    """The app, and a run_before that opens the job ``pick`` selects and presses ``keys``."""
    sim = make_simulator()
    app = make_app(sim)
    job = sim_job(sim, **pick)

    async def run_before(pilot) -> None:
        await settle(pilot)
        await open_job(pilot, job)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)

    return app, run_before


FAILED = {"status": "failed", "name": "unit-tests", "parallel": True}


@size_ids
def test_failed_job_steps_and_output(snap_compare, size):
    app, run_before = job_app(**FAILED)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@size_ids
def test_failed_job_tests(snap_compare, size):
    app, run_before = job_app(("2",), **FAILED)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@size_ids
def test_failed_job_artifacts(snap_compare, size):
    app, run_before = job_app(("3",), **FAILED)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@size_ids
def test_failed_job_details(snap_compare, size):
    app, run_before = job_app(("4",), **FAILED)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


def test_test_message(snap_compare):
    app, run_before = job_app(("2", "enter"), **FAILED)
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


@size_ids
def test_running_job_long_output(snap_compare, size):
    app, run_before = job_app(status="running", name="integration-tests", slug="gh/acme/web")
    assert snap_compare(app, terminal_size=size, run_before=run_before)


def test_search_in_output(snap_compare):
    app, run_before = job_app(("slash", "m", "s", ")", "enter", "n"), **FAILED)
    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


def test_circleci_project_without_steps(snap_compare):
    app, run_before = job_app(status="failed", name="integration-tests", slug="circleci/")
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
