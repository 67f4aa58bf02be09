"""The two places the matching keys live: SQLite FTS5 and PostgreSQL tsvector.

Both index three kinds of whitespace-separated tokens from ``normalize``:
``title`` (folded title tokens), ``exact`` (canonical tones, lowercase) and
``folded`` (no diacritics, đ → d), each with syllables and adjacent-syllable
bigrams, beside the entry's ``rank``: its recency key (``SearchEntry.rank``),
unique, larger for newer entries.

Queries are ``Match`` conditions: every token of each listed column, none of the
``exclude`` groups. ``join`` turns one into a table to join to the entries, a
WHERE clause and the column to order by, newest first. Ordered that way, both
engines walk their index from the newest entry and stop once the LIMIT is
reached, instead of collecting every match first:

* SQLite keeps all keys in one FTS5 table whose rowid is the rank negated; the
  column a token belongs to is a prefix on it (``t$``, ``e$``, ``f$``), so one
  MATCH expression tests any mix of columns. FTS5 returns rowids in ascending
  order natively (descending order reads whole lists first), so ascending
  negated ranks are the newest first.
* PostgreSQL keeps all keys of an entry in one tsvector with a GIN index, the
  column a token belongs to marked on it (``^``, ``=``, none), beside the rank
  with a btree index. A GIN lookup collects every match before returning any,
  so searches look first in windows of the newest entries, made part of the
  same lookup by recency tokens (``PostgreSQLBackend.windows``).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from django.db import DatabaseError, connection
from django.db.backends.base.base import BaseDatabaseWrapper

Column = Literal["title", "exact", "folded"]
COLUMNS: tuple[Column, ...] = ("title", "exact", "folded")


@dataclass(frozen=True)
class Keys:
    title: str
    exact: str
    folded: str


@dataclass(frozen=True)
class Condition:
    """Every token of ``tokens`` in ``column``; the last one may be a prefix."""

    column: Column
    tokens: tuple[str, ...]
    prefix_last: bool = False


@dataclass(frozen=True)
class Match:
    """All of ``require`` and, for each group of ``exclude``, not all of it."""

    require: tuple[Condition, ...]
    exclude: tuple[tuple[Condition, ...], ...] = field(default=())


@dataclass(frozen=True)
class Join:
    """SQL to join the keys to ``search_searchentry`` for one ``Match``."""

    # A table, or a subquery with its alias, and the subquery's parameters.
    table: str
    where: list[str]
    params: list[Any]
    # ORDER BY this to walk the keys newest first.
    order_by: str
    table_params: list[Any] = field(default_factory=list)


@dataclass(frozen=True)
class Window:
    """The newest entries: every entry of rank ``lowest`` or more."""

    lowest: int
    # How many entries it holds, about.
    size: int
    # Index tokens that together hold those entries, where the engine needs them.
    tokens: tuple[str, ...] = ()


@dataclass(frozen=True)
class Recency:
    """What a backend knows of the newest entries when a search starts."""

    newest: int
    # Entries in the window of each shift.
    sizes: dict[int, int]
    # All entries, about.
    total: float


ENTRY_TABLE = "search_searchentry"


class SearchBackend:
    vendor = ""
    table = ""
    # Whether a Match's ``exclude`` groups are cheap (tested inside the index
    # walk). When not, the ranking excludes the entries of the tiers above by
    # id instead (see ``query._ranked``).
    excludes_in_index = True

    def create_schema(self, conn: BaseDatabaseWrapper) -> None:
        raise NotImplementedError

    def drop_schema(self, conn: BaseDatabaseWrapper) -> None:
        raise NotImplementedError

    def upgrade_schema(self, conn: BaseDatabaseWrapper) -> None:
        """Move keys stored by the previous layout (migration 0002) to this one."""
        raise NotImplementedError

    def write(self, rows: Iterable[tuple[int, int, Keys]]) -> None:
        """Store the keys of (entry id, entry rank, keys); the entries' old keys must be gone."""
        raise NotImplementedError

    def delete(self, entry_ids: Sequence[int]) -> None:
        """Remove the keys of these entries; call while the entries still hold their rank."""
        raise NotImplementedError

    def clear(self) -> None:
        raise NotImplementedError

    def join(self, match: Match, *, window: Window | None = None, ordered: bool = False) -> Join:
        """``window``: look only among the newest entries (see ``windows``).

        ``ordered``: the query will be ordered by ``Join.order_by``, so the
        table may be a subquery that sorts the matches before they are joined.
        """
        raise NotImplementedError

    def recency(self) -> Recency | None:
        """What ``windows`` needs to know of the newest entries; read once per search."""
        return None

    def windows(
        self, match: Match, limit: int, recency: Recency | None = None
    ) -> list[Window | None]:
        """Where to look for the newest ``limit`` matches, in turn; None is everywhere.

        Finding ``limit`` matches in a window of the newest entries is the exact
        answer, since every entry outside it is older. Where walking the keys
        newest first is not how the engine looks a match up, the windows likely
        to hold ``limit`` matches come first.
        """
        return [None]

    def key_column(self) -> str:
        """The entry column that the subqueries of ``match_any_sql``/``term_sql`` return."""
        raise NotImplementedError

    def match_any_sql(self, tokens: Sequence[str]) -> tuple[str, list[Any]]:
        """Keys of the entries whose folded column holds at least one of the tokens."""
        raise NotImplementedError

    def term_sql(self, column: Column, token: str) -> tuple[str, list[Any]]:
        raise NotImplementedError

    def score_sql(
        self, terms: Sequence[tuple[Column, str, int]], entry: str
    ) -> tuple[str, list[Any]]:
        """The sum of the weights of the terms the entry holds, as an SQL expression."""
        parts: list[str] = []
        params: list[Any] = []
        key = f"{entry}.{self.key_column()}"
        for column, token, weight in terms:
            sql, term_params = self.term_sql(column, token)
            parts.append(f"CASE WHEN {key} IN ({sql}) THEN {weight} ELSE 0 END")
            params += term_params
        return "(" + (" + ".join(parts) or "0") + ")", params

    def size_bytes(self) -> int:
        raise NotImplementedError


def _is_pair(token: str) -> bool:
    return "_" in token


_SQLITE_PREFIX: dict[Column, str] = {"title": "t$", "exact": "e$", "folded": "f$"}


def _fts_token(column: Column, token: str) -> str:
    # Folded pairs apart from folded syllables ("p$"), so that a prefix ("f$da" *)
    # expands to the few syllables it begins, not to every pair that starts with it.
    if column == "folded" and _is_pair(token):
        return "p$" + token
    return _SQLITE_PREFIX[column] + token


def _fts_phrase(column: Column, token: str) -> str:
    # Tokens hold only letters, digits and "_"; quoting keeps FTS5 from reading
    # any of them as an operator.
    return '"' + _fts_token(column, token).replace('"', '""') + '"'


def _fts_condition(condition: Condition) -> str:
    phrases = [_fts_phrase(condition.column, t) for t in condition.tokens]
    if condition.prefix_last and phrases:
        phrases[-1] += " *"
    return " AND ".join(phrases)


def _fts_match(match: Match) -> str:
    expression = "(" + " AND ".join(_fts_condition(c) for c in match.require) + ")"
    for group in match.exclude:
        expression += " NOT (" + " AND ".join(_fts_condition(c) for c in group) + ")"
    return expression


class SQLiteBackend(SearchBackend):
    """One FTS5 table, its rowid minus the entry's rank, its tokens prefixed by column.

    ``detail=none`` stores neither positions nor columns: adjacency is indexed as
    bigrams, and presence is all ranking needs. The tokenizer re-tokenises
    nothing but keeps "_" inside bigrams and "$" after the column prefix.
    """

    vendor = "sqlite"
    table = "search_fts"

    def create_schema(self, conn: BaseDatabaseWrapper) -> None:
        with conn.cursor() as cursor:
            cursor.execute(
                f"CREATE VIRTUAL TABLE IF NOT EXISTS {self.table} USING fts5("
                "key, tokenize = \"unicode61 remove_diacritics 0 tokenchars '_$'\", "
                "detail = none)"
            )

    def drop_schema(self, conn: BaseDatabaseWrapper) -> None:
        with conn.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.table}")

    def upgrade_schema(self, conn: BaseDatabaseWrapper) -> None:
        self.create_schema(conn)
        with conn.cursor() as cursor:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE name IN "
                "('search_fts_title', 'search_fts_exact', 'search_fts_folded')"
            )
            if len(cursor.fetchall()) < len(COLUMNS):
                return
            cursor.execute(
                f"SELECT e.id, e.rank, t.key, x.key, f.key FROM {ENTRY_TABLE} e "
                "JOIN search_fts_title t ON t.rowid = e.id "
                "JOIN search_fts_exact x ON x.rowid = e.id "
                "JOIN search_fts_folded f ON f.rowid = e.id"
            )
            rows = [(pk, rank, Keys(t, x, f)) for pk, rank, t, x, f in cursor.fetchall()]
            self._insert(cursor, rows)
            for column in COLUMNS:
                cursor.execute(f"DROP TABLE search_fts_{column}")

    @staticmethod
    def _document(keys: Keys) -> str:
        return " ".join(
            _fts_token(column, token)
            for column in COLUMNS
            for token in getattr(keys, column).split()
        )

    def _insert(self, cursor: Any, rows: Sequence[tuple[int, int, Keys]]) -> None:
        cursor.executemany(
            f"INSERT INTO {self.table} (rowid, key) VALUES (%s, %s)",
            [(-rank, self._document(keys)) for _pk, rank, keys in rows],
        )

    def write(self, rows: Iterable[tuple[int, int, Keys]]) -> None:
        batch = list(rows)
        if not batch:
            return
        with connection.cursor() as cursor:
            # Idempotent: the rank is the entry's own (unique), so this deletes
            # nothing but a previous copy of these keys.
            cursor.executemany(
                f"DELETE FROM {self.table} WHERE rowid = %s", [(-rank,) for _pk, rank, _k in batch]
            )
            self._insert(cursor, batch)

    def delete(self, entry_ids: Sequence[int]) -> None:
        with connection.cursor() as cursor:
            cursor.executemany(
                f"DELETE FROM {self.table} WHERE rowid = "
                f"(SELECT -rank FROM {ENTRY_TABLE} WHERE id = %s)",
                [(i,) for i in entry_ids],
            )

    def clear(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {self.table}")

    def join(self, match: Match, *, window: Window | None = None, ordered: bool = False) -> Join:
        # FTS5 walks its matches in rowid order and stops at the LIMIT: no window needed.
        return Join(
            table=self.table,
            where=[f"{ENTRY_TABLE}.rank = -{self.table}.rowid", f"{self.table} MATCH %s"],
            params=[_fts_match(match)],
            order_by=f"{self.table}.rowid",
        )

    def key_column(self) -> str:
        return "rank"

    def _lookup(self, expression: str) -> tuple[str, list[Any]]:
        return f"SELECT -rowid FROM {self.table} WHERE {self.table} MATCH %s", [expression]

    def match_any_sql(self, tokens: Sequence[str]) -> tuple[str, list[Any]]:
        return self._lookup(" OR ".join(_fts_phrase("folded", t) for t in tokens))

    def term_sql(self, column: Column, token: str) -> tuple[str, list[Any]]:
        return self._lookup(_fts_phrase(column, token))

    def size_bytes(self) -> int:
        with connection.cursor() as cursor:
            try:
                cursor.execute(
                    "SELECT COALESCE(SUM(pgsize), 0) FROM dbstat WHERE name LIKE %s",
                    [f"{self.table}%"],
                )
            except DatabaseError:
                # dbstat is an optional compile-time module of SQLite.
                return 0
            return int(cursor.fetchone()[0])


# Each column's tokens carry a mark in the one tsvector PostgreSQL keeps per
# entry, so that any mix of columns is one condition on one GIN index. Folded
# syllables carry none, so that a prefix ('da':*) matches the few syllables it
# begins and nothing else: not pairs, nor the other columns' tokens.
_PG_MARK: dict[Column, str] = {"title": "^", "exact": "=", "folded": ""}
# Recency tokens: "#<shift>:<rank >> shift>" for each shift, blocks of time that
# double from one shift to the next (the finest is about 18 hours).
RECENCY_SHIFTS = tuple(range(16, 38))


def _pg_lexeme(column: Column, token: str) -> str:
    if column == "folded" and _is_pair(token):
        return "_" + token
    return _PG_MARK[column] + token


def _quoted(lexeme: str) -> str:
    # Quoted lexemes are taken as they are: the text-search parser, which would
    # split bigrams at "_", never sees them.
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def _tsquery(condition: Condition) -> str:
    lexemes = [_quoted(_pg_lexeme(condition.column, t)) for t in condition.tokens]
    if condition.prefix_last and lexemes:
        lexemes[-1] += ":*"
    return " & ".join(lexemes)


def rank_lexemes(rank: int) -> list[str]:
    """The recency tokens of one entry: the block of its rank at each shift."""
    return [f"#{shift}:{rank >> shift}" for shift in RECENCY_SHIFTS]


class PostgreSQLBackend(SearchBackend):
    """One tsvector per entry with a GIN index, and the rank with a btree index.

    A GIN lookup finds every match before any is returned, so a common match
    costs as much as it has matches. Searches therefore look first in windows of
    the newest entries (``windows``), which the recency tokens make part of the
    same GIN condition, and the whole index only when the windows hold too few.
    """

    vendor = "postgresql"
    # A NOT over the keys is rechecked on every candidate row: excluding the
    # tiers above by id is cheaper (see ``query._ranked``).
    excludes_in_index = False
    table = "search_keys"
    # The previous layout: one tsvector per column (migration 0002).
    legacy_table = "search_vector"
    # Lexeme statistics and window sizes are read again after this long.
    STATS_SECONDS = 300
    # Window sizes are counted up to this many entries.
    COUNT_WINDOWS_TO = 1 << 18

    def __init__(self) -> None:
        # (fetched at, lexeme → share of entries holding it), from ANALYZE.
        self._stats: tuple[float, dict[str, float]] = (-1e9, {})
        # (fetched at, newest rank's blocks, {shift: entries in its window}).
        self._sizes: tuple[float, tuple[int, ...], dict[int, int]] = (-1e9, (), {})

    def create_schema(self, conn: BaseDatabaseWrapper) -> None:
        with conn.cursor() as cursor:
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {self.table} ("
                # No foreign key: TRUNCATE of the entries (test flushes) must not
                # need CASCADE; entries and keys are deleted together in code.
                "entry_id bigint PRIMARY KEY, rank bigint NOT NULL, keys tsvector NOT NULL)"
            )
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS {self.table}_keys ON {self.table} USING gin (keys)"
            )
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS {self.table}_rank ON {self.table} (rank DESC)"
            )

    def drop_schema(self, conn: BaseDatabaseWrapper) -> None:
        with conn.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.table}")
            cursor.execute(f"DROP TABLE IF EXISTS {self.legacy_table}")

    def upgrade_schema(self, conn: BaseDatabaseWrapper) -> None:
        self.create_schema(conn)
        with conn.cursor() as cursor:
            cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [self.legacy_table])
            if not cursor.fetchone()[0]:
                return
            # Folded pairs of the first layout lack their "_" mark.
            unmarked = r"l LIKE '%%\_%%' AND l NOT LIKE '\_%%'"
            shifts = ", ".join(str(s) for s in RECENCY_SHIFTS)
            cursor.execute(
                f"INSERT INTO {self.table} (entry_id, rank, keys) "
                "SELECT e.id, e.rank, array_to_tsvector("
                "ARRAY(SELECT '^' || l FROM unnest(tsvector_to_array(v.title)) l) || "
                "ARRAY(SELECT '=' || l FROM unnest(tsvector_to_array(v.exact)) l) || "
                f"ARRAY(SELECT CASE WHEN {unmarked} THEN '_' || l ELSE l END "
                "FROM unnest(tsvector_to_array(v.folded)) l) || "
                f"ARRAY(SELECT '#' || s || ':' || (e.rank >> s) FROM unnest(ARRAY[{shifts}]) s)) "
                f"FROM {self.legacy_table} v JOIN {ENTRY_TABLE} e ON e.id = v.entry_id "
                "WHERE e.rank IS NOT NULL "
                "ON CONFLICT (entry_id) DO NOTHING"
            )
            cursor.execute(f"DROP TABLE {self.legacy_table}")

    @staticmethod
    def _lexemes(rank: int, keys: Keys) -> list[str]:
        return [
            *(_pg_lexeme(column, t) for column in COLUMNS for t in getattr(keys, column).split()),
            *rank_lexemes(rank),
        ]

    def write(self, rows: Iterable[tuple[int, int, Keys]]) -> None:
        batch = [(pk, rank, self._lexemes(rank, keys)) for pk, rank, keys in rows]
        if not batch:
            return
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {self.table} (entry_id, rank, keys) "
                "VALUES (%s, %s, array_to_tsvector(%s::text[])) "
                "ON CONFLICT (entry_id) DO UPDATE SET rank = EXCLUDED.rank, keys = EXCLUDED.keys",
                batch,
            )

    def delete(self, entry_ids: Sequence[int]) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {self.table} WHERE entry_id = ANY(%s)", [list(entry_ids)])

    def clear(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {self.table}")

    def join(self, match: Match, *, window: Window | None = None, ordered: bool = False) -> Join:
        query = " & ".join(f"({_tsquery(c)})" for c in match.require)
        for group in match.exclude:
            query += " & !(" + " & ".join(f"({_tsquery(c)})" for c in group) + ")"
        if window is not None:
            # The tokens make the window part of the GIN lookup. No bound on the
            # rank beside them: the planner would rather walk the rank index and
            # test every entry in the window, reading all its keys.
            query = "(" + " | ".join(_quoted(t) for t in window.tokens) + f") & {query}"
        entry = f"{self.table}.entry_id = {ENTRY_TABLE}.id"
        order_by = f"{self.table}.rank DESC"
        if not ordered:
            where = [entry, f"{self.table}.keys @@ %s::tsquery"]
            return Join(table=self.table, where=where, params=[query], order_by=order_by)
        # The matches sorted before they are joined, so that the join stops at
        # the LIMIT; the planner, which takes the words of a query as
        # independent, would join every match and then sort.
        table = (
            f"(SELECT entry_id, rank FROM {self.table} WHERE keys @@ %s::tsquery "
            f"ORDER BY rank DESC) {self.table}"
        )
        return Join(table=table, where=[entry], params=[], order_by=order_by, table_params=[query])

    def _lexeme_shares(self) -> dict[str, float]:
        fetched, shares = self._stats
        if time.monotonic() - fetched < self.STATS_SECONDS:
            return shares
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
                "WHERE tablename = %s AND attname = 'keys' AND most_common_elems IS NOT NULL",
                [self.table],
            )
            row = cursor.fetchone()
        shares = dict(zip(row[0], row[1], strict=False)) if row else {}
        self._stats = (time.monotonic(), shares)
        return shares

    def share(self, match: Match) -> float:
        """At most what share of all entries may match.

        Every token must be there, so the rarest bounds the share.
        """
        shares = self._lexeme_shares()
        # Only the most common lexemes are listed: any other is at most as common.
        unlisted = 0.0
        bound = 1.0
        for condition in match.require:
            tokens = condition.tokens[:-1] if condition.prefix_last else condition.tokens
            for token in tokens:
                bound = min(bound, shares.get(_pg_lexeme(condition.column, token), unlisted))
        return bound

    @staticmethod
    def _lowest(newest: int, shift: int) -> int:
        # The block before the newest rank's, so that a window is never nearly empty.
        return ((newest >> shift) - 1) << shift

    def recency(self) -> Recency | None:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT (SELECT rank FROM {self.table} ORDER BY rank DESC LIMIT 1), "
                "(SELECT reltuples FROM pg_class WHERE oid = %s::regclass)",
                [self.table],
            )
            newest, total = cursor.fetchone()
            if newest is None:
                return None
            blocks = tuple(newest >> shift for shift in RECENCY_SHIFTS)
            fetched, known, sizes = self._sizes
            if known != blocks or time.monotonic() - fetched >= self.STATS_SECONDS:
                counts = ", ".join(
                    f"COUNT(*) FILTER (WHERE rank >= {self._lowest(newest, shift)})"
                    for shift in RECENCY_SHIFTS
                )
                cursor.execute(
                    f"SELECT {counts} FROM (SELECT rank FROM {self.table} "
                    f"ORDER BY rank DESC LIMIT {self.COUNT_WINDOWS_TO}) newest"
                )
                sizes = dict(zip(RECENCY_SHIFTS, cursor.fetchone(), strict=True))
                self._sizes = (time.monotonic(), blocks, sizes)
        return Recency(newest, sizes, max(float(total or 0), float(max(sizes.values()))))

    def windows(
        self, match: Match, limit: int, recency: Recency | None = None
    ) -> list[Window | None]:
        """Windows worth a look before the whole index, smallest first, then None.

        A shift's window is the newest rank's block at that shift and the block
        before it: two tokens. A GIN lookup costs about as much as its rarest
        token has entries, so a window is worth it when it holds fewer entries
        than the match's rarest token and the statistics say it may hold
        ``limit`` matches. The window before the first of those comes first, at
        about half its cost: what it holds says whether the next is worth it
        (``query._Windows``). Any window gives exact results (it holds every
        entry newer than its bound); the choice only changes the cost.
        """
        share = self.share(match)
        if recency is None or share * recency.total < limit:
            return [None]
        useful = [
            (shift, size)
            for shift, size in recency.sizes.items()
            if limit <= size < share * recency.total
        ]
        likely = [(shift, size) for shift, size in useful if size * share >= limit]
        if likely and useful[0] != likely[0]:
            likely.insert(0, useful[useful.index(likely[0]) - 1])
        windows: list[Window | None] = []
        for shift, size in likely:
            if windows and windows[-1] is not None and windows[-1].size == size:
                continue
            block = recency.newest >> shift
            tokens = (f"#{shift}:{block - 1}", f"#{shift}:{block}")
            windows.append(Window(self._lowest(recency.newest, shift), size, tokens))
        return [*windows, None]

    def key_column(self) -> str:
        return "id"

    def match_any_sql(self, tokens: Sequence[str]) -> tuple[str, list[Any]]:
        return (
            f"SELECT entry_id FROM {self.table} WHERE keys @@ %s::tsquery",
            [" | ".join(_quoted(_pg_lexeme("folded", t)) for t in tokens)],
        )

    def term_sql(self, column: Column, token: str) -> tuple[str, list[Any]]:
        return (
            f"SELECT entry_id FROM {self.table} WHERE keys @@ %s::tsquery",
            [_quoted(_pg_lexeme(column, token))],
        )

    def score_sql(
        self, terms: Sequence[tuple[Column, str, int]], entry: str
    ) -> tuple[str, list[Any]]:
        # Tested on the matched entry's own keys, fetched once: one lookup per
        # result instead of one index scan per term over the whole table.
        if not terms:
            return "0", []
        parts = [
            f"CASE WHEN v.keys @@ %s::tsquery THEN {weight} ELSE 0 END" for *_, weight in terms
        ]
        params: list[Any] = [_quoted(_pg_lexeme(column, token)) for column, token, _w in terms]
        return (
            f"(SELECT {' + '.join(parts)} FROM {self.table} v WHERE v.entry_id = {entry}.id)",
            params,
        )

    def size_bytes(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_total_relation_size(%s)", [self.table])
            return int(cursor.fetchone()[0])


_BACKENDS: dict[str, SearchBackend] = {
    "sqlite": SQLiteBackend(),
    "postgresql": PostgreSQLBackend(),
}


def backend_for(conn: BaseDatabaseWrapper) -> SearchBackend:
    try:
        return _BACKENDS[conn.vendor]
    except KeyError:
        raise NotImplementedError(f"search has no backend for {conn.vendor}") from None


def get_backend() -> SearchBackend:
    return backend_for(connection)
