#!/usr/bin/env python3
"""The dependency-graph check of a task-creating request at the caps (issue 10, item 3).

Usage: ``uv run --frozen python bench/task_graph.py [--repeat 5]``

What a request costs in CPU before its rows are written, on the event loop: resolving every dependency (batch
positions, item keys, existing ids) and the cycle check, as ``TaskService.create_many`` runs them. Shapes at the
caps (``MAX_TASK_DEPENDENCIES`` per task, ``MAX_DEPENDENCY_EDGES`` per request):

- dense: every task depends on all earlier ones (the old check's worst case: cubic), as many tasks as the edge cap
  allows;
- wide: a 1000-task batch, each task depending on the 20 before it (the edge cap spread evenly);
- fan-in: 20 tasks each naming 1000 existing tasks (the per-task cap).

The old check (before this change) is timed on the dense shape below the cap for comparison (it is cubic, so the
caps alone would not bound it). Best of ``--repeat`` runs, one process, on a machine shared with other work.
"""

from __future__ import annotations

import argparse
import time
from types import SimpleNamespace
from typing import Any

from production.tasks.service import NewTask, TaskService
from production.tasks.states import MAX_DEPENDENCY_EDGES, MAX_TASK_DEPENDENCIES, has_cycle


def old_has_cycle(edges: dict[str, list[str]]) -> list[str] | None:
    """The check as it was: the neighbour list rebuilt at every return to a node."""
    white, grey, black = 0, 1, 2
    colour = dict.fromkeys(edges, white)
    for start in edges:
        if colour[start] != white:
            continue
        stack: list[tuple[str, int]] = [(start, 0)]
        path = [start]
        colour[start] = grey
        while stack:
            node, index = stack[-1]
            neighbours = [n for n in edges.get(node, ()) if n in colour]
            if index < len(neighbours):
                stack[-1] = (node, index + 1)
                nxt = neighbours[index]
                if colour[nxt] == grey:
                    return [*path[path.index(nxt) :], nxt]
                if colour[nxt] == white:
                    colour[nxt] = grey
                    path.append(nxt)
                    stack.append((nxt, 0))
            else:
                colour[node] = black
                path.pop()
                stack.pop()
    return None


def check(items: list[NewTask], existing: dict[str, Any], cycle=has_cycle) -> int:
    """What create_many does in memory: resolve each item's dependencies, then the cycle check; returns edges."""
    ids = [f"new-{index}" for index in range(len(items))]
    keys = {item.key: index for index, item in enumerate(items) if item.key is not None}
    resolved = [TaskService._resolve_dependencies(i, items, ids, keys, existing) for i in range(len(items))]
    assert cycle({ids[i]: deps for i, deps in enumerate(resolved)}) is None
    return sum(len(deps) for deps in resolved)


def dense(n: int) -> tuple[list[NewTask], dict[str, Any]]:
    return [NewTask("p", "T", dependencies=list(range(i))) for i in range(n)], {}


def wide(n: int, per_task: int) -> tuple[list[NewTask], dict[str, Any]]:
    return [NewTask("p", "T", dependencies=list(range(max(0, i - per_task), i))) for i in range(n)], {}


def fan_in(n: int, per_task: int) -> tuple[list[NewTask], dict[str, Any]]:
    existing = {f"old-{j}": SimpleNamespace(id=f"old-{j}", project_id="p") for j in range(per_task)}
    return [NewTask("p", "T", dependencies=list(existing)) for _ in range(n)], existing


def best(repeat: int, run) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    dense_n = max(n for n in range(1, 1001) if n * (n - 1) // 2 <= MAX_DEPENDENCY_EDGES)
    wide_per = MAX_DEPENDENCY_EDGES // 1000
    shapes = {
        f"dense, {dense_n} tasks": dense(dense_n),
        f"wide, 1000 tasks x {wide_per} deps": wide(1000, wide_per),
        f"fan-in, {MAX_DEPENDENCY_EDGES // MAX_TASK_DEPENDENCIES} tasks x {MAX_TASK_DEPENDENCIES} existing": fan_in(
            MAX_DEPENDENCY_EDGES // MAX_TASK_DEPENDENCIES, MAX_TASK_DEPENDENCIES
        ),
    }
    print(f"caps: {MAX_TASK_DEPENDENCIES} dependencies per task, {MAX_DEPENDENCY_EDGES} edges per request")
    print(f"{'shape':45} {'edges':>7} {'ms':>8}")
    for name, (items, existing) in shapes.items():
        edges = check(items, existing)
        seconds = best(args.repeat, lambda items=items, existing=existing: check(items, existing))
        print(f"{name:45} {edges:>7} {seconds * 1000:>8.1f}")
    items, existing = dense(dense_n)
    old = best(1, lambda: check(items, existing, cycle=old_has_cycle))
    print(f"{'old check, ' + f'dense, {dense_n} tasks':45} {dense_n * (dense_n - 1) // 2:>7} {old * 1000:>8.1f}")


if __name__ == "__main__":
    main()
