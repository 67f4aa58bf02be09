"""Give every existing version the boundary its dossier has today.

Before this, only the dossier had a boundary, overwritten in place, so what an
older version was sent with is not recorded anywhere: the dossier's current
boundary (and area) is the best information there is, and every version gets it.
"""

from typing import Any

from django.db import migrations

FIELDS = (
    "boundary",
    "area_ha",
    "min_lon",
    "min_lat",
    "max_lon",
    "max_lat",
    "centroid_lon",
    "centroid_lat",
    "map_outline",
)


def fill_version_boundaries(apps: Any, schema_editor: Any) -> None:
    Dossier = apps.get_model("dossiers", "Dossier")
    DossierVersion = apps.get_model("dossiers", "DossierVersion")
    dossiers = Dossier.objects.exclude(boundary__isnull=True, area_ha__isnull=True)
    for values in dossiers.values("pk", *FIELDS).iterator(chunk_size=200):
        dossier_id = values.pop("pk")
        # update() skips DossierVersion.save(), which refuses to touch a frozen version.
        DossierVersion.objects.filter(dossier_id=dossier_id).update(**values)


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0003_version_boundary")]

    operations = [migrations.RunPython(fill_version_boundaries, migrations.RunPython.noop)]
