"""The search filters: each group has a heading of its own."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from thamvan.dossiers.models import Confidentiality
from thamvan.dossiers.tests.factories import DossierFactory
from thamvan.search.indexing import reindex

pytestmark = pytest.mark.django_db


def test_the_kind_of_result_and_its_category_have_distinct_headings(
    orgs: Any, as_user: Any, outsider: Any
) -> None:
    DossierFactory.create(
        name="Quy hoạch phân khu đô thị N9",
        confidentiality=Confidentiality.PUBLIC,
        lead_agency=orgs.department,
    )
    reindex(["dossier"])
    # In Vietnamese both used to read "Loại".
    response = as_user(outsider).get(reverse("search:search"), {"q": "quy hoach"})
    facets = response.text[response.text.index("search-facets") :]
    headings = re.findall(r"<h2>([^<]+)</h2>", facets[: facets.index("</aside>")])
    assert {"type", "kind"} <= {group["name"] for group in response.context["facet_links"]}
    assert len(headings) == len(set(headings)) >= 2
