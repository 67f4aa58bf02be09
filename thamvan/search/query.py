"""Searching the index: matching, access, ranking, snippets and facets.

A query matches an entry when every folded syllable of the query is in the
entry's folded key (the last one may be a prefix, for search-as-you-type), so
"quy hoach", "Quy hoạch", "QUY HOẠCH", NFD input and old or new tone placement
all match the same entries. Matches are then ordered by a presence score that
is computed the same way on SQLite and PostgreSQL:

* +2 for each query syllable found with its accents (exact beats folded);
* +3 for each pair of adjacent query syllables found adjacent (phrase), +2 more
  when the pair is found with its accents;
* +1 for each syllable, +2 for each pair, found in the title;

then by the entry's date (recent first) and id. Only entries the user may see
(through each type's ``visible_to``) are matched, counted or faceted.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from thamvan.search.backends import Column, get_backend
from thamvan.search.models import SearchEntry
from thamvan.search.normalize import bigrams, fold, nfc, syllables
from thamvan.search.registry import Indexable, get_indexable, indexables

if TYPE_CHECKING:
    from thamvan.accounts.models import User

MAX_QUERY_CHARS = 200
# Beyond this many syllables a query is a paragraph: ranking uses the first ones.
MAX_RANKED_SYLLABLES = 10
MAX_LIMIT = 100
SNIPPET_CHARS = 240
# Snippets look for matches in the first part of long texts only.
SNIPPET_SCAN_CHARS = 60_000

WEIGHT_EXACT = 2
WEIGHT_PHRASE = 3
WEIGHT_EXACT_PHRASE = 2
WEIGHT_TITLE = 1
WEIGHT_TITLE_PHRASE = 2

FACETS = ("type", "kind", "year", "organization", "commune")


@dataclass(frozen=True)
class Filters:
    type: str = ""
    kind: str = ""
    year: int | None = None
    organization: int | None = None
    commune: int | None = None


@dataclass(frozen=True)
class ParsedQuery:
    folded: tuple[str, ...]
    exact: tuple[str, ...]
    folded_pairs: tuple[str, ...]
    exact_pairs: tuple[str, ...]

    @property
    def is_empty(self) -> bool:
        return not self.folded


def parse_query(text: str) -> ParsedQuery:
    text = nfc(text)[:MAX_QUERY_CHARS]
    folded = syllables(text)
    exact = syllables(text, folded=False)
    return ParsedQuery(
        folded=tuple(dict.fromkeys(folded)),
        exact=tuple(dict.fromkeys(exact)),
        folded_pairs=tuple(dict.fromkeys(bigrams(folded))),
        exact_pairs=tuple(dict.fromkeys(bigrams(exact))),
    )


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool = False


@dataclass
class Hit:
    entry: SearchEntry
    type_label: str
    kind_label: str
    title_html: SafeString
    snippet_html: SafeString
    score: int

    @property
    def confidentiality_label(self) -> str:
        from thamvan.dossiers.models import Confidentiality

        labels = dict(Confidentiality.choices)
        return str(labels.get(self.entry.confidentiality, self.entry.confidentiality))


@dataclass
class SearchResults:
    query: str
    total: int
    hits: list[Hit]
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    limit: int = 20
    offset: int = 0


def _access_q(user: User, types: Sequence[Indexable]) -> Q:
    """Entries of the given types whose object the user may see; nothing if no type."""
    allowed = Q(pk__in=[])
    for indexable in types:
        # Correlated, so the database checks the matched entries one by one
        # instead of listing every object the user may see.
        visible = indexable.visible(user).filter(pk=OuterRef("object_id"))
        allowed |= Q(Exists(visible), type=indexable.key)
    return allowed


def _selected_types(types: Sequence[str] | None) -> list[Indexable]:
    if types is None:
        return list(indexables())
    known = {i.key: i for i in indexables()}
    return [known[t] for t in types if t in known]


def _score_sql(parsed: ParsedQuery) -> RawSQL:
    backend = get_backend()
    terms: list[tuple[Column, str, int]] = []
    exact = parsed.exact[:MAX_RANKED_SYLLABLES]
    folded = parsed.folded[:MAX_RANKED_SYLLABLES]
    terms += [("exact", token, WEIGHT_EXACT) for token in exact]
    terms += [
        ("folded", pair, WEIGHT_PHRASE) for pair in parsed.folded_pairs[:MAX_RANKED_SYLLABLES]
    ]
    terms += [
        ("exact", pair, WEIGHT_EXACT_PHRASE) for pair in parsed.exact_pairs[:MAX_RANKED_SYLLABLES]
    ]
    terms += [("title", token, WEIGHT_TITLE) for token in folded]
    terms += [
        ("title", pair, WEIGHT_TITLE_PHRASE) for pair in parsed.folded_pairs[:MAX_RANKED_SYLLABLES]
    ]
    sql, params = backend.score_sql(terms, "search_searchentry.id")
    return RawSQL(sql, params, output_field=IntegerField())


def matching_entries(
    text: str, *, user: User, types: Sequence[str] | None = None, prefix_last: bool = True
) -> QuerySet[SearchEntry]:
    """Entries matching ``text`` that ``user`` may see, unordered and unfiltered by facets."""
    parsed = parse_query(text)
    selected = _selected_types(types)
    if parsed.is_empty or not selected:
        return SearchEntry.objects.none()
    sql, params = get_backend().match_sql(parsed.folded, prefix_last=prefix_last)
    return SearchEntry.objects.filter(pk__in=RawSQL(sql, params)).filter(_access_q(user, selected))


def _apply_filters(
    queryset: QuerySet[SearchEntry], filters: Filters, *, skip: str = ""
) -> QuerySet[SearchEntry]:
    if filters.type and skip != "type":
        queryset = queryset.filter(type=filters.type)
    if filters.kind and skip != "kind":
        queryset = queryset.filter(kind=filters.kind)
    if filters.year is not None and skip != "year":
        queryset = queryset.filter(year=filters.year)
    if filters.organization is not None and skip != "organization":
        queryset = queryset.filter(organization_id=filters.organization)
    if filters.commune is not None and skip != "commune":
        queryset = queryset.filter(communes=filters.commune)
    return queryset


def _kind_label(kind: str) -> str:
    for indexable in indexables():
        if kind in indexable.kinds:
            return indexable.kind_label(kind)
    return kind


def _facets(base: QuerySet[SearchEntry], filters: Filters) -> dict[str, list[FacetValue]]:
    facets: dict[str, list[FacetValue]] = {}
    # Each facet counts with every other filter applied but its own, so the
    # alternatives to the current choice stay visible.
    rows = _apply_filters(base, filters, skip="type").values("type").annotate(n=Count("pk"))
    facets["type"] = [
        FacetValue(
            r["type"], str(get_indexable(r["type"]).label), r["n"], r["type"] == filters.type
        )
        for r in rows.order_by("-n", "type")
    ]
    rows = (
        _apply_filters(base, filters, skip="kind")
        .exclude(kind="")
        .values("kind")
        .annotate(n=Count("pk"))
        .order_by("-n", "kind")
    )
    facets["kind"] = [
        FacetValue(r["kind"], _kind_label(r["kind"]), r["n"], r["kind"] == filters.kind)
        for r in rows
    ]
    rows = (
        _apply_filters(base, filters, skip="year")
        .exclude(year=None)
        .values("year")
        .annotate(n=Count("pk"))
        .order_by("-year")
    )
    facets["year"] = [
        FacetValue(str(r["year"]), str(r["year"]), r["n"], r["year"] == filters.year) for r in rows
    ]
    rows = (
        _apply_filters(base, filters, skip="organization")
        .exclude(organization=None)
        .values("organization_id", "organization__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "organization__name")
    )
    facets["organization"] = [
        FacetValue(
            str(r["organization_id"]),
            r["organization__name"],
            r["n"],
            r["organization_id"] == filters.organization,
        )
        for r in rows[:20]
    ]
    rows = (
        _apply_filters(base, filters, skip="commune")
        .exclude(communes=None)
        .values("communes__id", "communes__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "communes__name")
    )
    facets["commune"] = [
        FacetValue(
            str(r["communes__id"]),
            r["communes__name"],
            r["n"],
            r["communes__id"] == filters.commune,
        )
        for r in rows[:20]
    ]
    return facets


def _positional_fold(text: str) -> str:
    """Fold ``text`` one character for one, so positions in it are positions in ``text``."""
    lowered = text.lower()
    if len(lowered) != len(text):
        lowered = text
    return "".join(_fold_char(c) for c in lowered)


_CHAR_CACHE: dict[str, str] = {}


def _fold_char(char: str) -> str:
    folded = _CHAR_CACHE.get(char)
    if folded is None:
        if char.isascii():
            folded = char
        else:
            candidate = fold(char)
            folded = candidate if len(candidate) == 1 else char
        _CHAR_CACHE[char] = folded
    return folded


def _term_pattern(parsed: ParsedQuery, *, prefix_last: bool) -> re.Pattern[str] | None:
    if parsed.is_empty:
        return None
    words = sorted(parsed.folded, key=len, reverse=True)
    alternatives = [re.escape(w) for w in words]
    if prefix_last:
        last = re.escape(parsed.folded[-1])
        alternatives.insert(0, last + r"[^\W_]*")
    return re.compile(r"(?<![^\W_])(?:" + "|".join(alternatives) + r")(?![^\W_])")


def _mark(text: str, spans: list[tuple[int, int]], start: int, end: int) -> SafeString:
    out: list[str] = []
    cursor = start
    for s, e in spans:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        out.append(escape(text[cursor:s]))
        out.append("<mark>" + escape(text[s:e]) + "</mark>")
        cursor = e
    out.append(escape(text[cursor:end]))
    return mark_safe("".join(out))


def highlight(text: str, pattern: re.Pattern[str] | None) -> SafeString:
    """The whole text, escaped, with matching words in <mark>."""
    if pattern is None:
        return mark_safe(escape(text))
    spans = [m.span() for m in pattern.finditer(_positional_fold(text))]
    return _mark(text, spans, 0, len(text))


def snippet(text: str, pattern: re.Pattern[str] | None, *, size: int = SNIPPET_CHARS) -> SafeString:
    """The passage of ``text`` with the most distinct matching words, escaped and marked."""
    scanned = text[:SNIPPET_SCAN_CHARS]
    if pattern is None or not scanned:
        return _mark(scanned, [], 0, min(len(scanned), size))
    folded = _positional_fold(scanned)
    matches = list(pattern.finditer(folded))
    if not matches:
        end = min(len(scanned), size)
        return _mark(scanned, [], 0, end)
    best_start, best_distinct = matches[0].start(), 0
    # A sliding window over the matches, counting the distinct words inside it.
    counts: dict[str, int] = {}
    j = 0
    for match in matches:
        # Half a snippet: the passage starts before the window and ends well after it.
        window_end = match.start() + size // 2
        while j < len(matches) and matches[j].start() < window_end:
            word = matches[j].group()
            counts[word] = counts.get(word, 0) + 1
            j += 1
        if len(counts) > best_distinct:
            best_start, best_distinct = match.start(), len(counts)
        word = match.group()
        counts[word] -= 1
        if not counts[word]:
            del counts[word]
    # Start a little before the first match, at a word boundary.
    start = max(0, best_start - size // 4)
    if start:
        space = scanned.rfind(" ", 0, start + 1)
        start = space + 1 if space >= 0 and best_start - space < size // 2 else start
    end = min(len(scanned), start + size)
    if end < len(scanned):
        space = scanned.rfind(" ", start, end)
        end = space if space > best_start else end
    spans = [m.span() for m in matches]
    body = _mark(scanned, spans, start, end)
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(text) else ""
    return mark_safe(prefix + body + suffix)


def rank_window() -> int | None:
    """How many of the newest matches are scored; None (the default) scores every match."""
    window = getattr(settings, "SEARCH_RANK_WINDOW", None)
    return int(window) if window else None


def _clamp(limit: int, offset: int) -> tuple[int, int]:
    return max(1, min(limit, MAX_LIMIT)), max(0, offset)


def search(
    text: str,
    *,
    user: User,
    filters: Filters | None = None,
    limit: int = 20,
    offset: int = 0,
    with_facets: bool = True,
    prefix_last: bool = True,
) -> SearchResults:
    """Ranked, access-filtered results for ``text`` with snippets and facets."""
    filters = filters or Filters()
    limit, offset = _clamp(limit, offset)
    parsed = parse_query(text)
    base = matching_entries(text, user=user, prefix_last=prefix_last)
    if parsed.is_empty:
        return SearchResults(query=text, total=0, hits=[], facets={}, limit=limit, offset=offset)
    filtered = _apply_filters(base, filters)
    total = filtered.count()
    ranked = filtered
    window = rank_window()
    if window is not None and total > window:
        # Bounded latency for very common queries: only the newest matches are
        # scored. Counts and facets still cover every match.
        newest = filtered.order_by("-dated_at", "-pk").values_list("pk", flat=True)[:window]
        ranked = SearchEntry.objects.filter(pk__in=list(newest))
    entries = list(
        ranked.annotate(score=_score_sql(parsed))
        .select_related("organization")
        .order_by("-score", "-dated_at", "-pk")[offset : offset + limit]
    )
    pattern = _term_pattern(parsed, prefix_last=prefix_last)
    hits = [_hit(entry, pattern) for entry in entries]
    facets = _facets(base, filters) if with_facets else {}
    return SearchResults(
        query=text, total=total, hits=hits, facets=facets, limit=limit, offset=offset
    )


def _hit(entry: SearchEntry, pattern: re.Pattern[str] | None) -> Hit:
    try:
        indexable: Indexable | None = get_indexable(entry.type)
    except KeyError:
        indexable = None
    return Hit(
        entry=entry,
        type_label=str(indexable.label) if indexable else entry.type,
        kind_label=indexable.kind_label(entry.kind) if indexable and entry.kind else "",
        title_html=highlight(entry.title, pattern),
        snippet_html=snippet(entry.body, pattern),
        score=getattr(entry, "score", 0),
    )


# Pairs of syllables taken from a text to find texts like it.
SIMILAR_PAIRS = 12


def similar(
    text: str,
    *,
    user: User,
    limit: int = 5,
    types: Sequence[str] | None = None,
    exclude: tuple[str, int] | None = None,
) -> list[Hit]:
    """Entries sharing the most phrases with ``text``: "similar past opinions".

    The text's most repeated adjacent-syllable pairs (longer first on ties)
    are looked up; entries are ordered by how many of them they contain.
    """
    words = syllables(nfc(text)[:20_000])
    counts: dict[str, int] = {}
    for pair in bigrams(words):
        counts[pair] = counts.get(pair, 0) + 1
    pairs = sorted(counts, key=lambda p: (-counts[p], -len(p), p))[:SIMILAR_PAIRS]
    selected = _selected_types(types)
    if not pairs or not selected:
        return []
    backend = get_backend()
    any_sql, any_params = backend.match_any_sql(pairs)
    score, params = backend.score_sql(
        [("folded", pair, 1) for pair in pairs], "search_searchentry.id"
    )
    queryset = (
        SearchEntry.objects.filter(pk__in=RawSQL(any_sql, any_params))
        .filter(_access_q(user, selected))
        .annotate(score=RawSQL(score, params, output_field=IntegerField()))
    )
    if exclude is not None:
        queryset = queryset.exclude(type=exclude[0], object_id=exclude[1])
    entries = list(queryset.order_by("-score", "-dated_at", "-pk")[: max(1, min(limit, MAX_LIMIT))])
    parsed = replace(
        parse_query(""), folded=tuple(dict.fromkeys(w for p in pairs for w in p.split("_")))
    )
    pattern = _term_pattern(parsed, prefix_last=False)
    return [_hit(entry, pattern) for entry in entries]
