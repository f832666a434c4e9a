"""Issue 10, item 3: the dependency-cycle check costs work linear in the edges (steps counted, never timed)."""

import itertools

from production.tasks.states import Steps, has_cycle


def dense(n: int) -> dict[str, list[str]]:
    """Every task depends on all earlier ones: the worst case of the old check (cubic)."""
    return {str(i): [str(j) for j in range(i)] for i in range(n)}


def chain(n: int) -> dict[str, list[str]]:
    return {str(i): [str(i - 1)] if i else [] for i in range(n)}


def work(edges: dict[str, list[str]]) -> int:
    steps = Steps()
    assert has_cycle(edges, steps) is None
    return steps.count


def size(edges: dict[str, list[str]]) -> int:
    return len(edges) + sum(len(deps) for deps in edges.values())


def test_work_is_linear_in_nodes_plus_edges():
    for graph in (dense(50), dense(200), dense(400), chain(10_000)):
        assert work(graph) <= size(graph)
    # Doubling the edges of the worst case doubles the work (the old check: 8x).
    small, large = dense(200), dense(283)  # ~19.9k and ~39.9k edges
    ratio = work(large) / work(small)
    assert 1.8 < ratio < 2.2


def test_cycles_are_still_found():
    graph = dense(300)
    graph["0"] = ["299"]
    cycle = has_cycle(graph)
    assert cycle is not None and cycle[0] == cycle[-1]
    assert all(b in graph[a] for a, b in itertools.pairwise(cycle))
    assert has_cycle({"a": ["b"], "b": ["c"], "c": ["a"]}) == ["a", "b", "c", "a"]
    assert has_cycle({"a": ["a"]}) == ["a", "a"]
    assert has_cycle({"a": ["outside"], "b": ["a"]}) is None
