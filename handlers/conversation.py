"""The conversation core every channel shares: one `Incoming` in, the replies out.

Before any feature sees an event, the core applies what must hold everywhere: flood
control, the warning about secrets (nothing of such a message is stored), turning a typed
number into a button press on channels that show buttons as numbered lists, and a clear
reply to an outdated button. Features live in routers (see `handlers/routers.py`).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import replace

from foundations.messages import Button, Incoming, Reply
from foundations.privacy import ID_MARK, ID_NUMBER, find_secret, redact
from handlers import payloads
from handlers.flood import ALLOW, NOTIFY, FloodGuard
from handlers.replies import HUMAN_BUTTON, MENU_BUTTON, outdated_reply
from handlers.router import Context, Dispatcher, Router, Services
from handlers.routers import ROUTERS
from knowledge.normalize import visible

log = logging.getLogger(__name__)

FLOOD_NOTICE = (
    "Bạn đang gửi tin nhắn hơi nhanh. Mình sẽ tạm dừng trả lời một chút, "
    "bạn vui lòng chờ khoảng một phút rồi hỏi tiếp nhé."
)
SECRET_WARNINGS = {
    "otp": "Tin nhắn của bạn có vẻ chứa mã OTP.",
    "password": "Tin nhắn của bạn có vẻ chứa mật khẩu.",
    ID_NUMBER: "Tin nhắn của bạn có chứa số định danh cá nhân (số căn cước) đầy đủ.",
}
SCAM_WARNING = (
    "⚠️ Đừng bao giờ gửi mật khẩu, mã OTP hay số định danh cho bất kỳ ai, kể cả người tự "
    "xưng là công an, cán bộ hay nhân viên hỗ trợ: kẻ lừa đảo thường giả danh như vậy. "
    "Trợ lý 06 không bao giờ hỏi mật khẩu hay mã OTP và không lưu tin nhắn này."
)
ERROR_TEXT = "Xin lỗi, mình đang gặp trục trặc. Bạn vui lòng thử lại sau ít phút."
UNKNOWN_COMMAND = "Mình không có lệnh này. Gõ /help để xem hướng dẫn hoặc /menu để xem các chủ đề."
CONTACT_TEXT = (
    "Mình không cần số điện thoại của bạn để trả lời câu hỏi, và cũng không lưu số này."
)
MAX_REMEMBERED_CHATS = 10_000
MAX_CHOICE_DIGITS = 3  # a typed number this short picks a choice; longer ones are text


def no_such_choice(number: str, choices: int) -> Reply:
    """A typed number beyond the numbered list shown last (or with none shown)."""
    if choices == 0:
        return Reply(text=f"Số {number} không ứng với lựa chọn nào đang mở. Gõ /menu để xem "
                     "các chủ đề, hoặc gõ câu hỏi của bạn.")
    pick = "Gõ 1" if choices == 1 else f"Gõ một số từ 1 đến {choices}"
    return Reply(text=f"Không có lựa chọn số {number}. {pick} để chọn, hoặc gõ câu hỏi của bạn.")


class LastButtons:
    """The buttons of the last reply sent to each chat, for "type 2 to choose the second".

    Bounded: the least recently active chats are forgotten first.
    """

    def __init__(self, max_chats: int = MAX_REMEMBERED_CHATS) -> None:
        self.max_chats = max_chats
        self._buttons: OrderedDict[tuple[str, str], list[Button]] = OrderedDict()

    def remember(self, channel: str, chat_id: str, replies: list[Reply]) -> None:
        """Keep the buttons of the last reply that has any (earlier ones are superseded)."""
        with_buttons = [reply for reply in replies if reply.buttons]
        if not with_buttons:
            return
        key = (channel, chat_id)
        self._buttons[key] = with_buttons[-1].all_buttons()
        self._buttons.move_to_end(key)
        while len(self._buttons) > self.max_chats:
            self._buttons.popitem(last=False)

    def get(self, channel: str, chat_id: str) -> list[Button]:
        return list(self._buttons.get((channel, chat_id), []))

    def forget(self, channel: str, chat_id: str) -> None:
        """The choices were used; the reply to the press brings its own, if any."""
        self._buttons.pop((channel, chat_id), None)


class Conversation:
    """Routes each event to the feature that handles it and returns the replies."""

    def __init__(
        self,
        services: Services,
        routers: list[Router] | None = None,
        flood: FloodGuard | None = None,
    ) -> None:
        self.services = services
        self.dispatcher = Dispatcher(ROUTERS if routers is None else routers)
        self.flood = flood or FloodGuard(
            services.config.flood.max_messages,
            services.config.flood.per_seconds,
        )
        self.last_buttons = LastButtons()

    def commands(self) -> list[tuple[str, str]]:
        """(command, Vietnamese description) pairs for a channel's command menu."""
        return self.dispatcher.advertised_commands()

    async def handle(self, incoming: Incoming) -> list[Reply]:
        """All replies to one event, in order; [] when the event is to be ignored."""
        if not (incoming.text or incoming.button or incoming.phone):
            log.info("ignored an empty event from %s", incoming.channel)
            return []
        verdict = self.flood.check(incoming.channel, incoming.user_id)
        if verdict != ALLOW:
            return [Reply(text=FLOOD_NOTICE)] if verdict == NOTIFY else []
        self._touch_user(incoming)
        try:
            choice = self._numbered_choice(incoming)
            replies = [choice] if isinstance(choice, Reply) else await self._route(choice)
        except Exception:
            log.exception("handler failed on a %s event", incoming.channel)
            replies = [Reply(text=ERROR_TEXT, buttons=((MENU_BUTTON,),))]
        self.last_buttons.remember(incoming.channel, incoming.chat_id, replies)
        return replies

    def _numbered_choice(self, incoming: Incoming) -> Incoming | Reply:
        """On numbered-list channels a typed "2" presses the second button of the last reply;
        a number that picks nothing is told so: it is not a question to answer or record.
        (Longer digit strings, an ID number perhaps, go on to the secret check.)"""
        text = (incoming.text or "").strip()
        if not (incoming.numbered_choices and text.isdigit() and len(text) <= MAX_CHOICE_DIGITS):
            return incoming
        buttons = self.last_buttons.get(incoming.channel, incoming.chat_id)
        index = int(text) - 1
        if not 0 <= index < len(buttons):
            return no_such_choice(text, len(buttons))
        self.last_buttons.forget(incoming.channel, incoming.chat_id)  # spent: one press each
        return replace(incoming, text=None, button=buttons[index].payload)

    async def _route(self, incoming: Incoming) -> list[Reply]:
        ctx = Context(incoming, self.services)
        if incoming.button:
            return await self._press(ctx, incoming.button)
        if incoming.text:
            text = visible(incoming.text)
            if text.startswith("/"):
                return await self._command(ctx, text)
            return await self._text(ctx, text)
        return await self._contact(ctx)

    async def _press(self, ctx: Context, data: str) -> list[Reply]:
        prefix, ctx.args = payloads.split(data)
        handler = self.dispatcher.buttons.get(prefix)
        if handler is None:
            return [outdated_reply(ctx.kb)]
        return await handler(ctx) or []

    async def _command(self, ctx: Context, text: str) -> list[Reply]:
        word, *ctx.args = text[1:].split() or [""]
        command = self.dispatcher.commands.get(word.split("@", 1)[0].lower())
        if command is None:
            return [Reply(text=UNKNOWN_COMMAND)]
        return await command.handler(ctx) or []

    async def _text(self, ctx: Context, text: str) -> list[Reply]:
        secret = find_secret(text)
        warning: list[Reply] = []
        if secret is not None:
            warning = [
                Reply(
                    text=f"{SECRET_WARNINGS[secret]}\n\n{SCAM_WARNING}",
                    buttons=((HUMAN_BUTTON,), (MENU_BUTTON,)),
                    tags=frozenset({"warning"}),
                )
            ]
            if secret != ID_NUMBER:
                return warning
            # The question around an ID number still deserves an answer, from redacted text.
            ctx.record = False
            text = redact(text).replace(ID_MARK, " ").strip()
            if not any(ch.isalpha() for ch in text):
                return warning
        ctx.text = text
        for handler in self.dispatcher.texts:
            replies = await handler(ctx)
            if replies is not None:
                return warning + replies
        return warning

    async def _contact(self, ctx: Context) -> list[Reply]:
        for handler in self.dispatcher.contacts:
            replies = await handler(ctx)
            if replies is not None:
                return replies
        return [Reply(text=CONTACT_TEXT, buttons=((MENU_BUTTON,),))]

    def _touch_user(self, incoming: Incoming) -> None:
        storage = self.services.storage
        if storage is not None:
            storage.touch_user(
                incoming.channel, incoming.user_id, incoming.chat_id, incoming.display_name
            )
