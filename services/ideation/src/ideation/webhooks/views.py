"""The answer to a webhook call (stored on the run, so a repeated delivery gets the first answer again)."""

from typing import Any

from ideation.webhooks.schemas import CallbackResult


def callback_result(message: str, inspiration_id: str, status: str) -> dict[str, Any]:
    return CallbackResult(message=message, inspiration_id=inspiration_id, status=status).model_dump(mode="json")
