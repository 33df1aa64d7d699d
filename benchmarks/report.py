"""A figure, its baseline and its target; the table the suite prints and the JSON it writes."""

from __future__ import annotations

import json
import math
import operator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

_COMPARE = {"<=": operator.le, ">=": operator.ge}


@dataclass
class Figure:
    """One measured figure.

    ``target`` is checked against the value (``on="value"``) or against value / baseline
    (``on="ratio"``); a figure without a target is reported for information.
    """

    key: str
    name: str
    value: float | None
    unit: str
    baseline: float | None = None
    baseline_name: str = ""
    target: tuple[str, float] | None = None  # ("<=", 1.5)
    on: str = "value"  # or "ratio"
    note: str = ""
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.value is None or not self.baseline:
            return None
        return self.value / self.baseline

    @property
    def passed(self) -> bool | None:
        if self.target is None:
            return None
        checked = self.ratio if self.on == "ratio" else self.value
        if checked is None or (isinstance(checked, float) and math.isnan(checked)):
            return None
        op, limit = self.target
        return _COMPARE[op](checked, limit)

    def target_text(self) -> str:
        if self.target is None:
            return "-"
        op, limit = self.target
        unit = "x" if self.on == "ratio" else f" {self.unit}"
        return f"{op} {limit:g}{unit}"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["target"] = self.target_text() if self.target else None
        data["ratio"] = self.ratio
        data["passed"] = self.passed
        return data


def number(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    if value == 0:
        text = "0"
    elif abs(value) >= 100:
        text = f"{value:,.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    elif abs(value) >= 0.1:
        text = f"{value:.2f}"
    else:
        text = f"{value:.3g}"
    return f"{text} {unit}".rstrip()


def rows(figures: list[Figure]) -> list[tuple[str, ...]]:
    out = []
    for f in figures:
        baseline = number(f.baseline, f.unit)
        if f.baseline_name and f.baseline is not None:
            baseline = f"{baseline} ({f.baseline_name})"
        verdict = {True: "pass", False: "FAIL", None: "-"}[f.passed]
        ratio = f"{f.ratio:.2f}x" if f.ratio is not None else "-"
        out.append((f.name, number(f.value, f.unit), baseline, ratio, f.target_text(), verdict))
    return out


HEADER = ("figure", "value", "baseline", "ratio", "target", "pass")


def text_table(figures: list[Figure]) -> str:
    body = [HEADER, *rows(figures)]
    widths = [max(len(r[i]) for r in body) for i in range(len(HEADER))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in body]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(figures: list[Figure]) -> str:
    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(cell(c) for c in r) + " |" for r in rows(figures)]
    return "\n".join(lines)


def write_json(path: Path, figures: list[Figure], meta: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"meta": meta, "figures": [f.to_json() for f in figures]}
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n")
