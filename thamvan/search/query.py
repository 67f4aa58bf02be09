"""Searching the index: matching, access, ranking, snippets and facets.

A query matches an entry when every folded syllable of the query is in the
entry's folded key (the last one may be a prefix, for search-as-you-type), so
"quy hoach", "Quy hoạch", "QUY HOẠCH", NFD input and old or new tone placement
all match the same entries. Only entries the user may see (through each type's
``visible_to``) are matched, counted or faceted.

Ranking
-------
Matches are ranked in tiers, best first; an entry belongs to the first tier
whose condition it meets, and within a tier the most recent entry comes first
(the entry's date, then its id: ``SearchEntry.rank``). "The phrase" is every pair
of adjacent query syllables (every syllable for a one-word query):

1. the phrase with the accents as typed, and the phrase in the title;
2. the phrase with the accents as typed;
3. the phrase in the title (accents ignored);
4. the phrase (accents ignored);
5. every syllable with the accents as typed;
6. every syllable;
7. every syllable, the last one as a prefix (the match itself, as the search
   page asks while the user types).

So exact beats folded, a phrase beats scattered words, the title breaks the
tie, and recency orders equals. Each tier is one indexed query that walks the
matches newest first and stops at the end of the page, excluding the entries of
the tiers above (fewer than a page, all already found); lower tiers are not
queried once the page is full. A page therefore costs about as much for a query
matching 10 % of a million entries as for one matching ten.

Counts stop at ``COUNT_LIMIT`` ("more than 1,000 results") and facets count
``FACET_SAMPLE`` matches when there are more (``facets_approximate``: the newest
on SQLite or when the ranking read them; otherwise, on PostgreSQL, the first
the index gives, among the newest entries when the match is common); both go
through the same access filter as the results. When the page reaches the tier
of every word, that tier reads its newest 1,001 matches once, for the page, the
count and the facets. A last word taken as a prefix is the costly lookup (every
word it begins): tiers 1–6 need it whole anyway, and counts and facets look at
whole-word matches first, turning to the prefix only when whole words do not
already pass the limit.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connection
from django.db.models import Exists, IntegerField, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from thamvan.organizations.models import AdministrativeUnit, Organization
from thamvan.search.backends import Condition, Match, Recency, Window, get_backend
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

# Counting stops here: beyond it the page says "more than 1,000 results".
COUNT_LIMIT = 1_000
# Facets count this many matches (the newest, where that is cheap); exact when there are no more.
FACET_SAMPLE = 1_000
# Values shown per facet, most frequent first.
FACET_VALUES = 20
TIER_COUNT = 7

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
    # ``total`` is COUNT_LIMIT and there are more.
    total_capped: bool = False
    # Facet counts cover FACET_SAMPLE matches only.
    facets_approximate: bool = False


def _access_q(user: User, types: Sequence[Indexable]) -> Q:
    """Entries of the given types whose object the user may see; nothing if no type."""
    allowed = Q(pk__in=[])
    for indexable in types:
        # Correlated, so the database checks the matched entries one by one
        # instead of listing every object the user may see.
        visible = indexable.visible(user)
        if visible.query.is_empty():
            # Nothing of this type for this user: no subquery to compile or run.
            continue
        allowed |= Q(Exists(visible.filter(pk=OuterRef("object_id"))), type=indexable.key)
    return allowed


def _selected_types(types: Sequence[str] | None) -> list[Indexable]:
    if types is None:
        return list(indexables())
    known = {i.key: i for i in indexables()}
    return [known[t] for t in types if t in known]


def _tiers(parsed: ParsedQuery, *, prefix_last: bool) -> list[tuple[int, Match]]:
    """(score, match) for each tier of the ranking, best first; see the module docstring."""
    base = Condition("folded", parsed.folded, prefix_last=prefix_last)
    # Tiers 1-5 hold every word whole (a pair or an accented word holds its
    # folded words), so they need no other condition, unless the query is longer
    # than what they look at. The prefix ("d" *), the costly lookup, is left to
    # the last tier; so are the common single words, which pairs make redundant.
    truncated = max(len(parsed.folded), len(parsed.exact)) > MAX_RANKED_SYLLABLES
    whole = (Condition("folded", parsed.folded),) if truncated else ()
    folded = parsed.folded[:MAX_RANKED_SYLLABLES]
    exact = parsed.exact[:MAX_RANKED_SYLLABLES]
    folded_phrase = parsed.folded_pairs[:MAX_RANKED_SYLLABLES] or folded
    exact_phrase = parsed.exact_pairs[:MAX_RANKED_SYLLABLES] or exact
    conditions: list[tuple[Condition, ...]] = [
        (Condition("exact", exact_phrase), Condition("title", folded_phrase)),
        (Condition("exact", exact_phrase),),
        (Condition("title", folded_phrase),),
        (Condition("folded", folded_phrase),),
        (Condition("exact", exact),),
        # The same as the match itself unless the last word is a prefix: a
        # word typed whole ranks above the words it begins.
        (Condition("folded", parsed.folded),),
        (),
    ]
    tiers: list[tuple[int, Match]] = []
    above: list[tuple[Condition, ...]] = []
    seen: set[frozenset[tuple[str, str]]] = set()
    plain_base = frozenset(("folded", t) for t in parsed.folded) if not prefix_last else None
    for index, tier in enumerate(conditions):
        terms = frozenset((c.column, t) for c in tier for t in c.tokens)
        # A one-word query makes several tiers the same condition: keep the first.
        if tier and (terms in seen or terms == plain_base):
            continue
        seen.add(terms)
        require = tuple(dict.fromkeys((*whole, *tier))) if tier else (base,)
        tiers.append((TIER_COUNT - index, Match(require, tuple(above))))
        if tier:
            above.append(tier)
    return tiers


def _accessible(user: User, types: Sequence[str] | None = None) -> QuerySet[SearchEntry]:
    selected = _selected_types(types)
    if not selected:
        return SearchEntry.objects.none()
    return SearchEntry.objects.filter(_access_q(user, selected))


def _fetch(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@dataclass(frozen=True)
class _Scope:
    """The entries a search may return (access and filters), as SQL compiled once.

    A search runs up to ten small queries over the same scope; compiling the
    access filter (an EXISTS per registered type) for each costs more than
    running them.
    """

    where: str
    params: tuple[Any, ...]
    # The newest entries as the search found them (``SearchBackend.recency``).
    recency: Recency | None = None

    @classmethod
    def of(cls, queryset: QuerySet[SearchEntry], recency: Recency | None = None) -> _Scope | None:
        """None when the scope is empty; the queryset may filter but not join."""
        query = queryset.query
        if query.is_empty():
            return None
        compiler = query.get_compiler(using=queryset.db)
        try:
            where, params = compiler.compile(query.where)
        except EmptyResultSet:
            return None
        except FullResultSet:
            where, params = "1 = 1", ()
        return cls(where, tuple(params), recency)

    def select(
        self,
        columns: Sequence[str],
        match: Match,
        *,
        limit: int,
        ordered: bool = True,
        window: Window | None = None,
        skip: Sequence[int] = (),
    ) -> tuple[str, list[Any]]:
        join = get_backend().join(match, window=window, ordered=ordered)
        table = SearchEntry._meta.db_table
        where = [f"({self.where})", *join.where]
        if skip:
            where.append(f"{table}.id NOT IN ({', '.join(['%s'] * len(skip))})")
        sql = (
            f"SELECT {', '.join(f'{table}.{c} AS {c}' for c in columns)} "
            f"FROM {table}, {join.table} WHERE {' AND '.join(where)}"
        )
        if ordered:
            sql += f" ORDER BY {join.order_by}"
        params = [*join.table_params, *self.params, *join.params, *skip, limit]
        return sql + " LIMIT %s", params

    def rows(
        self, columns: Sequence[str], match: Match, *, limit: int, skip: Sequence[int] = ()
    ) -> list[tuple[Any, ...]]:
        """The newest ``limit`` matches' columns, newest first, but for the ``skip`` ids."""
        windows = _Windows(match, limit, self.recency, expected=limit + len(skip))
        for window in windows:
            rows = _fetch(*self.select(columns, match, limit=limit, window=window, skip=skip))
            if len(rows) == limit:
                break
            windows.found(window, len(rows))
        return rows

    def count(self, match: Match, *, limit: int) -> int:
        """How many entries match, counting no further than ``limit``."""
        windows = _Windows(match, limit, self.recency)
        for window in windows:
            sql, params = self.select(["id"], match, limit=limit, ordered=False, window=window)
            n = int(_fetch(f"SELECT COUNT(*) FROM ({sql}) bounded", params)[0][0])
            if n == limit:
                break
            windows.found(window, n)
        return n


class _Windows:
    """Where to look for ``limit`` matches, in turn (``SearchBackend.windows``).

    The last place is the whole index. A window that held too few says how
    common the match is; the windows too small at that rate are passed over.
    """

    def __init__(
        self, match: Match, limit: int, recency: Recency | None, *, expected: int | None = None
    ) -> None:
        self.limit = limit
        self.windows = get_backend().windows(match, expected or limit, recency)
        self.share: float | None = None

    def __iter__(self) -> Iterator[Window | None]:
        for window in self.windows:
            if window is None or self.share is None or self.share * window.size >= self.limit:
                yield window

    def found(self, window: Window | None, n: int) -> None:
        """Record that ``window`` held ``n`` matches, fewer than the limit."""
        if window is not None and window.size:
            self.share = n / window.size


def _joined(queryset: QuerySet[SearchEntry], match: Match) -> QuerySet[SearchEntry]:
    """``queryset`` narrowed to ``match``, newest first (walking the key index in order)."""
    join = get_backend().join(match)
    descending = join.order_by.endswith(" DESC")
    order = RawSQL(join.order_by.removesuffix(" DESC"), [])
    return queryset.extra(tables=[join.table], where=join.where, params=join.params).order_by(
        order.desc() if descending else order.asc()
    )


def matching_entries(
    text: str, *, user: User, types: Sequence[str] | None = None, prefix_last: bool = True
) -> QuerySet[SearchEntry]:
    """Entries matching ``text`` that ``user`` may see, newest first, unfiltered by facets."""
    parsed = parse_query(text)
    if parsed.is_empty:
        return SearchEntry.objects.none()
    base = Condition("folded", parsed.folded, prefix_last=prefix_last)
    return _joined(_accessible(user, types), Match((base,)))


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
        # EXISTS rather than a join, so that the scope stays one table (``_Scope``).
        through = SearchEntry.communes.through.objects.filter(
            searchentry_id=OuterRef("pk"), administrativeunit_id=filters.commune
        )
        queryset = queryset.filter(Exists(through))
    return queryset


def _kind_label(kind: str) -> str:
    for indexable in indexables():
        if kind in indexable.kinds:
            return indexable.kind_label(kind)
    return kind


# Each filter's value when it filters nothing.
_UNSET: dict[str, Any] = {f.name: f.default for f in fields(Filters)}
# How each facet is counted over the sample ("s"), as (value expression, from, where).
_FACET_SQL = {
    "type": ("s.type", "sample s", "1 = 1"),
    "kind": ("s.kind", "sample s", "s.kind <> ''"),
    "year": ("CAST(s.year AS TEXT)", "sample s", "s.year IS NOT NULL"),
    "organization": (
        "CAST(s.organization_id AS TEXT)",
        "sample s",
        "s.organization_id IS NOT NULL",
    ),
    "commune": (
        "CAST(c.administrativeunit_id AS TEXT)",
        "sample s JOIN search_searchentry_communes c ON c.searchentry_id = s.id",
        "1 = 1",
    ),
}


def _facet_sql(names: Sequence[str], probe: str) -> str:
    """Facet counts over ``probe``'s newest FACET_SAMPLE rows, and how many rows it has.

    The sample is taken once (MATERIALIZED) and grouped once per facet.
    """
    parts = ["SELECT 'more', '', COUNT(*) FROM probe"]
    for name in names:
        value, source, where = _FACET_SQL[name]
        parts.append(f"SELECT '{name}', {value}, COUNT(*) FROM {source} WHERE {where} GROUP BY 2")
    return (
        f"WITH probe AS MATERIALIZED ({probe}), sample AS MATERIALIZED "
        f"(SELECT * FROM probe ORDER BY rank DESC LIMIT %s) " + " UNION ALL ".join(parts)
    )


_FACET_COLUMNS = ("id", "type", "kind", "year", "organization_id", "rank")


def _sample_counts(
    scope: _Scope, names: Sequence[str], match: Match, read: Sequence[int] | None = None
) -> tuple[list[tuple[str, str, int]], int]:
    """(facet, value, count) over FACET_SAMPLE matches, in one query, and the matches
    counted up to one more than the sample.

    ``read``: the ids of the newest matches, newest first, as the ranking read
    them (at least one more than the sample, or all): counted without a lookup.
    """
    limit = FACET_SAMPLE + 1
    if read is not None:
        table = SearchEntry._meta.db_table
        columns = ", ".join(f"{table}.{c} AS {c}" for c in _FACET_COLUMNS)
        ids = list(read[:limit])
        params: list[Any]
        if connection.vendor == "postgresql":
            # One array parameter: a thousand literals take longer to send and parse.
            condition, params = f"{table}.id = ANY(%s)", [ids]
        else:
            condition, params = f"{table}.id IN ({', '.join(['%s'] * len(ids)) or 'NULL'})", ids
        probe = f"SELECT {columns} FROM {table} WHERE {condition}"
        rows = _fetch(_facet_sql(names, probe), [*params, FACET_SAMPLE])
        return [(name, value, int(n)) for name, value, n in rows[1:]], int(rows[0][2])
    windows = _Windows(match, limit, scope.recency)
    for window in windows:
        # In the order the engine finds them: newest first on SQLite; on
        # PostgreSQL, as the index gives them (from a window of the newest
        # entries when the match is common), since sorting every match would
        # cost more than the rest.
        probe, params = scope.select(
            _FACET_COLUMNS,
            match,
            limit=limit,
            window=window,
            ordered=connection.vendor == "sqlite",
        )
        rows = _fetch(_facet_sql(names, probe), [*params, FACET_SAMPLE])
        matched = int(rows[0][2])
        if matched > FACET_SAMPLE:
            break
        windows.found(window, matched)
    return [(name, value, int(n)) for name, value, n in rows[1:]], matched


def _facet_counts(
    accessible: QuerySet[SearchEntry],
    scope: _Scope | None,
    matches: Sequence[Match],
    filters: Filters,
    recency: Recency | None = None,
    read: dict[Match, list[int]] | None = None,
) -> tuple[dict[str, Counter[Any]], bool, dict[Match, int]]:
    """Each facet's value counts over FACET_SAMPLE matches; True if there are more;
    and the matches of ``scope`` counted, up to one more than the sample, per match.

    Each facet counts with every other filter applied but its own, so the
    alternatives to the current choice stay visible. Facets that end up with
    the same filters share one query; ``scope`` is the one with every filter,
    whose newest matches the ranking may already have ``read``.
    ``matches`` are tried in turn until one has more than the sample (whole
    words, then the last one as a prefix: a superset, costlier to list).
    """
    counts: dict[str, Counter[Any]] = {name: Counter() for name in FACETS}
    groups: dict[Filters, list[str]] = {}
    for name in FACETS:
        groups.setdefault(replace(filters, **{name: _UNSET[name]}), []).append(name)
    approximate = False
    counted: dict[Match, int] = {}
    for effective, names in groups.items():
        sample = (
            scope
            if effective == filters
            else _Scope.of(_apply_filters(accessible, effective), recency)
        )
        if sample is None:
            continue
        for match in matches:
            ids = (read or {}).get(match) if sample is scope else None
            rows, matched = _sample_counts(sample, names, match, ids)
            if sample is scope:
                counted[match] = matched
            if matched > FACET_SAMPLE:
                break
        approximate |= matched > FACET_SAMPLE
        for name, value, n in rows:
            counts[name][value if name in ("type", "kind") else int(value)] = n
    return counts, approximate, counted


def _facets(
    accessible: QuerySet[SearchEntry],
    scope: _Scope | None,
    matches: Sequence[Match],
    filters: Filters,
    recency: Recency | None = None,
    read: dict[Match, list[int]] | None = None,
) -> tuple[dict[str, list[FacetValue]], bool, dict[Match, int]]:
    """The facets, whether they count a sample, and the matches counted (``_facet_counts``)."""
    counts, approximate, counted = _facet_counts(accessible, scope, matches, filters, recency, read)

    def top(name: str) -> list[tuple[Any, int]]:
        return sorted(counts[name].items(), key=lambda item: (-item[1], str(item[0])))

    facets: dict[str, list[FacetValue]] = {}
    labels = {i.key: str(i.label) for i in indexables()}
    facets["type"] = [
        FacetValue(str(v), labels.get(str(v), str(v)), n, v == filters.type) for v, n in top("type")
    ]
    facets["kind"] = [
        FacetValue(str(v), _kind_label(str(v)), n, v == filters.kind) for v, n in top("kind")
    ]
    facets["year"] = [
        FacetValue(str(v), str(v), n, v == filters.year)
        for v, n in sorted(counts["year"].items(), key=lambda item: -int(str(item[0])))
    ]
    # Names sort the ties, as people read them; the top values are then cut.
    names = dict(
        Organization.objects.filter(pk__in=list(counts["organization"])).values_list("pk", "name")
    )
    organizations = sorted(counts["organization"].items(), key=lambda i: (-i[1], names[i[0]]))
    facets["organization"] = [
        FacetValue(str(v), names[v], n, v == filters.organization)
        for v, n in organizations[:FACET_VALUES]
    ]
    units = dict(
        AdministrativeUnit.objects.filter(pk__in=list(counts["commune"])).values_list("pk", "name")
    )
    communes = sorted(counts["commune"].items(), key=lambda i: (-i[1], units[i[0]]))
    facets["commune"] = [
        FacetValue(str(v), units[v], n, v == filters.commune) for v, n in communes[:FACET_VALUES]
    ]
    return facets, approximate, counted


class _PositionalFoldTable(dict[int, str]):
    """``str.translate`` table folding one character to one, filled as characters come."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        if char.isascii():
            folded = char
        else:
            candidate = fold(char)
            folded = candidate if len(candidate) == 1 else char
        self[code] = folded
        return folded


_POSITIONAL_FOLD = _PositionalFoldTable()


def _positional_fold(text: str) -> str:
    """Fold ``text`` one character for one, so positions in it are positions in ``text``."""
    lowered = text.lower()
    if len(lowered) != len(text):
        lowered = text
    return lowered.translate(_POSITIONAL_FOLD)


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


def _clamp(limit: int, offset: int) -> tuple[int, int]:
    return max(1, min(limit, MAX_LIMIT)), max(0, offset)


def _ranked(
    scope: _Scope,
    tiers: Sequence[tuple[int, Match]],
    wanted: int,
    *,
    read: Sequence[Match] = (),
    read_to: int = 0,
) -> tuple[list[tuple[int, int]], bool, dict[Match, list[int]]]:
    """The first ``wanted`` (entry id, score) in rank order; True if that is every match.

    A tier whose condition is one of ``read`` (every word, or every word with
    the last a prefix), when the page needs it, is read up to ``read_to``
    entries, newest first: those ids, returned per match, also count the
    matches and sample them for the facets without looking them up again.
    """
    found: list[tuple[int, int]] = []
    read_ids: dict[Match, list[int]] = {}
    by_id = not get_backend().excludes_in_index
    for score, match in tiers:
        missing = wanted - len(found)
        plain = replace(match, exclude=())
        if read_to and plain in read:
            # Every entry of the tiers above meets this condition too: the
            # newest ``limit`` matches hold the page.
            limit = max(read_to, wanted)
            ids = [row[0] for row in scope.rows(["id"], plain, limit=limit)]
            read_ids[plain] = ids
            seen = {pk for pk, _score in found}
            new = [pk for pk in ids if pk not in seen]
            found += [(pk, score) for pk in new[:missing]]
            if len(new) >= missing and (len(new) > missing or len(ids) == limit):
                return found, False, read_ids
            continue
        skip: list[int] = []
        if by_id:
            # Each tier above returned fewer than it was asked for, so every
            # entry meeting its condition is in ``found``: leaving those ids
            # out is the same as excluding the conditions, and cheaper.
            match = plain
            skip = [pk for pk, _score in found]
        ids = [row[0] for row in scope.rows(["id"], match, limit=missing, skip=skip)]
        found += [(pk, score) for pk in ids]
        if len(ids) == missing:
            # The page is full; lower tiers, or more of this one, may exist.
            return found, False, read_ids
    return found, True, read_ids


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
    accessible = _accessible(user)
    if parsed.is_empty:
        return SearchResults(query=text, total=0, hits=[], facets={}, limit=limit, offset=offset)
    recency = get_backend().recency()
    scope = _Scope.of(_apply_filters(accessible, filters), recency)
    # Whole words first: when they alone pass a limit, so does the prefix match.
    matches = [Match((Condition("folded", parsed.folded),))]
    if prefix_last:
        matches.append(Match((Condition("folded", parsed.folded, prefix_last=True),)))
    found: list[tuple[int, int]] = []
    complete = True
    read: dict[Match, list[int]] = {}
    if scope is not None:
        # Counting stops one past the limit, to know that there are more.
        read_to = max(COUNT_LIMIT, FACET_SAMPLE if with_facets else 0) + 1
        tiers = _tiers(parsed, prefix_last=prefix_last)
        found, complete, read = _ranked(scope, tiers, offset + limit, read=matches, read_to=read_to)
    facets, approximate, counted = (
        _facets(accessible, scope, matches, filters, recency, read)
        if with_facets
        else ({}, False, {})
    )
    total = len(found)
    if not complete and scope is not None:
        for match in matches:
            if match in read:
                total = min(len(read[match]), COUNT_LIMIT + 1)
            elif FACET_SAMPLE == COUNT_LIMIT and match in counted:
                total = counted[match]
            else:
                total = scope.count(match, limit=COUNT_LIMIT + 1)
            if total > COUNT_LIMIT:
                break
    page = found[offset:]
    entries = SearchEntry.objects.select_related("organization").in_bulk([pk for pk, _ in page])
    pattern = _term_pattern(parsed, prefix_last=prefix_last)
    hits = [_hit(entries[pk], pattern, score) for pk, score in page if pk in entries]
    return SearchResults(
        query=text,
        total=min(total, COUNT_LIMIT),
        hits=hits,
        facets=facets,
        limit=limit,
        offset=offset,
        total_capped=total > COUNT_LIMIT,
        facets_approximate=approximate,
    )


def _hit(entry: SearchEntry, pattern: re.Pattern[str] | None, score: int) -> Hit:
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
        score=score,
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
        [("folded", pair, 1) for pair in pairs], SearchEntry._meta.db_table
    )
    queryset = (
        SearchEntry.objects.filter(**{f"{backend.key_column()}__in": RawSQL(any_sql, any_params)})
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
    return [_hit(entry, pattern, getattr(entry, "score", 0)) for entry in entries]
