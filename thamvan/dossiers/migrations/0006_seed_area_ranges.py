"""Seed the usual area of each kind of plan, by scale, from 1 July 2025 (Law 47/2024/QH15).

Indicative and deliberately wide: neither Law 47/2024/QH15 nor Decree
178/2025/NĐ-CP caps the area of a plan in hectares. The ranges follow practice
(zoning plans of wards and new urban areas at 1/2000 or 1/5000, detailed plans
of projects at 1/500, a general plan up to a whole province) so that only an
area off by an order of magnitude, a wrong boundary, unit or scale, is warned
about. Administrators refine them in the admin with a later ``valid_from``.
"""

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import migrations

VALID_FROM = date(2025, 7, 1)
LEGAL_BASIS = (
    "Khoảng tham khảo, không phải giới hạn pháp lý: thực tiễn lập quy hoạch theo "
    "Luật 47/2024/QH15 và Nghị định 178/2025/NĐ-CP"
)
# (kinds, scale or "" for any, smallest, largest) in hectares.
RANGES = [
    (("general_plan", "general_plan_brief"), "", "100", "1000000"),
    (("zoning_plan", "zoning_plan_brief"), "1/2000", "5", "5000"),
    (("zoning_plan", "zoning_plan_brief"), "1/5000", "50", "30000"),
    (("zoning_plan", "zoning_plan_brief"), "", "5", "30000"),
    (("detailed_plan", "detailed_plan_brief"), "1/500", "0.1", "200"),
    (("detailed_plan", "detailed_plan_brief"), "", "0.1", "500"),
    (("site_plan",), "", "0.01", "20"),
    (("urban_design", "urban_design_brief"), "", "0.1", "5000"),
]


def seed(apps: Any, schema_editor: Any) -> None:
    AreaRange = apps.get_model("dossiers", "AreaRange")
    AreaRange.objects.bulk_create(
        AreaRange(
            valid_from=VALID_FROM,
            kind=kind,
            scale=scale,
            min_ha=Decimal(smallest),
            max_ha=Decimal(largest),
            legal_basis=LEGAL_BASIS,
        )
        for kinds, scale, smallest, largest in RANGES
        for kind in kinds
    )


def unseed(apps: Any, schema_editor: Any) -> None:
    apps.get_model("dossiers", "AreaRange").objects.filter(valid_from=VALID_FROM).delete()


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0005_area_range")]

    operations = [migrations.RunPython(seed, unseed)]
