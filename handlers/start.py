"""/start, /menu, /help and /lienhe: the ways into the bot and out to a human."""

from __future__ import annotations

from dataclasses import replace

from foundations.messages import Reply
from handlers.replies import HUMAN, MENU, MENU_BUTTON, menu_reply
from handlers.router import Context, Router
from knowledge.local_facts import fill_local

router = Router("start")

# The knowledge-base entries that hold the human-help facts (hotlines, help at the desk).
HUMAN_HELP_ENTRIES = ("tong-dai-ho-tro", "ho-tro-tai-cho")
# The unit's own contacts (config `local:`); lines whose value is not configured are left out.
LOCAL_CONTACTS = "\n".join((
    "• Đơn vị: {local.unit_name}",
    "• Công an {local.police_name}",
    "• Điện thoại Công an: {local.police_phone}",
    "• Địa chỉ Công an: {local.police_address}",
    "• Bộ phận một cửa: {local.one_stop_address}",
    "• Giờ làm việc một cửa: {local.one_stop_hours}",
    "• Zalo: {local.zalo}",
))

HELP_TEXT = (
    "Mình là Trợ lý 06, trả lời các câu hỏi thường gặp về tài khoản định danh điện tử "
    "VNeID, thẻ căn cước và dịch vụ công trực tuyến.\n\n"
    "• Gõ câu hỏi bằng tiếng Việt, có dấu hay không dấu đều được.\n"
    "• /menu: xem các chủ đề.\n"
    "• /lienhe: nơi hỗ trợ trực tiếp.\n\n"
    "Lưu ý: không bao giờ gửi mật khẩu, mã OTP hay số định danh cho bất kỳ ai, "
    "kể cả người tự xưng là công an hay cán bộ."
)


@router.command("start", "Bắt đầu và xem menu chính")
async def start(ctx: Context) -> list[Reply]:
    """Greet the user by name and show the main menu."""
    name = ctx.incoming.display_name.strip()
    greeting = f"Xin chào {name}!" if name else "Xin chào!"
    intro = (
        f"{greeting} Mình là Trợ lý 06, giúp bạn giải đáp thắc mắc về VNeID, "
        "thẻ căn cước và dịch vụ công trực tuyến."
    )
    return [Reply(text=intro), menu_reply(ctx.kb)]


@router.command("menu", "Các chủ đề câu hỏi")
async def menu(ctx: Context) -> list[Reply]:
    """Show the main menu."""
    return [menu_reply(ctx.kb)]


@router.button(MENU)
async def menu_button(ctx: Context) -> list[Reply]:
    """The 🏠 button: show the main menu."""
    return [menu_reply(ctx.kb)]


@router.command("help", "Hướng dẫn sử dụng")
async def help_command(ctx: Context) -> list[Reply]:
    """Explain what the bot does and how to ask."""
    return [Reply(text=HELP_TEXT, buttons=((MENU_BUTTON,),))]


@router.command("lienhe", "Liên hệ hỗ trợ trực tiếp")
async def contact_command(ctx: Context) -> list[Reply]:
    """Where to get help from a person."""
    return human_help(ctx)


@router.button(HUMAN)
async def contact_button(ctx: Context) -> list[Reply]:
    """The ☎️ button: where to get help from a person."""
    return human_help(ctx)


def human_help(ctx: Context) -> list[Reply]:
    """The unit's own contacts if configured, then the human-help entries of the knowledge
    base, verbatim: no invented numbers."""
    entries = [ctx.kb.entries[i] for i in HUMAN_HELP_ENTRIES if i in ctx.kb.entries]
    replies = [
        Reply(text=entry.answer.strip(), title=entry.question, links=tuple(entry.links))
        for entry in entries
    ] or [Reply(text="Bạn có thể đến Công an cấp xã nơi cư trú hoặc bộ phận một cửa của "
                     "UBND xã để được hướng dẫn trực tiếp.")]
    replies = local_contacts(ctx, "\n".join(reply.text for reply in replies)) + replies
    replies[-1] = replace(replies[-1], buttons=((MENU_BUTTON,),))
    return replies


def local_contacts(ctx: Context, shown: str) -> list[Reply]:
    """The configured `local:` contacts as one reply, or none when nothing is configured.

    Contacts the human-help answers already give (their `{local.…}` placeholders are filled
    too) are not repeated.
    """
    values = {key: value for key, value in ctx.services.config.local.values().items()
              if value not in shown}
    lines = fill_local(LOCAL_CONTACTS, values)
    return [Reply(text=f"Liên hệ trực tiếp tại địa phương:\n{lines}")] if lines else []
