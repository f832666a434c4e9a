"""How an inspiration is shown: by the API, in its events' payloads and in n8n trigger bodies (one shape)."""

from collections.abc import Iterable
from typing import Any

from common.envelope import dump
from ideation.inspirations.schemas import Inspiration as InspirationOut
from ideation.models import Inspiration


def inspiration_view(inspiration: Inspiration) -> dict[str, Any]:
    return dump(InspirationOut, inspiration)


def inspiration_views(inspirations: Iterable[Inspiration]) -> list[dict[str, Any]]:
    return [inspiration_view(inspiration) for inspiration in inspirations]
