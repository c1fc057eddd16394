"""Full-text search of the goods nomenclature: "bicycle" -> heading 8712 and its subheadings.

A trader rarely knows the commodity code; they know the goods. :class:`NomenclatureIndex` is an
in-memory index over the descriptions of a nomenclature (chapters, headings, subheadings,
national codes) that ranks nodes with BM25F (Robertson and Zaragoza, *The Probabilistic
Relevance Framework: BM25 and Beyond*, 2009) over two fields:

- the node's **own description**, weighted fully, and
- its **ancestors' descriptions**, weighted less: HS subheadings are often written relative to
  their heading ("Other", "Frames and forks") and only make sense in context.

On top of BM25F:

- words are lowercased, stop words dropped and English plurals and ``-ing`` folded
  (:func:`stem`), so "bicycles" finds "bicycle"; hyphenated words are also indexed joined
  ("t-shirts" -> "tshirts");
- a query word also matches the **head of an English compound** it is made of ("bicycle" ->
  "cycles": a bicycle is a cycle) and, less, the **compounds built on it** ("phone" ->
  "telephones"), when the rest of the compound is itself a word or a known prefix;
- a node scores more when a query word is in its own description, more again when it is there
  exactly as typed, and less when it lacks some of the query words;
- nodes of the same chapter reinforce each other: a node's score grows with the share of all
  matching evidence that lies in its chapter, so the chapter where the goods are classified
  comes before chapters that merely mention them ("tyres of a kind used on bicycles" after
  chapter 87);
- among equal scores, shorter (higher-level) codes come first, then codes in order.

A query made only of digits (spaces and dots allowed: "8712", "8712 00", "8712.00") searches
by code prefix instead. The index is pure (no database, no I/O) and read-only once built.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from opencustoms.domain.reference import Commodity

K1 = 1.2
"""BM25 term-frequency saturation."""

B = 0.75
"""BM25 length normalisation."""

OWN_WEIGHT = 1.0
ANCESTOR_WEIGHT = 0.5
"""BM25F field weights: a word in the node's own description counts more than in its
ancestors'."""

HEAD_WEIGHT = 0.8
"""Weight of a match on the head of a compound query word ("cycles" for "bicycle")."""

COMPOUND_WEIGHT = 0.5
"""Weight of a match on a compound built on a query word ("telephones" for "phone")."""

OWN_BONUS = 0.25
"""Extra share of a word's idf when the word is in the node's own description."""

LEAD_BONUS = 0.5
"""Extra share of a word's idf when the word is in the lead of the node's own description
(before the first ``;``, ``,``, ``:`` or ``(``): "Cigarettes; containing tobacco" is about
cigarettes, "Lighters; pocket, cigarette" is not."""

EXACT_BONUS = 0.15
"""Extra share of a word's idf when the word appears in the description exactly as typed."""

CHAPTER_WEIGHT = 1.5
"""How much a chapter's share of the matching evidence lifts its nodes (0: not at all)."""

MIN_HEAD = 4
"""Shortest compound head, in letters, a compound match may rest on ("cycl", "phon", not
"ring" in "string")."""

PREFIXES = frozenset({"bi", "tri", "tele", "micro", "mini", "mono", "multi", "poly", "semi",
                      "super", "ultra", "auto", "hydro", "electro", "thermo", "photo", "radio"})
"""Bound prefixes that make compounds though they are not words on their own."""

STOP_WORDS = frozenset({
    "a", "about", "above", "after", "all", "also", "an", "and", "any", "are", "as", "at", "be",
    "been", "being", "but", "by", "can", "did", "do", "does", "each", "either", "else", "etc",
    "for", "from", "had", "has", "have", "having", "he", "her", "his", "if", "in", "into", "is",
    "it", "its", "kind", "kinds", "made", "make", "nec", "neither", "no", "nor", "not", "of",
    "off", "on", "only", "or", "other", "others", "otherwise", "our", "out", "over", "per",
    "same", "so", "some", "such", "than", "that", "the", "their", "them", "then", "there",
    "thereof", "these", "they", "this", "those", "thus", "to", "under", "up", "used", "using",
    "very", "was", "were", "what", "whether", "which", "while", "who", "whom", "with", "within",
    "without", "would",
})
"""Words too common in nomenclature descriptions to tell goods apart."""

_WORD = re.compile(r"[^\W_]+")
_HYPHENATED = re.compile(r"[^\W_]+(?:-[^\W_]+)+")
_CODE_QUERY = re.compile(r"[\d\s.]+")
_LEAD = re.compile(r"[;,:(]")


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One nomenclature node found by a search; ``score`` only orders hits of one search."""

    code: str
    description: str
    score: float
    declarable: bool


def tokenize(text: str) -> list[str]:
    """Lowercase words of ``text`` (letters and digits); one-letter words are dropped and a
    hyphenated word also gives its parts joined ("t-shirts" -> "shirts", "tshirts")."""
    folded = text.casefold()
    words = [word for word in _WORD.findall(folded) if len(word) > 1 or word.isdigit()]
    if "-" in folded:
        words += [token.replace("-", "") for token in _HYPHENATED.findall(folded)]
    return words


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light English stemmer for nomenclature words.

    Folds plurals (``batteries`` -> ``battery``, ``boxes`` -> ``box``, ``tomatoes`` ->
    ``tomato``) and ``-ing`` (``heating`` -> ``heat``), then drops a final ``e`` so that singular
    and plural meet (``bicycle`` and ``bicycles`` -> ``bicycl``). Not a linguist's stemmer: it
    only has to map a query word and a description word to the same key."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith(("sses", "xes", "zes", "ches", "shes", "uses")) or (
        word.endswith("oes") and len(word) > 5
    ):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if word.endswith("ing") and len(word) > 6:
        word = word[:-3]
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    return word


@dataclass(frozen=True, slots=True)
class _Node:
    commodity: Commodity
    words: frozenset[str]
    lead: frozenset[str]
    length: int


@dataclass(frozen=True, slots=True)
class _Term:
    """A query word with the index terms that stand for it, and their weights."""

    word: str
    keys: tuple[tuple[str, float], ...]


class NomenclatureIndex:
    """An in-memory full-text index of nomenclature nodes; build with :meth:`build`."""

    def __init__(self) -> None:
        self._nodes: list[_Node] = []
        self._own: dict[str, dict[int, int]] = {}
        self._latest: dict[str, int] = {}
        self._descendants: dict[int, list[int]] = {}
        self._above: list[int] = []
        self._codes: list[tuple[str, int]] = []
        self._stems: dict[str, str] = {}
        self._modifiers: frozenset[str] = PREFIXES
        self._compounds: dict[str, list[str]] = {}
        self._average_own = 1.0
        self._average_above = 1.0

    @classmethod
    def build(cls, commodities: Iterable[Commodity]) -> NomenclatureIndex:
        """Index every node (every validity version) of a nomenclature.

        A node's ancestors are found through ``parent`` links among the given nodes (the
        latest version of each code); a parent that is missing just ends the chain."""
        index = cls()
        for commodity in commodities:
            index._add(commodity)
        index._link()
        return index

    def __len__(self) -> int:
        return len(self._nodes)

    def search(self, query: str, *, on: date | None = None, limit: int = 20) -> list[SearchHit]:
        """Nodes matching ``query`` (valid on ``on`` when given), best first, at most
        ``limit``, one hit per code. An empty query finds nothing; a query of digits (with
        spaces or dots) lists the codes starting with them, higher levels first."""
        if limit <= 0 or not query.strip():
            return []
        if _CODE_QUERY.fullmatch(query):
            return self._by_code(re.sub(r"\D", "", query), on, limit)
        return self._by_text(query, on, limit)

    def _add(self, commodity: Commodity) -> None:
        number = len(self._nodes)
        words = tokenize(commodity.description)
        own = Counter(self._keys(words))
        for key, count in own.items():
            self._own.setdefault(key, {})[number] = count
        lead = self._keys(tokenize(_LEAD.split(commodity.description, maxsplit=1)[0]))
        self._nodes.append(_Node(commodity, frozenset(words), frozenset(lead), own.total()))

    def _keys(self, words: Iterable[str]) -> Iterator[str]:
        """Index terms of ``words``: stop words dropped, the rest stemmed (memoised)."""
        cache = self._stems
        for word in words:
            key = cache.get(word)
            if key is None:
                key = cache[word] = "" if word in STOP_WORDS else stem(word)
            if key:
                yield key

    def _link(self) -> None:
        """Parent links, ancestor description lengths and the tables searches use."""
        for number, node in enumerate(self._nodes):
            code = node.commodity.code
            known = self._latest.get(code)
            if known is None or (self._nodes[known].commodity.validity.start
                                 <= node.commodity.validity.start):
                self._latest[code] = number
        for number, node in enumerate(self._nodes):
            length = 0
            for ancestor in self._ancestors(node.commodity.parent):
                self._descendants.setdefault(ancestor, []).append(number)
                length += self._nodes[ancestor].length
            self._above.append(length)
        count = max(len(self._nodes), 1)
        self._average_own = max(sum(n.length for n in self._nodes) / count, 1.0)
        self._average_above = max(sum(self._above) / count, 1.0)
        self._codes = sorted((node.commodity.code, i) for i, node in enumerate(self._nodes))
        self._modifiers = PREFIXES | {word for word, key in self._stems.items() if key} | {
            key for key in self._stems.values() if key}
        for whole in self._own:
            if whole.isalpha():
                for head in _heads(whole, self._modifiers):
                    self._compounds.setdefault(head, []).append(whole)

    def _ancestors(self, code: str | None) -> Iterator[int]:
        """Node numbers of the latest versions of ``code`` and every code above it."""
        seen: set[str] = set()
        while code is not None and code in self._latest and code not in seen:
            seen.add(code)
            number = self._latest[code]
            yield number
            code = self._nodes[number].commodity.parent

    def _by_code(self, prefix: str, on: date | None, limit: int) -> list[SearchHit]:
        hits: dict[str, SearchHit] = {}
        for code, number in self._codes[bisect_left(self._codes, (prefix, -1)):]:
            if not code.startswith(prefix):
                break
            node = self._nodes[number].commodity
            if code not in hits and _valid(node, on):
                hits[code] = SearchHit(code, node.description, len(prefix) / len(code),
                                       node.declarable)
        return sorted(hits.values(), key=lambda hit: (len(hit.code), hit.code))[:limit]

    def _by_text(self, query: str, on: date | None, limit: int) -> list[SearchHit]:
        query_terms = self._terms(query)
        scores: dict[int, float] = {}
        matched: dict[int, int] = {}
        for term in query_terms:
            for number, score in self._term_scores(term).items():
                scores[number] = scores.get(number, 0.0) + score
                matched[number] = matched.get(number, 0) + 1
        best: dict[str, tuple[float, int]] = {}
        for number, score in scores.items():
            node = self._nodes[number].commodity
            if _valid(node, on):
                score *= (matched[number] / len(query_terms)) ** 2
                if node.code not in best or best[node.code][0] < score:
                    best[node.code] = (score, number)
        return [SearchHit(code, self._nodes[number].commodity.description, round(score, 6),
                          self._nodes[number].commodity.declarable)
                for score, code, number in _rank(best)[:limit]]

    def _terms(self, query: str) -> list[_Term]:
        words = [w for w in tokenize(query) if w not in STOP_WORDS] or tokenize(query)
        return [_Term(word, ((stem(word), 1.0), *self._related(stem(word))))
                for word in dict.fromkeys(words)]

    def _related(self, key: str) -> list[tuple[str, float]]:
        """Index terms that are the head of compound ``key`` ("cycl" for "bicycl") or
        compounds built on ``key`` ("telephon" for "phon")."""
        if not key.isalpha():
            return []
        heads = [(head, HEAD_WEIGHT) for head in _heads(key, self._modifiers)
                 if head in self._own]
        return heads + [(whole, COMPOUND_WEIGHT) for whole in self._compounds.get(key, ())]

    def _term_scores(self, term: _Term) -> dict[int, float]:
        """BM25F score of one query word in every node containing it or a related term,
        in its own description or in its ancestors'."""
        scores: dict[int, float] = {}
        total = len(self._nodes)
        for key, weight in term.keys:
            own = self._own.get(key, {})
            above = self._inherited(own)
            idf = math.log(1 + (total - len(own) + 0.5) / (len(own) + 0.5))
            for number in own.keys() | above.keys():
                node = self._nodes[number]
                tf = (OWN_WEIGHT * own.get(number, 0)
                      / (1 - B + B * node.length / self._average_own)
                      + ANCESTOR_WEIGHT * above.get(number, 0)
                      / (1 - B + B * self._above[number] / self._average_above))
                score = idf * tf * (K1 + 1) / (tf + K1)
                if number in own:
                    score += OWN_BONUS * idf
                    if key in node.lead:
                        score += LEAD_BONUS * idf
                    if weight == 1.0 and term.word in node.words:
                        score += EXACT_BONUS * idf
                score *= weight
                if score > scores.get(number, 0.0):
                    scores[number] = score
        return scores

    def _inherited(self, own: dict[int, int]) -> dict[int, int]:
        """How often a term occurs in the ancestors of each node, from its own postings."""
        above: dict[int, int] = {}
        for number, count in own.items():
            for descendant in self._descendants.get(number, ()):
                above[descendant] = above.get(descendant, 0) + count
        return above


def _heads(word: str, modifiers: Collection[str]) -> Iterator[str]:
    """Possible heads of ``word`` as an English compound: what ends it, at least
    ``MIN_HEAD`` letters, after a modifier of two letters or more that is a word or a known
    prefix ("cycl" in "bicycl", "phon" in "telephon"; not "heat" in "wheat")."""
    for cut in range(2, len(word) - MIN_HEAD + 1):
        if word[:cut] in modifiers:
            yield word[cut:]


def _rank(best: dict[str, tuple[float, int]]) -> list[tuple[float, str, int]]:
    """Hits lifted by their chapter's share of the evidence, best first, then shorter codes."""
    chapters: dict[str, float] = {}
    for code, (score, _) in best.items():
        chapters[code[:2]] = chapters.get(code[:2], 0.0) + score
    total = sum(chapters.values()) or 1.0
    lifted = [(score * (1 + CHAPTER_WEIGHT * chapters[code[:2]] / total), code, number)
              for code, (score, number) in best.items()]
    return sorted(lifted, key=lambda hit: (-round(hit[0], 9), len(hit[1]), hit[1]))


def _valid(commodity: Commodity, on: date | None) -> bool:
    return on is None or commodity.validity.contains(on)
