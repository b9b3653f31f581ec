"""Telegram out: a `Reply` as Bot API messages (see render.py), PTB's errors as the
outbox's kinds, and whether a failed message may have reached Telegram."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.channels.delivery import DeliveredParts
from bot.channels.telegram import CHANNEL
from bot.channels.telegram.render import TelegramMessage, render
from bot.channels.telegram.request import REQUEST_NOT_SENT, JsonParameters
from bot.outbox import Blocked, Refused, RetryLater, TemporaryFailure, Unconfirmed
from foundations.messages import Reply

NO_PREVIEW = {"is_disabled": True}  # LinkPreviewOptions: official links would crowd the answer
# Causes of a PTB NetworkError that mean the request never left (safe to send again); a
# TelegramError cause is an error answer PTB could not parse: Telegram refused it.
NOT_SENT_CAUSES = (*REQUEST_NOT_SENT, TelegramError)


class TelegramSender:
    """The outbox's way to deliver a Reply to a Telegram chat."""

    channel = CHANNEL

    def __init__(self, bot: Any) -> None:
        """Messages go straight to `bot.request` (PTB's transport, which maps Telegram's
        error answers to PTB's errors) rather than through `Bot.send_message`: the same
        request and errors, without turning every field into PTB's request parameters nor
        parsing the answer into a `telegram.Message` nobody reads (about 0.7 ms of CPU per
        message together, benchmarks/README.md)."""
        self.bot = bot
        self._delivered = DeliveredParts()  # a retry after a 429 on part 2 skips part 1

    async def send(self, chat_id: str, reply: Reply) -> None:
        """Send every part of `reply`, translating PTB errors for the outbox."""
        await self._delivered.send_remaining(
            chat_id, reply, render(reply), lambda message: self._send_message(chat_id, message)
        )

    async def _send_message(self, chat_id: str, message: TelegramMessage) -> None:
        try:
            await self.bot.request.post(f"{self.bot.base_url}/sendMessage", JsonParameters({
                "chat_id": int(chat_id) if chat_id.lstrip("-").isdigit() else chat_id,
                "text": message.html,
                "parse_mode": "HTML",
                **({"reply_markup": message.markup} if message.markup is not None else {}),
                "link_preview_options": NO_PREVIEW,
            }))
        except RetryAfter as exc:
            raise RetryLater(_seconds(exc.retry_after), str(exc)) from exc
        except Forbidden as exc:
            raise Blocked(str(exc)) from exc
        except (BadRequest, InvalidToken) as exc:  # 400; 401 and 404 (the token)
            raise Refused(str(exc)) from exc
        except NetworkError as exc:  # includes TimedOut and 5xx
            if surely_not_delivered(exc):
                raise TemporaryFailure(str(exc)) from exc
            raise Unconfirmed(str(exc) or type(exc).__name__) from exc
        except Exception as exc:  # Telegram answered, but not in a form PTB could read
            raise Unconfirmed(f"{type(exc).__name__}: {exc}") from exc


def surely_not_delivered(exc: NetworkError) -> bool:
    """Whether the message surely did not reach Telegram: no connection was made (connect
    error or timeout, no free connection), or Telegram answered with an error status (5xx).

    PTB raises NetworkError for all of these and for a request that went out but got no
    answer in time; only the cause tells them apart.
    """
    cause = exc.__cause__
    return cause is None or isinstance(cause, NOT_SENT_CAUSES)


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
