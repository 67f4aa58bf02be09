"""Affinity between a request and experts, from specialties and text.

score = w * specialty coverage + (1 - w) * TF-IDF cosine

* specialty coverage: the share of the request's specialties the expert
  holds (an expert is not penalised for knowing more);
* TF-IDF cosine over tokens, with sublinear term frequency and smoothed IDF
  computed over the expert profiles.

When the request names no specialty the text decides alone; when its text
has no token the specialties decide alone. Scores are in [0, 1], rounded to
4 decimals. Tokenisation is pluggable; the default is the project's search
normaliser (folded syllables plus bigrams), imported on first use so that
this module works on exported data without the rest of the project.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

Tokenizer = Callable[[str], list[str]]


@dataclass(frozen=True)
class Profile:
    """A request or an expert as text plus specialty slugs."""

    id: str
    text: str = ""
    specialties: tuple[str, ...] = ()


def default_tokenizer() -> Tokenizer:
    from thamvan.search.normalize import tokens

    return tokens


def _weights(counts: Counter[str], idf: Callable[[str], float]) -> dict[str, float]:
    vec = {t: (1.0 + math.log(c)) * idf(t) for t, c in counts.items()}
    norm = math.sqrt(sum(w * w for w in vec.values()))
    return {t: w / norm for t, w in vec.items()} if norm > 0 else {}


class TfidfIndex:
    """Unit-length TF-IDF vectors of expert profiles with an inverted index."""

    def __init__(self, experts: Sequence[Profile], tokenize: Tokenizer) -> None:
        self.tokenize = tokenize
        docs = [Counter(tokenize(p.text)) for p in experts]
        df: Counter[str] = Counter()
        for doc in docs:
            df.update(doc.keys())
        n = len(docs)
        self._idf = {t: math.log((1 + n) / (1 + c)) + 1.0 for t, c in df.items()}
        # A token no expert uses cannot match anything, but it still dilutes
        # the request vector, as it should.
        self._unseen = math.log(1 + n) + 1.0
        self.postings: dict[str, list[tuple[int, float]]] = {}
        for i, doc in enumerate(docs):
            for t, w in _weights(doc, self.idf).items():
                self.postings.setdefault(t, []).append((i, w))

    def idf(self, token: str) -> float:
        return self._idf.get(token, self._unseen)

    def query(self, text: str) -> dict[int, float] | None:
        """Cosine with every expert sharing a token; None when the text has no token."""
        vec = _weights(Counter(self.tokenize(text)), self.idf)
        if not vec:
            return None
        sims: dict[int, float] = {}
        for t, w in vec.items():
            for i, v in self.postings.get(t, ()):
                sims[i] = sims.get(i, 0.0) + w * v
        return sims


def _blend(coverage: float | None, cosine: float | None, weight: float) -> float:
    if coverage is None and cosine is None:
        return 0.0
    if coverage is None:
        value = cosine or 0.0
    elif cosine is None:
        value = coverage
    else:
        value = weight * coverage + (1.0 - weight) * cosine
    return round(min(1.0, max(0.0, value)), 4)


def text_similarities(
    text: str, experts: Sequence[Profile], *, tokenize: Tokenizer | None = None
) -> dict[int, float] | None:
    """TF-IDF cosine of ``text`` with every expert sharing a token, keyed by the expert's
    position; None when the text has no token."""
    return TfidfIndex(experts, tokenize or default_tokenizer()).query(text)


def blend_scores(
    required: Sequence[str],
    held: Sequence[Sequence[str]],
    similarities: dict[int, float] | None,
    *,
    specialty_weight: float = 0.5,
) -> list[float]:
    """Scores from the ``required`` specialties each expert holds (``held``, one sequence
    per expert) and the text similarities (``text_similarities``), in the experts' order."""
    if not 0.0 <= specialty_weight <= 1.0:
        raise ValueError("specialty_weight must be between 0 and 1")
    wanted = set(required)
    return [
        _blend(
            # The share of the required specialties held; none required, no share.
            len(wanted.intersection(specialties)) / len(wanted) if wanted else None,
            None if similarities is None else similarities.get(i, 0.0),
            specialty_weight,
        )
        for i, specialties in enumerate(held)
    ]


def affinity_scores(
    request: Profile,
    experts: Sequence[Profile],
    *,
    tokenize: Tokenizer | None = None,
    specialty_weight: float = 0.5,
    index: TfidfIndex | None = None,
) -> list[float]:
    """Scores of one request against every expert, in the experts' order."""
    if index is None:
        index = TfidfIndex(experts, tokenize or default_tokenizer())
    return blend_scores(
        request.specialties,
        [expert.specialties for expert in experts],
        index.query(request.text),
        specialty_weight=specialty_weight,
    )


def affinity_table(
    requests: Sequence[Profile],
    experts: Sequence[Profile],
    *,
    tokenize: Tokenizer | None = None,
    specialty_weight: float = 0.5,
    min_score: float = 0.0,
    top_k: int | None = None,
) -> list[dict[str, Any]]:
    """The ``affinity`` list of a matching instance.

    Keeps, per request, the pairs scoring above ``min_score`` (the matcher
    reads a missing pair as 0), at most ``top_k`` of them, best first, ties
    by expert order.
    """
    index = TfidfIndex(experts, tokenize or default_tokenizer())
    out: list[dict[str, Any]] = []
    for request in requests:
        scores = affinity_scores(request, experts, specialty_weight=specialty_weight, index=index)
        kept = sorted(
            (i for i, s in enumerate(scores) if s > min_score), key=lambda i: (-scores[i], i)
        )
        if top_k is not None:
            kept = kept[:top_k]
        out.extend(
            {"request": request.id, "expert": experts[i].id, "score": scores[i]} for i in kept
        )
    return out
