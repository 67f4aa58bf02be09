"""Load administrative units from the reference CSV files."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from thamvan.search.normalize import fold, nfc

DATA_DIR = Path(__file__).resolve().parent / "data"
PROVINCES_CSV = DATA_DIR / "vn-provinces-2025.csv"
HANOI_COMMUNES_CSV = DATA_DIR / "hanoi-communes-2025.csv"
HANOI_CODE = "1"
SOURCE = "GSO administrative list, in force 2025-07-01"


def read_units(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            {key: nfc(value.strip()) for key, value in row.items()}
            for row in csv.DictReader(handle)
        ]


def load_units(
    unit_model: Any,
    *,
    provinces: Path = PROVINCES_CSV,
    communes: Path = HANOI_COMMUNES_CSV,
    province_code: str = HANOI_CODE,
) -> tuple[int, int]:
    """Create or update provinces and one province's communes; returns the counts.

    Takes the model class so that migrations can pass their historical model.
    """
    for row in read_units(provinces):
        unit_model.objects.update_or_create(
            level="province",
            code=row["code"],
            defaults={
                "name": row["name"],
                "name_key": fold(row["name"]),
                "division_type": row["division_type"],
                "source": SOURCE,
            },
        )
    province = unit_model.objects.get(level="province", code=province_code)
    commune_rows = read_units(communes)
    for row in commune_rows:
        unit_model.objects.update_or_create(
            level="commune",
            code=row["code"],
            defaults={
                "name": row["name"],
                "name_key": fold(row["name"]),
                "division_type": row["division_type"],
                "parent": province,
                "source": SOURCE,
            },
        )
    return unit_model.objects.filter(level="province").count(), len(commune_rows)
