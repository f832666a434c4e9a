"""The task state machine (no I/O).

    waiting ──(every dependency completed: automatic)──> pending
    pending ──> queued | processing | completed | failed | cancelled
    queued ──> pending | processing | completed | failed | cancelled
    processing ──> pending | completed | failed | cancelled
    failed ──> pending (retry) | cancelled
    cancelled ──> pending
    waiting ──> failed | cancelled
    completed: terminal

Asking for ``pending`` while a dependency is not completed yields ``waiting``. A claim (``processing``) of a task
that is processing, completed, failed or cancelled is a 409 (a worker drops its message); any other transition not
listed is a 400.
"""

from __future__ import annotations

from enum import StrEnum

from common.errors import BadRequest, Conflict


class TaskStatus(StrEnum):
    """The one definition of the vocabulary: the model's column and check constraint, the schemas and the rules."""

    WAITING = "waiting"
    PENDING = "pending"
    QUEUED = "queued"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


WAITING = TaskStatus.WAITING
PENDING = TaskStatus.PENDING
QUEUED = TaskStatus.QUEUED
PROCESSING = TaskStatus.PROCESSING
COMPLETED = TaskStatus.COMPLETED
FAILED = TaskStatus.FAILED
CANCELLED = TaskStatus.CANCELLED

TRANSITIONS: dict[str, frozenset[str]] = {
    WAITING: frozenset({FAILED, CANCELLED}),
    PENDING: frozenset({QUEUED, PROCESSING, COMPLETED, FAILED, CANCELLED}),
    QUEUED: frozenset({PENDING, PROCESSING, COMPLETED, FAILED, CANCELLED}),
    PROCESSING: frozenset({PENDING, COMPLETED, FAILED, CANCELLED}),
    COMPLETED: frozenset(),
    FAILED: frozenset({PENDING, CANCELLED}),
    CANCELLED: frozenset({PENDING}),
}
NOT_CLAIMABLE = frozenset({PROCESSING, COMPLETED, FAILED, CANCELLED})

DEFAULT_PRIORITY = 5

# Dependency bounds of one request, on every path that creates tasks (POST /api/tasks, /batch, the n8n
# project-creation webhook): per task, and edges in the whole request (docs/performance.md, "Task graph").
MAX_TASK_DEPENDENCIES = 1000
MAX_DEPENDENCY_EDGES = 20_000
MAX_PRIORITY = 10

# Known task types (contract.md); other task_type strings are accepted on create.
KNOWN_TASK_TYPES = ("DREAMINA_IMAGE_GENERATION", "DREAMINA_VIDEO_GENERATION", "DREAMINA_LIP_SYNC")


def check_constraint() -> str:
    """The column's CHECK constraint, from the vocabulary."""
    return "status IN (" + ", ".join(f"'{status.value}'" for status in TaskStatus) + ")"


def sources_of(target: str) -> tuple[str, ...]:
    """Every status from which ``target`` may be requested (the guard of the conditional UPDATE)."""
    return tuple(status for status in TaskStatus if target in TRANSITIONS[status])


def check_transition(task_id: str, old: str, new: str) -> None:
    """Raise when ``old`` → ``new`` is not allowed (409 for a failed claim, 400 otherwise)."""
    if new == PROCESSING and old in NOT_CLAIMABLE:
        if old == PROCESSING:
            raise Conflict(f"Task {task_id} is already processing")
        raise Conflict(f"Task {task_id} is {old} and cannot be claimed")
    if new not in TRANSITIONS[old]:
        raise BadRequest(f"Invalid status transition from {old} to {new}")


class Steps:
    """Counts the work of ``has_cycle`` (one step per node visit and per edge looked at): tests show it linear."""

    def __init__(self) -> None:
        self.count = 0


def has_cycle(edges: dict[str, list[str]], steps: Steps | None = None) -> list[str] | None:
    """A cycle of ``edges`` (node → its dependencies) as a list of nodes, or None.

    Iterative DFS in O(nodes + edges): each node's dependencies are walked once through an iterator (rebuilding the
    neighbour list at every return to a node made a dense graph cubic), and the current path is mirrored in a
    dict so finding where a cycle starts is not a list search.
    """
    white, grey, black = 0, 1, 2
    colour = dict.fromkeys(edges, white)
    counter = steps or Steps()
    for start in edges:
        counter.count += 1
        if colour[start] != white:
            continue
        colour[start] = grey
        path: list[str] = [start]
        on_path: dict[str, int] = {start: 0}
        stack = [iter(edges[start])]
        while stack:
            advanced = False
            for nxt in stack[-1]:
                counter.count += 1
                state = colour.get(nxt)
                if state == grey:
                    return [*path[on_path[nxt] :], nxt]
                if state == white:
                    colour[nxt] = grey
                    on_path[nxt] = len(path)
                    path.append(nxt)
                    stack.append(iter(edges[nxt]))
                    advanced = True
                    break
            if not advanced:
                done = path.pop()
                del on_path[done]
                colour[done] = black
                stack.pop()
    return None
