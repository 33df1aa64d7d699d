"""Layout of a workflow's job DAG on a grid: jobs in, positions and connector lanes out.

Pure and Textual-free so it can be tested and timed on its own. It is a small Sugiyama-style
layered layout:

1. drop dependencies on jobs that are not in the list and break cycles (a depth-first search
   in list order drops each back edge, so the result is deterministic);
2. put each job in the column of its longest dependency chain;
3. give every edge that skips columns a "pass-through" row in each column it crosses, shared
   by all long edges of the same dependency, so connectors never run through a job's box;
4. order each column by the barycenter of its neighbours, sweeping left and right a few times
   and keeping the order with the fewest crossings;
5. pull rows towards their neighbours' rows (keeping the order) so chains run straight and a
   fan-out is centred on its source;
6. route the connectors in each gutter between two columns as vertical lanes.

Rows are grid slots; a renderer chooses how many lines a slot takes.
"""

from __future__ import annotations

import gc
import heapq
import math
from bisect import bisect_right, insort
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from circletui.api.models import Job

Direction = Literal["left", "right", "up", "down"]

# Ordering sweeps; each is linear in the size of the graph, and a workflow rarely improves
# after the first few.
_SWEEPS = 4
# Passes of the row-straightening step.
_ROW_PASSES = 4
# How hard a link pulls rows together, by how many of its two ends are pass-throughs.
_LINK_WEIGHT = (1.0, 0.5, 4.0)


@dataclass(frozen=True, slots=True)
class NodePos:
    """A job's grid cell. ``row`` is a slot: rows of one column can have gaps between them."""

    column: int
    row: int


@dataclass(frozen=True, slots=True)
class Edge:
    """``dst_id`` depends on ``src_id``: drawn from left to right."""

    src_id: str
    dst_id: str


@dataclass(frozen=True, slots=True)
class Lane:
    """A connector in the gutter between column ``c`` and ``c + 1``.

    It joins every source row (in column ``c``, a job or a pass-through) to every target row
    (in column ``c + 1``): one vertical line at horizontal position ``track`` with a branch
    to each row. ``track`` is ``-1`` for a straight lane (one source and one target on the
    same row), which is a plain horizontal line.
    """

    track: int
    sources: tuple[int, ...]
    targets: tuple[int, ...]

    @property
    def top(self) -> int:
        return min(min(self.sources), min(self.targets))

    @property
    def bottom(self) -> int:
        return max(max(self.sources), max(self.targets))

    @property
    def straight(self) -> bool:
        return self.track < 0


@dataclass(frozen=True, slots=True)
class Gutter:
    """The lanes between two adjacent columns; ``tracks`` vertical positions are in use."""

    tracks: int
    lanes: tuple[Lane, ...]


@dataclass(slots=True)
class Layout:
    """Where each job goes, and how the connectors run.

    ``edges`` are the drawn dependencies (missing jobs and cycle-closing edges left out).
    ``passes[c]`` are the rows of column ``c`` that a long connector passes through, and
    ``gutters[c]`` routes the connectors between column ``c`` and ``c + 1``.
    """

    nodes: dict[str, NodePos] = field(default_factory=dict)
    columns: list[list[str]] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    passes: list[frozenset[int]] = field(default_factory=list)
    gutters: list[Gutter] = field(default_factory=list)
    height: int = 0
    _deps: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)
    _dependents: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)
    _cells: dict[tuple[int, int], str] = field(default_factory=dict, repr=False)

    def job_at(self, column: int, row: int) -> str | None:
        return self._cells.get((column, row))

    def dependencies(self, job_id: str) -> tuple[str, ...]:
        return self._deps.get(job_id, ())

    def dependents(self, job_id: str) -> tuple[str, ...]:
        return self._dependents.get(job_id, ())

    def ordered_ids(self) -> list[str]:
        """Every job id in reading order: column by column, top to bottom."""
        return [job_id for column in self.columns for job_id in column]

    def first(self) -> str | None:
        """The top job of the first column."""
        return self.columns[0][0] if self.columns else None

    def last(self) -> str | None:
        """The bottom job of the last column."""
        return self.columns[-1][-1] if self.columns else None

    def neighbour(self, job_id: str, direction: Direction) -> str | None:
        """The job an arrow key moves to from ``job_id``, or ``None`` to stay put.

        Left goes to a dependency and right to a dependent, the one on the closest row (then
        the closest column); a job without dependents moves to the closest row of the next
        column so every column stays reachable. Up and down step within the column.
        """
        pos = self.nodes.get(job_id)
        if pos is None:
            return None
        if direction in ("up", "down"):
            column = self.columns[pos.column]
            index = column.index(job_id) + (-1 if direction == "up" else 1)
            return column[index] if 0 <= index < len(column) else None
        if direction == "left":
            linked, step = self._deps.get(job_id, ()), -1
        elif direction == "right":
            linked, step = self._dependents.get(job_id, ()), 1
        else:
            return None
        if linked:
            return min(
                linked,
                key=lambda other: (
                    abs(self.nodes[other].row - pos.row),
                    abs(self.nodes[other].column - pos.column),
                    self.nodes[other].row,
                ),
            )
        column_index = pos.column + step
        while 0 <= column_index < len(self.columns):
            if self.columns[column_index]:
                return self._closest_in(column_index, pos.row)
            column_index += step
        return None

    def nearest(self, pos: NodePos) -> str | None:
        """The job closest to a grid cell: same column if it has jobs, else the nearest one."""
        if not self.columns:
            return None
        column = min(max(pos.column, 0), len(self.columns) - 1)
        for distance in range(len(self.columns)):
            for candidate in (column - distance, column + distance):
                if 0 <= candidate < len(self.columns) and self.columns[candidate]:
                    return self._closest_in(candidate, pos.row)
        return None

    def _closest_in(self, column: int, row: int) -> str:
        return min(
            self.columns[column],
            key=lambda job_id: (abs(self.nodes[job_id].row - row), self.nodes[job_id].row),
        )


def layout(jobs: Sequence[Job]) -> Layout:
    """Lay out ``jobs`` (see the module docstring). Deterministic for a given list."""
    # The layout makes tens of thousands of short-lived lists and tuples and no reference
    # cycles, so a collection in the middle of it finds nothing to free; but the allocations
    # trigger collections, and a full one walks the whole app's heap (over 100 ms in the
    # running app at 5,000 jobs). The temporaries are freed by reference counting on return.
    # https://docs.python.org/3/library/gc.html#gc.disable
    if not gc.isenabled():
        return _layout(jobs)
    gc.disable()
    try:
        return _layout(jobs)
    finally:
        gc.enable()


def _layout(jobs: Sequence[Job]) -> Layout:
    ids: list[str] = []
    index: dict[str, int] = {}
    for job in jobs:
        if job.id not in index:  # a duplicated id keeps its first entry
            index[job.id] = len(ids)
            ids.append(job.id)
    count = len(ids)
    if count == 0:
        return Layout()

    raw_deps: list[list[int]] = [[] for _ in range(count)]
    seen_jobs: set[str] = set()
    for job in jobs:
        if job.id in seen_jobs:
            continue
        seen_jobs.add(job.id)
        own = index[job.id]
        found = {own}  # a fan-in can list hundreds of jobs: no scan of the list per entry
        for dep in job.dependencies:
            other = index.get(dep)
            if other is not None and other not in found:
                found.add(other)
                raw_deps[own].append(other)

    deps, topo = _break_cycles(raw_deps)
    depth = [0] * count
    for node in topo:
        if deps[node]:
            depth[node] = max(depth[d] for d in deps[node]) + 1
    succ: list[list[int]] = [[] for _ in range(count)]
    for node in range(count):
        for dep in deps[node]:
            succ[dep].append(node)

    layers, owner, preds, succs = _layered_graph(count, depth, succ)
    _order_layers(layers, owner, preds, succs)
    rows = _assign_rows(layers, preds, succs, count)

    result = Layout()
    result.height = max(rows.values()) + 1
    for column, layer in enumerate(layers):
        real = [n for n in layer if n < count]
        result.columns.append([ids[n] for n in real])
        result.passes.append(frozenset(rows[n] for n in layer if n >= count))
        for n in real:
            result.nodes[ids[n]] = NodePos(column, rows[n])
            result._cells[(column, rows[n])] = ids[n]
    for node in range(count):
        result._deps[ids[node]] = tuple(ids[d] for d in deps[node])
        result._dependents[ids[node]] = tuple(ids[s] for s in succ[node])
        result.edges.extend(Edge(ids[d], ids[node]) for d in deps[node])
    for column in range(len(layers) - 1):
        pairs = sorted({(rows[a], rows[b]) for a in layers[column] for b in succs[a]})
        result.gutters.append(_route(pairs))
    return result


def _break_cycles(raw_deps: list[list[int]]) -> tuple[list[list[int]], list[int]]:
    """Drop back edges found by a depth-first search in list order.

    Returns the acyclic dependency lists and the nodes in finishing order, which lists every
    dependency before its dependents. Iterative, so a long chain cannot hit the recursion limit.
    """
    count = len(raw_deps)
    state = [0] * count  # 0 unseen, 1 on the stack, 2 finished
    dropped: set[tuple[int, int]] = set()
    finished: list[int] = []
    for root in range(count):
        if state[root]:
            continue
        state[root] = 1
        stack = [(root, iter(raw_deps[root]))]
        while stack:
            node, pending = stack[-1]
            for dep in pending:
                if state[dep] == 1:
                    dropped.add((node, dep))
                elif state[dep] == 0:
                    state[dep] = 1
                    stack.append((dep, iter(raw_deps[dep])))
                    break
            else:
                state[node] = 2
                finished.append(node)
                stack.pop()
    deps = [[d for d in raw_deps[n] if (n, d) not in dropped] for n in range(count)]
    return deps, finished


def _layered_graph(
    count: int, depth: list[int], succ: list[list[int]]
) -> tuple[list[list[int]], list[int], list[list[int]], list[list[int]]]:
    """Columns of node indices, where indices from ``count`` on are pass-through rows.

    Returns the layers, each node's owner (itself, or the job a pass-through carries), and the
    predecessor and successor lists between adjacent layers.
    """
    owner = list(range(count))
    columns = max(depth) + 1
    layers: list[list[int]] = [[] for _ in range(columns)]
    for node in range(count):
        layers[depth[node]].append(node)
    preds: list[list[int]] = [[] for _ in range(count)]
    succs: list[list[int]] = [[] for _ in range(count)]

    for node in range(count):
        # One pass-through per column for all of this job's long edges. Targets are distinct,
        # and a pass-through is linked from the chain when it is made, so no link repeats.
        chain: dict[int, int] = {}
        for target in succ[node]:
            previous = node
            for column in range(depth[node] + 1, depth[target]):
                dummy = chain.get(column)
                if dummy is None:
                    dummy = len(owner)
                    chain[column] = dummy
                    owner.append(node)
                    preds.append([previous])
                    succs.append([])
                    succs[previous].append(dummy)
                    layers[column].append(dummy)
                previous = dummy
            succs[previous].append(target)
            preds[target].append(previous)
    return layers, owner, preds, succs


def _order_layers(
    layers: list[list[int]], owner: list[int], preds: list[list[int]], succs: list[list[int]]
) -> None:
    """Order each layer in place by the barycenter heuristic, keeping the best sweep."""
    position = [0] * len(owner)

    def reindex(layer: list[int]) -> None:
        for i, node in enumerate(layer):
            position[node] = i

    def reorder(layer: list[int], neighbours: list[list[int]]) -> None:
        # The layer is in position order and the sort is stable, so equal centres keep their
        # positions: a float key sorts as (centre, position) would, and much faster.
        at = position.__getitem__

        def key(node: int) -> float:
            linked = neighbours[node]
            if linked:
                return sum(map(at, linked)) / len(linked)
            return float(position[node])

        layer.sort(key=key)
        reindex(layer)

    # Start from list order in the first column and a downward pass for the rest; a
    # pass-through sorts by the job it carries, so ties keep the original order.
    layers[0].sort()
    reindex(layers[0])
    for layer in layers[1:]:
        layer.sort(key=lambda n: (owner[n], n))
        reindex(layer)
        reorder(layer, preds)

    best = [list(layer) for layer in layers]
    best_crossings = _crossings(layers, position, succs)
    for sweep in range(_SWEEPS):
        if best_crossings == 0:
            break
        if sweep % 2 == 0:
            for layer in reversed(layers[:-1]):
                reorder(layer, succs)
        else:
            for layer in layers[1:]:
                reorder(layer, preds)
        crossings = _crossings(layers, position, succs)
        if crossings < best_crossings:
            best_crossings = crossings
            best = [list(layer) for layer in layers]
    layers[:] = best


def _crossings(layers: list[list[int]], position: list[int], succs: list[list[int]]) -> int:
    """Edge crossings between adjacent layers, counted as inversions of the target positions.

    Each layer is in position order, so sources come top to bottom: an edge crosses every
    edge of a higher source that ends strictly lower (a source's own edges never cross).
    ``insort`` moves memory in C, which beats a Python-level Fenwick tree at workflow sizes.
    """
    total = 0
    for upper in layers[:-1]:
        seen: list[int] = []
        for source in upper:
            targets = [position[b] for b in succs[source]]
            if not targets:
                continue
            above = len(seen)
            for target in targets:
                total += above - bisect_right(seen, target)
            for target in targets:
                insort(seen, target)
    return total


def _assign_rows(
    layers: list[list[int]], preds: list[list[int]], succs: list[list[int]], count: int
) -> dict[int, int]:
    """Rows for every node: each layer keeps its order but moves towards its neighbours.

    Each pass solves, per layer, "rows as close as possible to the neighbours' mean, at least
    one apart" exactly, by isotonic regression (pool adjacent violators) on ``target - i``.
    Pass-through rows have indices from ``count`` on (see ``_LINK_WEIGHT``).
    """
    place = [0.0] * len(preds)
    for layer in layers:
        for i, node in enumerate(layer):
            place[node] = float(i)

    linked = [preds[n] + succs[n] for n in range(len(preds))]
    # Links between two pass-through rows pull hardest, so a long edge runs straight; a job's
    # link to a pass-through pulls least, so a fan-out is centred on its jobs.
    weights = [
        [_LINK_WEIGHT[(node >= count) + (other >= count)] for other in linked[node]]
        for node in range(len(preds))
    ]

    def settle(layer: list[int]) -> float:
        """Move one layer; returns how far its furthest node moved."""
        offsets = []
        for i, node in enumerate(layer):
            near = linked[node]
            if near:
                weight = weights[node]
                wanted = sum([place[n] * w for n, w in zip(near, weight, strict=True)]) / sum(
                    weight
                )
            else:
                wanted = place[node]
            offsets.append(wanted - i)
        moved = 0.0
        for i, (node, offset) in enumerate(zip(layer, _isotonic(offsets), strict=True)):
            moved = max(moved, abs(place[node] - offset - i))
            place[node] = offset + i
        return moved

    order = list(range(len(layers)))
    for _ in range(_ROW_PASSES):
        moved = 0.0
        for column in order:
            moved = max(moved, settle(layers[column]))
        if moved < 0.01:
            break
        order.reverse()

    rows: dict[int, int] = {}
    for layer in layers:
        for i, node in enumerate(layer):
            # Round the monotone offsets, not the rows, so rows stay distinct.
            rows[node] = math.floor(place[node] - i + 0.5) + i
    lowest = min(rows.values())
    return {node: row - lowest for node, row in rows.items()}


def _isotonic(values: list[float]) -> list[float]:
    """The non-decreasing sequence closest (least squares) to ``values``."""
    blocks: list[list[float]] = []  # [mean, weight]
    for value in values:
        blocks.append([value, 1.0])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            mean, weight = blocks.pop()
            previous = blocks[-1]
            total = previous[1] + weight
            previous[0] = (previous[0] * previous[1] + mean * weight) / total
            previous[1] = total
    result: list[float] = []
    for mean, weight in blocks:
        result.extend([mean] * int(weight))
    return result


def _route(pairs: list[tuple[int, int]]) -> Gutter:
    """Group one gutter's (source row, target row) pairs into lanes and give them tracks.

    A lane must join all its sources to all its targets, so lanes are built either from
    sources with the same target set or from targets with the same source set, whichever
    needs fewer lanes: a pure fan-out or fan-in becomes one lane.
    """
    if not pairs:
        return Gutter(0, ())
    if all(source == target for source, target in pairs):
        # Sources are distinct rows here, so every link is a straight line (a chain's gutter).
        return Gutter(0, tuple(Lane(-1, (row,), (row,)) for row, _ in pairs))
    by_source: dict[int, set[int]] = defaultdict(set)
    by_target: dict[int, set[int]] = defaultdict(set)
    for source, target in pairs:
        by_source[source].add(target)
        by_target[target].add(source)
    by_targets = _group(by_source)  # (sources, targets) from sources sharing a target set
    by_sources = [(s, t) for t, s in _group(by_target)]
    grouped = by_sources if len(by_sources) < len(by_targets) else by_targets

    straight = [g for g in grouped if len(g[0]) == 1 and g[0] == g[1]]
    bent = [g for g in grouped if not (len(g[0]) == 1 and g[0] == g[1])]
    bent.sort(key=lambda g: (min(g[0] + g[1]), max(g[0] + g[1]), g))
    tracks = _assign_tracks(bent)
    lanes = [Lane(-1, s, t) for s, t in straight]
    lanes.extend(Lane(track, s, t) for (s, t), track in zip(bent, tracks, strict=True))
    lanes.sort(key=lambda lane: (lane.track, lane.top, lane.sources))
    return Gutter(max(tracks, default=-1) + 1, tuple(lanes))


def _group(links: dict[int, set[int]]) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """Rows that link to the same set of other rows, as (rows, linked rows) pairs."""
    groups: dict[frozenset[int], list[int]] = defaultdict(list)
    for row in sorted(links):
        groups[frozenset(links[row])].append(row)
    return [(tuple(rows), tuple(sorted(others))) for others, rows in groups.items()]


def _assign_tracks(lanes: list[tuple[tuple[int, ...], tuple[int, ...]]]) -> list[int]:
    """Tracks (0 = leftmost) such that overlapping lanes never share one.

    A source row's line runs from the left edge to its lane's track and a target row's line
    from its lane's track to the right edge; if another lane's target sits on a source's row,
    its track must be further right or the two lines would merge into a false connection.
    Those constraints are ordered topologically (a cycle is an unavoidable crossing and is
    broken at the topmost lane), then each lane takes the lowest free track that is allowed.
    """
    count = len(lanes)
    spans = [(min(s + t), max(s + t)) for s, t in lanes]
    sources_at: dict[int, list[int]] = defaultdict(list)
    for i, (sources, _) in enumerate(lanes):
        for row in sources:
            sources_at[row].append(i)
    after: list[set[int]] = [set() for _ in range(count)]  # i must be left of after[i]
    for j, (_, targets) in enumerate(lanes):
        for row in targets:
            for i in sources_at.get(row, ()):
                if i != j:
                    after[i].add(j)
    before_count = [0] * count
    for i in range(count):
        for j in after[i]:
            before_count[j] += 1

    ready = [i for i in range(count) if before_count[i] == 0]
    heapq.heapify(ready)
    placed = [False] * count
    unplaced = 0  # every lane before this one is placed
    order: list[int] = []
    while len(order) < count:
        # Lanes are pre-sorted by span, so the lowest index is the topmost.
        if ready:
            pick = heapq.heappop(ready)
            if placed[pick]:
                continue
        else:
            while placed[unplaced]:
                unplaced += 1
            pick = unplaced
        placed[pick] = True
        order.append(pick)
        for j in after[pick]:
            before_count[j] -= 1
            if before_count[j] == 0 and not placed[j]:
                heapq.heappush(ready, j)

    track = [-1] * count
    required = [0] * count
    occupied = _Tracks(max(bottom for _, bottom in spans) + 1)
    for i in order:
        top, bottom = spans[i]
        chosen = occupied.place(top, bottom, required[i])
        track[i] = chosen
        for j in after[i]:
            if track[j] < 0:
                required[j] = max(required[j], chosen + 1)
    return track


class _Tracks:
    """Which tracks are in use on which rows, so a lane finds the lowest free one at once.

    A gutter of a wide workflow has hundreds of lanes that mostly overlap; rather than test
    every lane of every track, a segment tree over the rows (without propagation) keeps the
    tracks in use as bits of an int: a node's ``whole`` has the tracks of lanes covering all
    its rows, ``some`` those of lanes covering any of them. A range of rows is covered by
    O(log rows) nodes, and the nodes above them lie on the paths from the range's two end rows
    to the root ("Efficient and easy segment trees", https://codeforces.com/blog/entry/18051).
    """

    __slots__ = ("_size", "_some", "_whole")

    def __init__(self, rows: int) -> None:
        self._size = 1 << max(0, rows - 1).bit_length()
        self._some = [0] * (2 * self._size)
        self._whole = [0] * (2 * self._size)

    def place(self, top: int, bottom: int, required: int) -> int:
        """Take the lowest track from ``required`` on that is free on rows top..bottom."""
        some, whole, size = self._some, self._whole, self._size
        cover = []
        used = (1 << required) - 1
        low, high = top + size, bottom + size + 1
        while low < high:
            if low & 1:
                cover.append(low)
                used |= some[low]
                low += 1
            if high & 1:
                high -= 1
                cover.append(high)
                used |= some[high]
            low >>= 1
            high >>= 1
        # Lanes covering a whole node above the range: on the two end rows' paths, which
        # meet at the range's common ancestor.
        left, right = top + size, bottom + size
        while left != right:
            used |= whole[left] | whole[right]
            left >>= 1
            right >>= 1
        while left:
            used |= whole[left]
            left >>= 1
        chosen = (~used & (used + 1)).bit_length() - 1  # the lowest bit not set
        bit = 1 << chosen
        for node in cover:
            whole[node] |= bit
            some[node] |= bit
        left, right = top + size, bottom + size
        while left != right:
            some[left] |= bit
            some[right] |= bit
            left >>= 1
            right >>= 1
        while left:
            some[left] |= bit
            left >>= 1
        return chosen
