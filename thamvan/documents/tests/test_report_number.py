"""The report number through HTTP: the user types the number only, sees the composed
number line before issuing, and a full number is refused rather than doubled."""

from __future__ import annotations

import pytest
from django.urls import reverse

from thamvan.consultations.models import State
from thamvan.consultations.services.synthesis import synthesis_save
from thamvan.consultations.tests.factories import ConsultationFactory, advance
from thamvan.documents.models import GeneratedDocument
from thamvan.documents.tests.test_decree30 import open_docx
from thamvan.dossiers.tests.factories import DossierFactory
from thamvan.experts.tests.factories import ExpertFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def synthesizing(orgs, officer, secretariat, expert_user):
    dossier = DossierFactory.create(lead_agency=orgs.department, name="Quy hoạch phân khu N9")
    consultation = ConsultationFactory.create(dossier=dossier, association=orgs.association)
    expert = ExpertFactory.create(user=expert_user, full_name="Trần Quốc Bảo", academic_rank="GS")
    advance(
        consultation,
        "synthesizing",
        officer=officer,
        secretariat=secretariat,
        members=[(expert_user, expert)],
    )
    return synthesis_save(
        actor=expert_user,
        consultation=consultation,
        lock_version=0,
        introduction="",
        conclusions="Kết luận",
        recommendations="",
    )


def test_the_issue_form_previews_the_composed_number_line(synthesizing, secretariat, as_user):
    url = reverse("consultations:synthesis", args=[synthesizing.pk])
    page = as_user(secretariat).get(url).content.decode()
    assert 'data-symbol="BC-HQHPTĐTVN"' in page
    assert "Số: …/BC-HQHPTĐTVN" in page
    assert "45/BC-HQHPTĐTVN" in page  # the example in the help text


def test_a_typed_number_is_composed_with_the_symbol(
    synthesizing, secretariat, as_user, django_capture_on_commit_callbacks
):
    url = reverse("consultations:issue_report", args=[synthesizing.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(secretariat).post(url, {"report_number": "45"})
    assert response.status_code == 302
    synthesizing.refresh_from_db()
    assert (synthesizing.state, synthesizing.report_number) == (State.REPORTED, "45")
    record = GeneratedDocument.objects.get(consultation=synthesizing, kind="report")
    with record.file.open("rb") as handle:
        header = open_docx(handle.read()).tables[0]
    assert header.rows[1].cells[0].text == "Số: 45/BC-HQHPTĐTVN"


def test_a_full_number_is_refused_with_a_clear_message(synthesizing, secretariat, as_user):
    url = reverse("consultations:issue_report", args=[synthesizing.pk])
    response = as_user(secretariat).post(url, {"report_number": "532/BC-HQHĐT"}, follow=True)
    assert response.status_code == 200
    assert "/BC-HQHPTĐTVN" in response.content.decode()
    synthesizing.refresh_from_db()
    assert (synthesizing.state, synthesizing.report_number) == (State.SYNTHESIZING, "")
