"""Logging for the `troly06` process, with secrets scrubbed from every line.

Bot tokens travel inside URLs (`…/bot<TOKEN>/sendMessage`, for Telegram and Zalo Bot
alike), and HTTP client libraries log URLs; a filter on the output handlers scrubs them
whatever logger a line comes from, so no library's logging can leak a token.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterator
from typing import TextIO

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# "/bot<token>" in URLs, and bare Telegram-style tokens ("123456789:AA…") anywhere.
SECRET_PATTERNS = (
    (re.compile(r"/bot[^/\s\"']+"), "/bot***"),
    (re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{20,}\b"), "***"),
)
# Libraries that log every request at INFO; their URLs are scrubbed anyway, but one line
# per poll drowns what operators need to see.
CHATTY_LOGGERS = ("httpx", "httpcore", "apscheduler.executors.default")


class SecretScrubber(logging.Filter):
    """Rewrites a record's message with every token-looking part replaced."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        scrubbed = scrub(message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        return True


def scrub(text: str) -> str:
    for pattern, replacement in SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def configure_logging(verbose: bool = False, stream: TextIO | None = None) -> None:
    """Root logging to stderr (or `stream`) at INFO, or DEBUG when verbose."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, format=FORMAT,
                        stream=stream, force=stream is not None)  # fmt: skip
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, SecretScrubber) for f in handler.filters):
            handler.addFilter(SecretScrubber())
    if not verbose:
        for name in CHATTY_LOGGERS:
            logging.getLogger(name).setLevel(logging.WARNING)


@contextlib.contextmanager
def quiet_for_console() -> Iterator[None]:
    """While the console chat runs, the log (on stderr, the same screen) shows only warnings
    and errors, unless the operator asked for a verbose one (-v)."""
    root = logging.getLogger()
    level = root.level
    if level == logging.INFO:
        root.setLevel(logging.WARNING)
    try:
        yield
    finally:
        root.setLevel(level)
