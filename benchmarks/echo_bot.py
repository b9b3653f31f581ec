"""The throughput benchmark's baseline: an echo bot with python-telegram-bot's defaults.

Default request class (httpx), default update processing (one at a time), a text handler
that answers with the text it got. Run by `benchmarks/throughput.py` exactly as it runs
`troly06 run`, so the two are measured the same way in the same run:

  python benchmarks/echo_bot.py BASE_URL TOKEN polling
  python benchmarks/echo_bot.py BASE_URL TOKEN webhook PORT SECRET

PTB's own webhook server needs tornado (an extra we do not install); in webhook mode a
small aiohttp server hands the updates to PTB's update queue, as our Telegram channel does.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys

from aiohttp import web
from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters


async def echo(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
    await update.message.reply_text(update.message.text)


async def serve_webhook(application: Application, port: int, secret: str) -> web.AppRunner:
    async def receive(request: web.Request) -> web.Response:
        if request.headers.get("X-Telegram-Bot-Api-Secret-Token") != secret:
            return web.Response(status=403)
        update = Update.de_json(json.loads(await request.read()), application.bot)
        await application.update_queue.put(update)
        return web.Response()

    app = web.Application()
    app.router.add_post("/telegram", receive)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


async def main(base_url: str, token: str, mode: str, port: int, secret: str) -> None:
    builder = Application.builder().token(token).base_url(base_url)
    if mode == "webhook":
        builder = builder.updater(None)
    application = builder.build()
    application.add_handler(MessageHandler(filters.TEXT, echo))
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with application:
        await application.start()
        if mode == "webhook":
            runner = await serve_webhook(application, port, secret)
            await application.bot.set_webhook(f"http://127.0.0.1:{port}/telegram",
                                              secret_token=secret)
        else:
            await application.updater.start_polling(timeout=10)
        await stop.wait()
        if mode == "webhook":
            await runner.cleanup()
        else:
            await application.updater.stop()
        await application.stop()


if __name__ == "__main__":
    url, bot_token, receive_mode, *webhook = sys.argv[1:]
    listen_port, shared_secret = (int(webhook[0]), webhook[1]) if webhook else (0, "")
    asyncio.run(main(url, bot_token, receive_mode, listen_port, shared_secret))
