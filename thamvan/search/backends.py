"""The two places the matching keys live: SQLite FTS5 and PostgreSQL tsvector.

Both index three columns of whitespace-separated tokens from ``normalize``:
``title`` (folded title tokens), ``exact`` (canonical tones, lowercase) and
``folded`` (no diacritics, đ → d), each with syllables and adjacent-syllable
bigrams. Both answer the same two questions, as a subquery of entry ids:

* ``match_sql``: entries whose folded column holds every given token (the last
  one may be a prefix, for search-as-you-type);
* ``term_sql``: entries whose column holds one token, for ranking.

Ranking is computed from these presence tests with the same formula on both
(``thamvan.search.query``), so both databases order results the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
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


class SearchBackend:
    vendor = ""

    def create_schema(self, conn: BaseDatabaseWrapper) -> None:
        raise NotImplementedError

    def drop_schema(self, conn: BaseDatabaseWrapper) -> None:
        raise NotImplementedError

    def write(self, rows: Iterable[tuple[int, Keys]]) -> None:
        raise NotImplementedError

    def delete(self, entry_ids: Sequence[int]) -> None:
        raise NotImplementedError

    def clear(self) -> None:
        raise NotImplementedError

    def match_sql(self, tokens: Sequence[str], *, prefix_last: bool) -> tuple[str, list[Any]]:
        raise NotImplementedError

    def match_any_sql(self, tokens: Sequence[str]) -> tuple[str, list[Any]]:
        """Entries whose folded column holds at least one of the tokens."""
        raise NotImplementedError

    def term_sql(self, column: Column, token: str) -> tuple[str, list[Any]]:
        raise NotImplementedError

    def score_sql(
        self, terms: Sequence[tuple[Column, str, int]], entry_id: str
    ) -> tuple[str, list[Any]]:
        """The sum of the weights of the terms the entry holds, as an SQL expression."""
        parts: list[str] = []
        params: list[Any] = []
        for column, token, weight in terms:
            sql, term_params = self.term_sql(column, token)
            parts.append(f"CASE WHEN {entry_id} IN ({sql}) THEN {weight} ELSE 0 END")
            params += term_params
        return "(" + (" + ".join(parts) or "0") + ")", params

    def size_bytes(self) -> int:
        raise NotImplementedError


def _fts_phrase(token: str) -> str:
    # Tokens hold only letters, digits and "_"; quoting keeps FTS5 from reading
    # any of them as an operator.
    return '"' + token.replace('"', '""') + '"'


class SQLiteBackend(SearchBackend):
    """One FTS5 table per column, keyed by the entry id.

    Separate tables (rather than column filters on one table) make every lookup
    a plain term lookup, and ``detail=none`` stores neither positions nor
    columns: adjacency is indexed as bigrams, and presence is all ranking needs.
    The tokenizer re-tokenises nothing but keeps "_" inside bigrams.
    """

    vendor = "sqlite"
    table = "search_fts_folded"

    @staticmethod
    def _table(column: Column) -> str:
        return f"search_fts_{column}"

    def create_schema(self, conn: BaseDatabaseWrapper) -> None:
        with conn.cursor() as cursor:
            for column in COLUMNS:
                cursor.execute(
                    f"CREATE VIRTUAL TABLE IF NOT EXISTS {self._table(column)} USING fts5("
                    "key, tokenize = \"unicode61 remove_diacritics 0 tokenchars '_'\", "
                    "detail = none)"
                )

    def drop_schema(self, conn: BaseDatabaseWrapper) -> None:
        with conn.cursor() as cursor:
            for column in COLUMNS:
                cursor.execute(f"DROP TABLE IF EXISTS {self._table(column)}")

    def write(self, rows: Iterable[tuple[int, Keys]]) -> None:
        batch = list(rows)
        if not batch:
            return
        ids = [(pk,) for pk, _keys in batch]
        with connection.cursor() as cursor:
            for column in COLUMNS:
                table = self._table(column)
                cursor.executemany(f"DELETE FROM {table} WHERE rowid = %s", ids)
                cursor.executemany(
                    f"INSERT INTO {table} (rowid, key) VALUES (%s, %s)",
                    [(pk, getattr(keys, column)) for pk, keys in batch],
                )

    def delete(self, entry_ids: Sequence[int]) -> None:
        with connection.cursor() as cursor:
            for column in COLUMNS:
                cursor.executemany(
                    f"DELETE FROM {self._table(column)} WHERE rowid = %s",
                    [(i,) for i in entry_ids],
                )

    def clear(self) -> None:
        with connection.cursor() as cursor:
            for column in COLUMNS:
                cursor.execute(f"DELETE FROM {self._table(column)}")

    def _lookup(self, column: Column, expression: str) -> tuple[str, list[Any]]:
        table = self._table(column)
        return f"SELECT rowid FROM {table} WHERE {table} MATCH %s", [expression]

    def match_sql(self, tokens: Sequence[str], *, prefix_last: bool) -> tuple[str, list[Any]]:
        phrases = [_fts_phrase(t) for t in tokens]
        if prefix_last and phrases:
            phrases[-1] += " *"
        return self._lookup("folded", " AND ".join(phrases))

    def match_any_sql(self, tokens: Sequence[str]) -> tuple[str, list[Any]]:
        return self._lookup("folded", " OR ".join(_fts_phrase(t) for t in tokens))

    def term_sql(self, column: Column, token: str) -> tuple[str, list[Any]]:
        return self._lookup(column, _fts_phrase(token))

    def size_bytes(self) -> int:
        with connection.cursor() as cursor:
            try:
                cursor.execute(
                    "SELECT COALESCE(SUM(pgsize), 0) FROM dbstat WHERE name LIKE %s",
                    ["search_fts_%"],
                )
            except DatabaseError:
                # dbstat is an optional compile-time module of SQLite.
                return 0
            return int(cursor.fetchone()[0])


def _tsquery_lexeme(token: str) -> str:
    # Quoted lexemes are taken as they are: the text-search parser, which would
    # split bigrams at "_", never sees them.
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


class PostgreSQLBackend(SearchBackend):
    """tsvector columns built with array_to_tsvector, each with a GIN index."""

    vendor = "postgresql"
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
            for column in COLUMNS:
                cursor.execute(
                    f"CREATE INDEX IF NOT EXISTS {self.table}_{column} "
                    f"ON {self.table} USING gin ({column})"
                )

    def drop_schema(self, conn: BaseDatabaseWrapper) -> None:
        with conn.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.table}")

    def write(self, rows: Iterable[tuple[int, Keys]]) -> None:
        batch = [(pk, keys.title, keys.exact, keys.folded) for pk, keys in rows]
        if not batch:
            return
        vector = "array_to_tsvector(string_to_array(%s, ' '))"
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {self.table} (entry_id, title, exact, folded) "
                f"VALUES (%s, {vector}, {vector}, {vector}) "
                "ON CONFLICT (entry_id) DO UPDATE SET title = EXCLUDED.title, "
                "exact = EXCLUDED.exact, folded = EXCLUDED.folded",
                batch,
            )

    def delete(self, entry_ids: Sequence[int]) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {self.table} WHERE entry_id = ANY(%s)", [list(entry_ids)])

    def clear(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {self.table}")

    def match_sql(self, tokens: Sequence[str], *, prefix_last: bool) -> tuple[str, list[Any]]:
        lexemes = [_tsquery_lexeme(t) for t in tokens]
        if prefix_last and lexemes:
            lexemes[-1] += ":*"
        return (
            f"SELECT entry_id FROM {self.table} WHERE folded @@ %s::tsquery",
            [" & ".join(lexemes)],
        )

    def match_any_sql(self, tokens: Sequence[str]) -> tuple[str, list[Any]]:
        return (
            f"SELECT entry_id FROM {self.table} WHERE folded @@ %s::tsquery",
            [" | ".join(_tsquery_lexeme(t) for t in tokens)],
        )

    def term_sql(self, column: Column, token: str) -> tuple[str, list[Any]]:
        return (
            f"SELECT entry_id FROM {self.table} WHERE {column} @@ %s::tsquery",
            [_tsquery_lexeme(token)],
        )

    def score_sql(
        self, terms: Sequence[tuple[Column, str, int]], entry_id: str
    ) -> tuple[str, list[Any]]:
        # Tested on the matched entry's own vectors, fetched once: one lookup per
        # result instead of one index scan per term over the whole table.
        if not terms:
            return "0", []
        parts = [
            f"CASE WHEN v.{column} @@ %s::tsquery THEN {weight} ELSE 0 END"
            for column, _t, weight in terms
        ]
        params: list[Any] = [_tsquery_lexeme(token) for _c, token, _w in terms]
        return (
            f"(SELECT {' + '.join(parts)} FROM {self.table} v WHERE v.entry_id = {entry_id})",
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
