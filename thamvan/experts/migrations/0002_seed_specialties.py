import csv
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "specialties.csv"


def seed(apps, schema_editor):
    from thamvan.search.normalize import fold, nfc

    Specialty = apps.get_model("experts", "Specialty")
    with DATA.open(encoding="utf-8", newline="") as handle:
        for position, row in enumerate(csv.DictReader(handle), start=1):
            name = nfc(row["name"]).strip()
            Specialty.objects.update_or_create(
                slug=row["slug"],
                defaults={
                    "name": name,
                    "name_key": fold(name),
                    "description": nfc(row["description"]).strip(),
                    "display_order": position * 10,
                    "is_active": True,
                },
            )


class Migration(migrations.Migration):
    dependencies = [("experts", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
