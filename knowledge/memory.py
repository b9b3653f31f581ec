"""Bulk loading without the cyclic garbage collector getting in the way."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause the cyclic collector while building large acyclic structures.

    Loading and indexing a big knowledge base allocates millions of YAML nodes, strings
    and tuples, none of them in reference cycles; the collector rescanning them again and
    again made a 100,000-phrasing load several times slower. Reference counting still
    frees everything as usual.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
