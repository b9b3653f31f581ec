"""The knowledge the bot is serving right now, and its reload that never makes it worse."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

from foundations.settings import Config
from knowledge.loader import LoadReport, load_knowledge_base
from knowledge.local_facts import with_local_facts
from knowledge.matcher import Matcher, MatchResult, Thresholds
from knowledge.model import KnowledgeBase
from knowledge.normalize import Normalizer

log = logging.getLogger(__name__)


class KnowledgeService:
    """Holds the current knowledge base and matcher; swaps both only after a clean load."""

    def __init__(
        self,
        faq_dir: Path | None = None,
        synonyms: Path | None = None,
        thresholds: Thresholds | None = None,
        local: Mapping[str, str] | None = None,
    ) -> None:
        """`local`: the unit's own facts for answers' `{local.KEY}` (see local_facts.py)."""
        self.faq_dir = faq_dir
        self.synonyms = synonyms
        self.thresholds = thresholds or Thresholds()
        self.local = dict(local or {})
        self._matcher: Matcher | None = None
        self.last_report = self.reload()

    @classmethod
    def from_config(cls, config: Config) -> KnowledgeService:
        """The knowledge the `knowledge` section describes, with the `local` section's facts."""
        settings = config.knowledge
        thresholds = Thresholds(
            answer=settings.answer_threshold,
            suggest=settings.suggest_threshold,
            margin=settings.answer_margin,
            max_suggestions=settings.max_suggestions,
            confidence=settings.fallback_confidence,
            offtopic=settings.offtopic_confidence,
        )
        return cls(settings.faq_dir, settings.synonyms, thresholds, config.local.values())

    @property
    def kb(self) -> KnowledgeBase:
        return self.matcher.kb

    @property
    def matcher(self) -> Matcher:
        assert self._matcher is not None, "reload() runs in __init__"
        return self._matcher

    @property
    def normalizer(self) -> Normalizer:
        return self.matcher.normalizer

    def match(self, text: str) -> MatchResult:
        return self.matcher.match(text)

    def reload(self) -> LoadReport:
        """Load the files again; on any error raise and keep serving the previous knowledge.

        Raises KnowledgeLoadError or SynonymError, both with `file:line: problem` messages.
        """
        normalizer = Normalizer.from_file(self.synonyms)
        if self._matcher is not None:
            # What the serving normaliser cached are the old files' phrasings and answers
            # (some 80 MB at 100,000 phrasings): the new build reuses those still there.
            normalizer.take_over(self._matcher.normalizer)
        kb, report = load_knowledge_base(self.faq_dir, normalizer)
        kb = with_local_facts(kb, self.local)
        self._matcher = Matcher(kb, normalizer, self.thresholds)
        self.last_report = report
        log.info("knowledge loaded: %d entries, %d warnings", len(kb.entries), len(report.warnings))
        return report
