"""The settings every channel reads the same way from its configuration section, and the
outbox's retry limits, which the app (building the outbox) and the Zalo Bot poller (backing
off after a failed poll) both need: here, below both, they import no one above them."""

from __future__ import annotations

import secrets

from bot.outbox import RetryPolicy
from foundations.settings import Config


def receive_mode(config: Config, section: str) -> str:
    """`<section>.mode`: "polling" (the default) or "webhook" (load_config checked it)."""
    return str(getattr(config, section).mode)


def webhook_secret(config: Config, section: str) -> str:
    """`<section>.secret_token`, or a random one: the platform is told it on setWebhook."""
    return getattr(config, section).secret_token or secrets.token_urlsafe(32)


def retry_policy(config: Config) -> RetryPolicy:
    """The outbox's retry limits from the `outbox` section."""
    return RetryPolicy(
        max_attempts=config.outbox.max_attempts,
        backoff_base=config.outbox.backoff_base,
        backoff_max=config.outbox.backoff_max,
    )
