"""Search that forgives what people type: no diacritics, đ/d, any word order, small typos.

Every text is *folded* (diacritics removed, đ → d, lower case, words of letters and digits) by
:func:`fold`, on the way in (stored in the ``search_*`` columns) and for the query. Ranking is
done here, in Python, over an in-memory index of the catalog that is rebuilt when the catalog
changes: the same code ranks on SQLite and PostgreSQL, so both give the same results, and a
province's catalog (a few thousand procedures) is searched in milliseconds (see bench/).

Score of a procedure for a query: for each query word, the best of its match in the name
(weight 3), the fields (2) and the document names (1); a word matches a token exactly (1.0),
as a prefix (0.85, the last word only: it may still be being typed) or, for a word the catalog does not
know, within one or two edits (0.7: typos; one edit from three letters, two from eight). A phrase found whole in the name adds a bonus. Every query word must match
somewhere (one may be missed when the query has four words or more).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

_WORD = re.compile(r"[a-z0-9]+")
WEIGHTS = (3.0, 2.0, 1.0)  # name, fields, documents
EXACT, PREFIX, TYPO = 1.0, 0.85, 0.7
PHRASE_BONUS = 1.0
# The whole query found as one phrase among the documents ("giấy chứng sinh").
DOCUMENT_PHRASE_BONUS = 0.6


def fold(text: str | None) -> str:
    """'Chứng thực bản sao – Đất đai' → 'chung thuc ban sao dat dai'."""
    if not text:
        return ""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return " ".join(_WORD.findall(stripped))


def edit_distance_at_most(a: str, b: str, limit: int) -> bool:
    """Is the optimal-string-alignment distance (insert, delete, substitute, swap) <= limit?"""
    if abs(len(a) - len(b)) > limit:
        return False
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return False
        previous2, previous = previous, current
    return previous[-1] <= limit


def _typo_limit(word: str) -> int:
    # Vietnamese syllables are short: one edit from three letters on, two from eight.
    if len(word) < 3:
        return 0
    return 1 if len(word) < 8 else 2


@dataclass(frozen=True)
class Entry:
    procedure_id: int
    name: str  # folded name
    name_length: int
    documents: str  # folded document names, joined
    code: str
    tokens: tuple[frozenset[str], frozenset[str], frozenset[str]]  # name, fields, documents


@dataclass(frozen=True)
class Hit:
    procedure_id: int
    score: float


class SearchIndex:
    """An inverted index: for each word, the entries (and where in them) it appears."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        self.entries = list(entries)
        postings: dict[str, list[tuple[int, float]]] = {}
        for position, entry in enumerate(self.entries):
            for weight, tokens in zip(WEIGHTS, entry.tokens, strict=True):
                for token in tokens:
                    postings.setdefault(token, []).append((position, weight))
        self.postings = postings
        self.vocabulary = sorted(postings)
        self._match_cache: dict[tuple[str, bool], dict[str, float]] = {}

    def _word_matches(self, word: str, last: bool) -> dict[str, float]:
        """Every vocabulary token the query word may stand for, with how well it matches.
        Only the last word may be a prefix: it is the one still being typed."""
        key = (word, last)
        if key in self._match_cache:
            return self._match_cache[key]
        matches: dict[str, float] = {}
        # A word the catalog knows is not a typo: only unknown words are widened to near ones.
        limit = 0 if word in self.postings else _typo_limit(word)
        for token in self.vocabulary:
            if token == word:
                matches[token] = EXACT
            elif last and token.startswith(word):
                matches[token] = PREFIX
            elif limit and edit_distance_at_most(word, token, limit):
                matches[token] = TYPO
        if len(self._match_cache) > 5000:
            self._match_cache.clear()
        self._match_cache[key] = matches
        return matches

    def search(self, query: str, allowed: set[int] | None = None, limit: int = 50) -> list[Hit]:
        words = fold(query).split()
        if not words:
            return []
        phrase = " ".join(words)
        unique = list(dict.fromkeys(words))
        may_miss = 1 if len(unique) >= 4 else 0
        totals: dict[int, float] = {}
        found: dict[int, int] = {}
        for position, word in enumerate(unique):
            best: dict[int, float] = {}
            for token, quality in self._word_matches(
                word, last=position == len(unique) - 1
            ).items():
                for entry_index, weight in self.postings[token]:
                    score = weight * quality
                    if score > best.get(entry_index, 0.0):
                        best[entry_index] = score
            for entry_index, score in best.items():
                totals[entry_index] = totals.get(entry_index, 0.0) + score
                found[entry_index] = found.get(entry_index, 0) + 1
        needed = len(unique) - may_miss
        hits: list[tuple[float, int, str, int]] = []
        for entry_index, total in totals.items():
            if found[entry_index] < needed:
                continue
            entry = self.entries[entry_index]
            if allowed is not None and entry.procedure_id not in allowed:
                continue
            score = total / (WEIGHTS[0] * len(unique))
            if phrase in entry.name:
                score += PHRASE_BONUS
            elif len(unique) > 1 and phrase in entry.documents:
                score += DOCUMENT_PHRASE_BONUS
            hits.append((-score, entry.name_length, entry.code, entry.procedure_id))
        hits.sort()
        return [Hit(procedure_id=h[3], score=round(-h[0], 4)) for h in hits[:limit]]


_lock = threading.Lock()
_cache: dict[str, tuple[object, SearchIndex]] = {}


def index_for(stamp: object, build) -> SearchIndex:
    """The index for the catalog as of ``stamp``; ``build()`` makes a new one when it changed."""
    with _lock:
        cached = _cache.get("catalog")
        if cached is not None and cached[0] == stamp:
            return cached[1]
    index = build()
    with _lock:
        _cache["catalog"] = (stamp, index)
    return index
