"""Which columns the pipelines list shows at a given terminal width, and how wide each is.

The commit subject is what a developer reads first ("which change is this?"), so it takes
every cell the other columns leave; they get fixed widths that fit what they usually hold
(``✓ success``, ``web #1234``, a branch name's useful start). As the terminal narrows,
columns drop in a stated order, first to last: the actor (below 130 columns), the duration
(below 100), the workflow name (below 76), the branch (below 64). The status, pipeline,
subject and age always stay. Pure: width in, columns out.
"""

from __future__ import annotations

#: (key, title) in display order
ORDER: tuple[tuple[str, str], ...] = (
    ("status", "Status"),
    ("pipeline", "Pipeline"),
    ("branch", "Branch"),
    ("workflow", "Workflow"),
    ("subject", "Commit"),
    ("actor", "Actor"),
    ("age", "Age"),
    ("duration", "Duration"),
)

#: a column is shown from this terminal width up; absent means always
SHOWN_FROM: dict[str, int] = {"actor": 130, "duration": 100, "workflow": 76, "branch": 64}

#: the order columns go in as the terminal narrows (the README states it)
DROP_ORDER: tuple[str, ...] = tuple(sorted(SHOWN_FROM, key=SHOWN_FROM.__getitem__, reverse=True))

#: (wide, narrow) widths in cells; "wide" from 110 columns
WIDTHS: dict[str, tuple[int, int]] = {
    "status": (10, 10),
    "pipeline": (16, 12),
    "branch": (16, 12),
    "workflow": (14, 10),
    "actor": (12, 12),
    "age": (4, 4),
    "duration": (8, 8),
}
WIDE = 110

#: blank cells either side of every cell (the table's padding)
PADDING = 1
#: cells the table keeps for its vertical scrollbar and edges
CHROME = 4
#: the subject never gets less than this, even on a very narrow terminal
MIN_SUBJECT = 10


def pipeline_columns(width: int) -> list[tuple[str, str, int]]:
    """``(key, title, width)`` for each column shown at terminal ``width``, in order."""
    keys = [key for key, _ in ORDER if width >= SHOWN_FROM.get(key, 0)]
    widths = {key: WIDTHS[key][0 if width >= WIDE else 1] for key in keys if key != "subject"}
    used = sum(w + 2 * PADDING for w in widths.values()) + 2 * PADDING
    widths["subject"] = max(width - used - CHROME, MIN_SUBJECT)
    titles = dict(ORDER)
    return [(key, titles[key], widths[key]) for key in keys]
