"""The knowledge base as the rest of the bot sees it: categories and FAQ entries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from foundations.messages import Link


@dataclass(frozen=True)
class Source:
    url: str
    read: date | None
    title: str = ""
    line: int = 0


@dataclass(frozen=True)
class Category:
    id: str
    title: str


@dataclass(frozen=True)
class Entry:
    """One answered question. `answer` is plain text; channels format it."""

    id: str
    category: str
    question: str
    variants: tuple[str, ...]
    answer: str
    sources: tuple[Source, ...]
    updated: date
    links: tuple[Link, ...] = ()
    keywords: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    review_by: date | None = None  # facts that expire must be re-checked by then
    file: str = ""
    line: int = 0

    @property
    def phrasings(self) -> tuple[str, ...]:
        """Every way of asking this entry's question, canonical first."""
        return (self.question, *self.variants)


@dataclass(frozen=True)
class KnowledgeBase:
    categories: tuple[Category, ...]
    entries: dict[str, Entry] = field(default_factory=dict)
    offtopic: tuple[str, ...] = ()  # questions an admin marked as not ours: never answered

    def get(self, entry_id: str) -> Entry | None:
        return self.entries.get(entry_id)

    def in_category(self, category_id: str) -> list[Entry]:
        """Entries of a category in file order, which is the order admins chose."""
        return [e for e in self.entries.values() if e.category == category_id]
