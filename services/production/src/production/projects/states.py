"""The project state machine (no I/O).

Requested changes (PUT, n8n ``project_updates``) follow ``TRANSITIONS``; asking for the current status is a no-op.
The status also follows the project's tasks (``derived_status``), which may skip ``processing``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from common.errors import BadRequest


class ProjectStatus(StrEnum):
    """The one definition of the vocabulary: the model's column and check constraint, the schemas and the rules."""

    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"


PENDING = ProjectStatus.PENDING
PROCESSING = ProjectStatus.PROCESSING
COMPLETED = ProjectStatus.COMPLETED
FAILED = ProjectStatus.FAILED

TRANSITIONS: dict[str, frozenset[str]] = {
    PENDING: frozenset({PROCESSING, FAILED}),
    PROCESSING: frozenset({COMPLETED, FAILED}),
    COMPLETED: frozenset({PROCESSING}),
    FAILED: frozenset({PENDING, PROCESSING}),
}


def check_constraint() -> str:
    """The column's CHECK constraint, from the vocabulary."""
    return "status IN (" + ", ".join(f"'{status.value}'" for status in ProjectStatus) + ")"


def check_transition(old: str, new: str) -> None:
    if new != old and new not in TRANSITIONS[old]:
        raise BadRequest(f"Invalid status transition from {old} to {new}")


@dataclass(frozen=True)
class TaskCounts:
    total: int = 0
    completed: int = 0
    failed: int = 0
    processing: int = 0

    @property
    def started(self) -> bool:
        return self.processing > 0 or self.completed > 0


def derived_status(current: str, counts: TaskCounts, *, retried_failure: bool = False) -> str:
    """The project status after a change of its tasks.

    - any live task failed → ``failed`` (a failed task blocks its dependents, so the project cannot finish);
    - every live task completed → ``completed``;
    - a failed project whose last failed task was retried (``retried_failure``) resumes: ``processing`` when work
      has started, else ``pending``; a project failed for another reason (n8n, by hand) stays failed;
    - a completed project that gains an unfinished task (a new one) reopens as ``processing``;
    - a pending project with a task processing or completed → ``processing``.
    """
    if counts.failed > 0:
        return FAILED
    if counts.total > 0 and counts.completed == counts.total:
        return COMPLETED
    if current == FAILED:
        if retried_failure:
            return PROCESSING if counts.started else PENDING
        return FAILED
    if current == COMPLETED:
        return PROCESSING
    if current == PENDING and counts.started:
        return PROCESSING
    return current
