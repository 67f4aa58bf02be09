from typing import Any

from django.db import models


class SortKeyField(models.CharField):
    """A folded key ordered by code point on every database.

    PostgreSQL's language-aware collations ignore spaces, which would sort
    "an nguyen" after "anh le"; the "C" collation compares code points, as
    SQLite does by default.
    """

    def db_parameters(self, connection: Any) -> dict[str, Any]:
        params = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            params["collation"] = "C"
        return params
