"""The inspiration status machine (docs/spec/contract.md, "Inspirations"); no I/O.

``pending`` awaits review; ``approve``/``reject`` only from ``pending``; ``regenerate`` from anything but
``approved`` (→ ``generating``); n8n's callback moves ``generating`` to ``pending`` or ``failed``. A PUT may also
reopen (``rejected``/``failed`` → ``pending``) or settle a stuck ``generating`` run by hand.
"""

from __future__ import annotations

from enum import StrEnum

from common.errors import BadRequest


class InspirationStatus(StrEnum):
    """The one definition of the vocabulary: the model's column and check constraint, the schemas and the rules."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    GENERATING = "generating"
    FAILED = "failed"


PENDING = InspirationStatus.PENDING
APPROVED = InspirationStatus.APPROVED
REJECTED = InspirationStatus.REJECTED
GENERATING = InspirationStatus.GENERATING
FAILED = InspirationStatus.FAILED

TRANSITIONS: dict[str, frozenset[str]] = {
    PENDING: frozenset({APPROVED, REJECTED, GENERATING}),
    GENERATING: frozenset({PENDING, FAILED, GENERATING}),
    FAILED: frozenset({GENERATING, PENDING}),
    REJECTED: frozenset({GENERATING, PENDING}),
    APPROVED: frozenset(),
}
# Statuses with side effects (events, workflow runs) are reached only through their own endpoints, never by a PUT.
ENDPOINT_FOR = {APPROVED: "approve", REJECTED: "reject", GENERATING: "regenerate"}


def check_transition(current: str, target: str) -> None:
    if target not in TRANSITIONS[current]:
        raise BadRequest(f"Invalid status transition from {current} to {target}")


def check_settable_by_update(inspiration_id: str, current: str, target: str) -> None:
    """A PUT's ``status``: allowed by the machine and not one of the statuses with their own endpoint."""
    check_transition(current, target)
    if target in ENDPOINT_FOR:
        raise BadRequest(
            f"Use POST /api/inspirations/{inspiration_id}/{ENDPOINT_FOR[target]} to move an inspiration to {target}"
        )


def check_constraint() -> str:
    """The column's CHECK constraint, from the vocabulary."""
    return "status IN (" + ", ".join(f"'{status.value}'" for status in InspirationStatus) + ")"
