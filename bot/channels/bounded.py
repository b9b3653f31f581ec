"""`BoundedMap`: the small memories of a long-running channel (message ids already handled,
a chat's last message id, the parts of a reply already sent) that must not grow without
limit."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
MAX_REMEMBERED = 10_000


class BoundedMap(Generic[K, V]):
    """A dict that forgets its least recently written keys beyond `max_size`."""

    def __init__(self, max_size: int = MAX_REMEMBERED) -> None:
        self.max_size = max_size
        self._items: OrderedDict[K, V] = OrderedDict()

    def put(self, key: K, value: V) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.max_size:
            self._items.popitem(last=False)

    def get(self, key: K) -> V | None:
        return self._items.get(key)

    def pop(self, key: K) -> None:
        self._items.pop(key, None)

    def first_time(self, key: K) -> bool:
        """True the first time `key` is seen (remembering it), False for a duplicate."""
        if key in self._items:
            return False
        self.put(key, None)  # type: ignore[arg-type]
        return True
