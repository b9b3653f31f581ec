"""Telegram: the adapter (channel), updates in (updates), replies out (sender), their HTML
(render) and the aiohttp transport under PTB (request)."""

CHANNEL = "telegram"
