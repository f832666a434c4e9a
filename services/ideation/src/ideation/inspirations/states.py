"""The inspiration status machine (docs/spec/contract.md, "Inspirations"); no I/O.

``pending`` awaits review; ``approve``/``reject`` only from ``pending``; ``regenerate`` from anything but
``approved`` (→ ``generating``); n8n's callback moves ``generating`` to ``pending`` or ``failed``. A PUT's ``status``
follows the same table with the same effects (``approved`` as approve, ...); it may also reopen
(``rejected``/``failed`` → ``pending``) or settle a stuck ``generating`` run by hand.
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


def check_transition(current: str, target: str) -> None:
    if target not in TRANSITIONS[current]:
        raise BadRequest(f"Invalid status transition from {current} to {target}")


def check_constraint() -> str:
    """The column's CHECK constraint, from the vocabulary."""
    return "status IN (" + ", ".join(f"'{status.value}'" for status in InspirationStatus) + ")"
