"""Searchable pickers: Tom Select from the installed package, long lists never sent whole."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.urls import reverse

from thamvan.experts.tests.factories import ExpertFactory
from thamvan.organizations.models import AdministrativeUnit
from thamvan.research.tests.factories import TopicFactory

pytestmark = pytest.mark.django_db

TOM_SELECT_JS = "django_tomselect/js/django-tomselect.min.js"
TOM_SELECT_CSS = "django_tomselect/vendor/tom-select/css/tom-select.default.min.css"


def test_tom_select_comes_from_the_package_and_pages_load_it_from_this_site(
    as_user: Any, officer: Any
) -> None:
    for path in (TOM_SELECT_JS, TOM_SELECT_CSS, "js/pickers.js"):
        assert finders.find(path), path
    page = as_user(officer).get(reverse("dossiers:create")).text
    assert f'src="{static(TOM_SELECT_JS)}"' in page
    assert f'href="{static(TOM_SELECT_CSS)}"' in page
    assert f'src="{static("js/pickers.js")}"' in page
    # Nothing is fetched from another site, and nothing of the library is inlined.
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert "TomSelect" not in page


def test_the_dossier_form_offers_the_wards_in_a_searchable_multiple_picker(
    as_user: Any, officer: Any
) -> None:
    page = as_user(officer).get(reverse("dossiers:create")).text
    select = re.search(r'<select name="communes"[^>]*>', page)
    assert select is not None
    assert "data-picker" in select.group(0)
    assert "multiple" in select.group(0)
    assert 'size="' not in select.group(0)
    assert page.count("<option", select.end()) >= AdministrativeUnit.objects.count() // 2


def test_the_team_picker_carries_only_the_chosen_experts_and_searches_for_the_rest(
    as_user: Any, secretariat: Any
) -> None:
    chosen = ExpertFactory.create(full_name="Đỗ Minh Chọn")
    others = ExpertFactory.create_batch(5)
    topic = TopicFactory.create(members=[chosen])
    page = as_user(secretariat).get(reverse("research:edit", args=[topic.pk])).text
    team = re.search(r'<select name="team"[^>]*>(.*?)</select>', page, re.S)
    assert team is not None
    assert f'data-picker-url="{reverse("experts:pick")}"' in team.group(0)
    assert "Đỗ Minh Chọn" in team.group(1)
    assert all(str(other) not in page for other in others)
