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
* PostgreSQL keeps one tsvector per column with a GIN index each, and the rank
  with a btree index: for a common query the planner walks the rank index and
  tests each row, for a rare one it intersects the GIN indexes and sorts the few
  matches.
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

    table: str
    where: list[str]
    params: list[Any]
    # ORDER BY this to walk the keys newest first.
    order_by: str


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

    def join(self, match: Match, *, window: int | None = None) -> Join:
        """``window``: look only at the newest this many keys (see ``common``)."""
        raise NotImplementedError

    def common(self, match: Match) -> float:
        """At most what share of all entries may match: 1 when unknown.

        Where walking the keys newest first is not how the engine looks up a
        match, ``search`` first looks in a window of the newest keys when a
        match is common enough to fill a page there.
        """
        return 0.0

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

    def join(self, match: Match, *, window: int | None = None) -> Join:
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


def _pg_lexeme(column: Column, token: str) -> str:
    # Folded pairs start with "_", so that a prefix ('da':*) matches the few
    # syllables it begins, not every pair that starts with it.
    return "_" + token if column == "folded" and _is_pair(token) else token


def _tsquery_lexeme(column: Column, token: str) -> str:
    # Quoted lexemes are taken as they are: the text-search parser, which would
    # split bigrams at "_", never sees them.
    lexeme = _pg_lexeme(column, token)
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def _tsquery(condition: Condition) -> str:
    lexemes = [_tsquery_lexeme(condition.column, t) for t in condition.tokens]
    if condition.prefix_last and lexemes:
        lexemes[-1] += ":*"
    return " & ".join(lexemes)


class PostgreSQLBackend(SearchBackend):
    """tsvector columns built with array_to_tsvector, each with a GIN index."""

    vendor = "postgresql"
    # A NOT over a tsvector is rechecked on every candidate row, reading its
    # other key columns: at 1M entries the last tier spent 40 ms on it.
    excludes_in_index = False
    table = "search_vector"

    def create_schema(self, conn: BaseDatabaseWrapper) -> None:
        with conn.cursor() as cursor:
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {self.table} ("
                # No foreign key: TRUNCATE of the entries (test flushes) must not
                # need CASCADE; entries and keys are deleted together in code.
                "entry_id bigint PRIMARY KEY, "
                "title tsvector NOT NULL, exact tsvector NOT NULL, folded tsvector NOT NULL)"
            )
            self._add_rank(cursor)
            for column in COLUMNS:
                cursor.execute(
                    f"CREATE INDEX IF NOT EXISTS {self.table}_{column} "
                    f"ON {self.table} USING gin ({column})"
                )

    def _add_rank(self, cursor: Any) -> None:
        cursor.execute(f"ALTER TABLE {self.table} ADD COLUMN IF NOT EXISTS rank bigint")
        cursor.execute(f"CREATE INDEX IF NOT EXISTS {self.table}_rank ON {self.table} (rank DESC)")

    def drop_schema(self, conn: BaseDatabaseWrapper) -> None:
        with conn.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.table}")

    def upgrade_schema(self, conn: BaseDatabaseWrapper) -> None:
        self.create_schema(conn)
        with conn.cursor() as cursor:
            cursor.execute(
                f"UPDATE {self.table} v SET rank = e.rank FROM {ENTRY_TABLE} e "
                "WHERE e.id = v.entry_id AND v.rank IS DISTINCT FROM e.rank"
            )
            # Folded pairs gain their "_" (``_pg_lexeme``).
            unmarked = r"l LIKE '%%\_%%' AND l NOT LIKE '\_%%'"
            cursor.execute(
                f"UPDATE {self.table} SET folded = array_to_tsvector(ARRAY("
                f"SELECT CASE WHEN {unmarked} THEN '_' || l ELSE l END "
                "FROM unnest(tsvector_to_array(folded)) l)) "
                f"WHERE EXISTS (SELECT 1 FROM unnest(tsvector_to_array(folded)) l WHERE {unmarked})"
            )

    def write(self, rows: Iterable[tuple[int, int, Keys]]) -> None:
        batch = [
            (
                pk,
                rank,
                keys.title,
                keys.exact,
                " ".join(_pg_lexeme("folded", t) for t in keys.folded.split()),
            )
            for pk, rank, keys in rows
        ]
        if not batch:
            return
        vector = "array_to_tsvector(string_to_array(%s, ' '))"
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {self.table} (entry_id, rank, title, exact, folded) "
                f"VALUES (%s, %s, {vector}, {vector}, {vector}) "
                "ON CONFLICT (entry_id) DO UPDATE SET rank = EXCLUDED.rank, "
                "title = EXCLUDED.title, exact = EXCLUDED.exact, folded = EXCLUDED.folded",
                batch,
            )

    def delete(self, entry_ids: Sequence[int]) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {self.table} WHERE entry_id = ANY(%s)", [list(entry_ids)])

    def clear(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {self.table}")

    def _conditions(self, conditions: Sequence[Condition]) -> tuple[str, list[Any]]:
        sql = " AND ".join(f"{self.table}.{c.column} @@ %s::tsquery" for c in conditions)
        return sql, [_tsquery(c) for c in conditions]

    def join(self, match: Match, *, window: int | None = None) -> Join:
        table = self.table
        if window is not None:
            # The planner cannot but walk the rank index here; without the
            # window, it estimates a common multi-word match as rare (it takes
            # the words as independent) and sorts every match.
            table = (
                f"(SELECT * FROM {self.table} ORDER BY rank DESC LIMIT {int(window)}) {self.table}"
            )
        where = [f"{self.table}.entry_id = {ENTRY_TABLE}.id"]
        sql, params = self._conditions(match.require)
        where.append(sql)
        for group in match.exclude:
            group_sql, group_params = self._conditions(group)
            where.append(f"NOT ({group_sql})")
            params += group_params
        return Join(table=table, where=where, params=params, order_by=f"{self.table}.rank DESC")

    # Most common lexemes per column, from ANALYZE: (fetched at, {column: {lexeme: share}}).
    _stats: tuple[float, dict[str, dict[str, float]]] = (0.0, {})
    STATS_SECONDS = 300

    def _lexeme_shares(self) -> dict[str, dict[str, float]]:
        fetched, shares = self._stats
        if time.monotonic() - fetched < self.STATS_SECONDS:
            return shares
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT attname, most_common_elems::text::text[], most_common_elem_freqs "
                "FROM pg_stats WHERE tablename = %s AND most_common_elems IS NOT NULL",
                [self.table],
            )
            shares = {
                column: dict(zip(elems, freqs, strict=False))
                for column, elems, freqs in cursor.fetchall()
            }
        self._stats = (time.monotonic(), shares)
        return shares

    def common(self, match: Match) -> float:
        # Every token must be there, so the rarest one bounds the share; a token
        # missing from the statistics is rarer than any listed.
        shares = self._lexeme_shares()
        bound = 1.0
        for condition in match.require:
            column = shares.get(condition.column, {})
            tokens = condition.tokens[:-1] if condition.prefix_last else condition.tokens
            for token in tokens:
                bound = min(bound, column.get(_pg_lexeme(condition.column, token), 0.0))
        return bound

    def key_column(self) -> str:
        return "id"

    def match_any_sql(self, tokens: Sequence[str]) -> tuple[str, list[Any]]:
        return (
            f"SELECT entry_id FROM {self.table} WHERE folded @@ %s::tsquery",
            [" | ".join(_tsquery_lexeme("folded", t) for t in tokens)],
        )

    def term_sql(self, column: Column, token: str) -> tuple[str, list[Any]]:
        return (
            f"SELECT entry_id FROM {self.table} WHERE {column} @@ %s::tsquery",
            [_tsquery_lexeme(column, token)],
        )

    def score_sql(
        self, terms: Sequence[tuple[Column, str, int]], entry: str
    ) -> tuple[str, list[Any]]:
        # Tested on the matched entry's own vectors, fetched once: one lookup per
        # result instead of one index scan per term over the whole table.
        if not terms:
            return "0", []
        parts = [
            f"CASE WHEN v.{column} @@ %s::tsquery THEN {weight} ELSE 0 END"
            for column, _t, weight in terms
        ]
        params: list[Any] = [_tsquery_lexeme(column, token) for column, token, _w in terms]
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
