"""The pipelines list's columns at each width: the commit subject gets the room, the others
drop in the stated order, and the whole row fits."""

from __future__ import annotations

import pytest

from circletui.ui.pipeline_columns import CHROME, DROP_ORDER, pipeline_columns


def widths(width: int) -> dict[str, int]:
    return {key: w for key, _, w in pipeline_columns(width)}


@pytest.mark.parametrize("width", [60, 72, 80, 100, 120, 160, 200])
def test_the_subject_is_the_widest_column_and_the_row_fits(width):
    shown = widths(width)
    assert all(w <= shown["subject"] for w in shown.values())
    assert sum(w + 2 for w in shown.values()) + CHROME <= width


def test_at_120_columns_the_subject_gets_a_readable_width():
    shown = widths(120)
    assert shown["subject"] >= 34
    assert shown["subject"] >= 2 * shown["branch"]


def test_columns_drop_in_the_stated_order():
    assert DROP_ORDER == ("actor", "duration", "workflow", "branch")
    seen_dropped: list[str] = []
    for width in range(200, 59, -1):
        missing = [key for key in DROP_ORDER if key not in widths(width)]
        assert missing == list(DROP_ORDER[:len(missing)]), width
        seen_dropped = missing
    assert seen_dropped == list(DROP_ORDER)
    assert {"status", "pipeline", "subject", "age"} <= set(widths(60))


def test_at_80_columns_the_workflow_stays_and_the_subject_has_room():
    shown = widths(80)
    assert list(shown) == ["status", "pipeline", "branch", "workflow", "subject", "age"]
    assert shown["subject"] >= 16
