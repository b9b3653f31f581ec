"""The one place where feature routers are composed, in the order text handlers are tried.

A new feature adds its router here with one line. Commands and button prefixes must be
unique across features; text handlers run in this order until one answers, so the FAQ
(which always answers, if only with a fallback) stays last.
"""

from __future__ import annotations

from handlers import admin, broadcast, browse, faq, officials, smalltalk, start
from handlers.router import Router

ROUTERS: list[Router] = [
    start.router,
    browse.router,
    officials.router,
    admin.router,
    broadcast.router,
    smalltalk.router,
    faq.router,  # last: answers every remaining text
]
