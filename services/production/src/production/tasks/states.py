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

from common.errors import BadRequest, Conflict

WAITING, PENDING, QUEUED, PROCESSING, COMPLETED, FAILED, CANCELLED = (
    "waiting",
    "pending",
    "queued",
    "processing",
    "completed",
    "failed",
    "cancelled",
)
TASK_STATUSES = (WAITING, PENDING, QUEUED, PROCESSING, COMPLETED, FAILED, CANCELLED)

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
MAX_PRIORITY = 10

# Known task types (contract.md); other task_type strings are accepted on create.
KNOWN_TASK_TYPES = ("DREAMINA_IMAGE_GENERATION", "DREAMINA_VIDEO_GENERATION", "DREAMINA_LIP_SYNC")


def sources_of(target: str) -> tuple[str, ...]:
    """Every status from which ``target`` may be requested (the guard of the conditional UPDATE)."""
    return tuple(status for status in TASK_STATUSES if target in TRANSITIONS[status])


def check_transition(task_id: str, old: str, new: str) -> None:
    """Raise when ``old`` → ``new`` is not allowed (409 for a failed claim, 400 otherwise)."""
    if new == PROCESSING and old in NOT_CLAIMABLE:
        if old == PROCESSING:
            raise Conflict(f"Task {task_id} is already processing")
        raise Conflict(f"Task {task_id} is {old} and cannot be claimed")
    if new not in TRANSITIONS[old]:
        raise BadRequest(f"Invalid status transition from {old} to {new}")


def has_cycle(edges: dict[str, list[str]]) -> list[str] | None:
    """A cycle of ``edges`` (node → its dependencies) as a list of nodes, or None (iterative DFS)."""
    white, grey, black = 0, 1, 2
    colour = dict.fromkeys(edges, white)
    for start in edges:
        if colour[start] != white:
            continue
        stack: list[tuple[str, int]] = [(start, 0)]
        path: list[str] = []
        colour[start] = grey
        path.append(start)
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
