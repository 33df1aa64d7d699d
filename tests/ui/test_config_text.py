"""Finding a job's section and the search matches in a config's text (the Config screen's
``C`` at a job and ``/``)."""

from __future__ import annotations

from circletui.ui.screens.config import find_matches, job_line

CONFIG = """\
version: 2.1
# jobs: in a comment is not the section
orbs:
  node: circleci/node@5
jobs:
  build:
    docker:
      - image: cimg/node:20.0
  "unit-tests":
    steps:
      - run:
          name: build
workflows:
  main:
    jobs:
      - build
"""


def test_a_job_is_found_under_the_top_level_jobs_only() -> None:
    assert job_line(CONFIG, "build") == 6
    assert job_line(CONFIG, "unit-tests") == 9  # quoted keys too
    assert job_line(CONFIG, "main") is None  # a workflow, not a job
    assert job_line(CONFIG, "node") is None  # an orb
    assert job_line("", "build") is None


def test_matches_are_case_insensitive_in_reading_order() -> None:
    assert find_matches(CONFIG, "BUILD") == [(6, 2, 7), (12, 16, 21), (16, 8, 13)]
    assert find_matches(CONFIG, "") == []
    assert find_matches(CONFIG, "a.b") == []  # a plain string, not a pattern
