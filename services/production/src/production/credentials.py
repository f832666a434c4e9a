"""Platform-account credentials encrypted at rest with Fernet (key from ``PRODUCTION_CREDENTIALS_KEY``)."""

from __future__ import annotations

import json
import logging
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

logger = logging.getLogger(__name__)


class CredentialsCipher:
    """Encrypts credentials dicts to Fernet tokens; the first key encrypts, every key decrypts (rotation)."""

    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise ValueError("at least one credentials key is required")
        self._fernet = MultiFernet([Fernet(key) for key in keys])

    def encrypt(self, credentials: dict[str, Any]) -> str:
        return self._fernet.encrypt(json.dumps(credentials, separators=(",", ":")).encode()).decode()

    def decrypt(self, token: str, *, account_id: str = "?") -> dict[str, Any]:
        """The credentials; ``{}`` (and a warning naming only the account) when no configured key opens them."""
        try:
            value = json.loads(self._fernet.decrypt(token.encode()))
        except (InvalidToken, ValueError):
            logger.warning("credentials of platform account %s cannot be decrypted with the configured key", account_id)
            return {}
        return value if isinstance(value, dict) else {}
