"""The terminal chat: the same conversation, buttons as numbers, and the `run` fallback."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest

from bot.app import run
from bot.config import Config
from bot.console import chat
from handlers.conversation import Conversation
from handlers.router import Services
from knowledge.service import KnowledgeService


def scripted(lines: list[str]) -> Callable[[str], str]:
    """A read_line that types `lines`, then closes the input."""
    queue = list(lines)

    def read_line(prompt: str) -> str:
        if not queue:
            raise EOFError
        return queue.pop(0)

    return read_line


async def test_console_shows_numbered_choices_and_a_number_picks_one(
    shipped_knowledge: KnowledgeService, make_config: Callable[..., Config]
) -> None:
    output: list[str] = []
    conversation = Conversation(Services(shipped_knowledge, make_config()))
    await chat(conversation, scripted(["2", "/thoat", "never read"]), output.append)
    transcript = "\n".join(output)
    assert "  2. Đăng nhập, mật khẩu và sự cố VNeID" in transcript
    assert "ĐĂNG NHẬP, MẬT KHẨU VÀ SỰ CỐ VNEID" in transcript  # the category it opened
    assert output[-1] == "Tạm biệt!"


async def test_run_without_a_token_says_so_and_opens_the_console(
    make_config: Callable[..., Config], monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("quên mật khẩu vneid\n"))
    await run(make_config(scheduler__enabled=False))
    out = capsys.readouterr().out
    assert "telegram.token" in out
    assert "👍 Hữu ích" in out
