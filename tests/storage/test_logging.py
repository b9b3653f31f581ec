"""Logs never carry tokens, whichever library writes the line."""

from __future__ import annotations

import io
import logging

import pytest

from bot.logging_setup import configure_logging

TOKEN = "1234567890:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


@pytest.fixture
def log_output():
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    stream = io.StringIO()
    configure_logging(stream=stream)
    yield stream
    root.handlers[:], level = saved
    root.setLevel(level)


def test_a_token_in_a_logged_url_is_scrubbed(log_output):
    logging.getLogger("some.http.client").warning(
        "HTTP Request: POST %s", f"https://api.telegram.org/bot{TOKEN}/getUpdates")
    line = log_output.getvalue()
    assert TOKEN not in line and "/bot***/getUpdates" in line


def test_a_bare_token_is_scrubbed_too(log_output):
    logging.getLogger("bot").error("could not start with %s", TOKEN)
    assert TOKEN not in log_output.getvalue()


def test_http_clients_do_not_log_every_request(log_output):
    logging.getLogger("httpx").info("HTTP Request: POST https://api.telegram.org/botX/getMe")
    assert log_output.getvalue() == ""
