"""Consultation documents generated from the database, stored with a checksum, downloadable
by the parties only; their layout is checked by opening the DOCX."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from docx.enum.section import WD_ORIENT
from openpyxl import load_workbook

from thamvan.accounts.models import Membership
from thamvan.accounts.tests.factories import MembershipFactory, UserFactory
from thamvan.consultations.models import State, Transition
from thamvan.consultations.services import outcome as outcome_services
from thamvan.consultations.services import requests as request_services
from thamvan.consultations.tests.factories import ConsultationFactory, advance
from thamvan.documents.decree30 import MOTTO, NATIONAL_TITLE
from thamvan.documents.models import GeneratedDocument
from thamvan.documents.reports import COUNT_LABELS, RESPONSE_TABLE_COLUMNS
from thamvan.documents.services import closing_officer, document_subject, place_of
from thamvan.documents.tests.test_decree30 import is_italic, mm, open_docx
from thamvan.dossiers.tests.factories import DossierFactory
from thamvan.experts.tests.factories import ExpertFactory
from thamvan.organizations.models import AdministrativeUnit

pytestmark = pytest.mark.django_db

COLUMN_TITLES = [column.title for column in RESPONSE_TABLE_COLUMNS]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def reported(
    orgs, officer, secretariat, expert_user, other_expert_user, django_capture_on_commit_callbacks
):
    dossier = DossierFactory.create(
        lead_agency=orgs.department, name="Quy hoạch phân khu đô thị N9"
    )
    consultation = ConsultationFactory.create(dossier=dossier, association=orgs.association)
    members = [
        (
            expert_user,
            ExpertFactory.create(
                user=expert_user, full_name="Trần Quốc Bảo", academic_rank="PGS", degree="TS"
            ),
        ),
        (
            other_expert_user,
            ExpertFactory.create(user=other_expert_user, full_name="Lê Thị Mai", degree="KTS"),
        ),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        return advance(
            consultation, "reported", officer=officer, secretariat=secretariat, members=members
        )


def _stored(consultation, kind):
    record = GeneratedDocument.objects.filter(consultation=consultation, kind=kind).latest("pk")
    assert record.status == GeneratedDocument.Status.READY
    with record.file.open("rb") as handle:
        content = handle.read()
    assert hashlib.sha256(content).hexdigest() == record.sha256
    return record, content


def _all_text(document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def test_the_report_is_a4_times_new_roman_with_title_motto_and_date_line(reported):
    _, content = _stored(reported, "report")
    document = open_docx(content)
    section = document.sections[0]
    assert round(mm(section.page_width)) == 210 and round(mm(section.page_height)) == 297
    assert document.styles["Normal"].font.name == "Times New Roman"
    text = _all_text(document)
    assert NATIONAL_TITLE in text and MOTTO in text
    date_line = next(
        p
        for p in document.paragraphs
        + [p for t in document.tables for r in t.rows for c in r.cells for p in c.paragraphs]
        if re.search(r"Hà Nội, ngày \d\d tháng \d{1,2} năm \d{4}", p.text)
    )
    assert is_italic(date_line)
    assert "Hồ sơ cơ bản đáp ứng yêu cầu." in text
    assert "Cần bổ sung bãi đỗ xe công cộng." in text


def _closing_cells(document):
    closing = next(t for t in document.tables if t.rows[0].cells[0].text.startswith("Nơi nhận:"))
    return closing.rows[0].cells


def test_the_chair_signs_the_report_without_academic_titles(reported):
    _, content = _stored(reported, "report")
    signature = _closing_cells(open_docx(content))[1].paragraphs
    assert signature[-1].text == "Trần Quốc Bảo"


@pytest.mark.parametrize(
    ("kind", "name", "subject"),
    [
        ("zoning_plan", "Quy hoạch phân khu đô thị N9", "Quy hoạch phân khu đô thị N9"),
        # Compared folded: a name typed without accents still starts with the kind.
        ("zoning_plan", "quy hoach phan khu N9", "quy hoach phan khu N9"),
        ("detailed_plan", "Khu đô thị Thượng Thanh", "Quy hoạch chi tiết Khu đô thị Thượng Thanh"),
        ("detailed_plan", "Quy hoạch chi tiết", "Quy hoạch chi tiết"),
        ("other", "Đề án phát triển nhà ở xã hội", "Đề án phát triển nhà ở xã hội"),
    ],
)
def test_the_subject_names_the_kind_once(kind, name, subject):
    assert document_subject(DossierFactory.build(kind=kind, name=name)) == subject


def test_no_document_repeats_the_kind_in_its_summary(reported):
    for kind in ("report", "response_table"):
        text = _all_text(open_docx(_stored(reported, kind)[1]))
        assert "Quy hoạch phân khu đô thị N9" in text
        assert "Quy hoạch phân khu Quy hoạch phân khu" not in text
    sheet = load_workbook(io.BytesIO(_stored(reported, "items")[1])).active
    assert sheet is not None
    assert sheet["A1"].value == "Tổng hợp ý kiến về Quy hoạch phân khu đô thị N9"


def test_the_report_files_its_copy_once(reported):
    recipients = _closing_cells(open_docx(_stored(reported, "report")[1]))[0]
    lines = [p.text for p in recipients.paragraphs]
    assert lines[-1] == "- Lưu: VT, VP."
    assert len(lines) == len(set(lines))


def test_the_response_table_is_landscape_with_the_columns_and_counts(
    reported, officer, django_capture_on_commit_callbacks
):
    item = outcome_services.items_to_answer(reported).get()
    with django_capture_on_commit_callbacks(execute=True):
        outcome_services.response_record(
            actor=officer, item=item, result="not_accepted", explanation="Đã có bãi đỗ ngầm."
        )
        outcome_services.consultation_close(actor=officer, consultation=reported)
    _, content = _stored(reported, "response_table")
    document = open_docx(content)
    assert document.sections[0].orientation == WD_ORIENT.LANDSCAPE
    by_first_cell = {t.rows[0].cells[0].text: t for t in document.tables}
    counts, table = by_first_cell[COUNT_LABELS[0]], by_first_cell["STT"]
    assert [c.text for c in counts.rows[0].cells] == list(COUNT_LABELS)
    assert [c.text for c in counts.rows[1].cells] == ["1", "0", "0", "0", "1", "0"]
    assert [c.text for c in table.rows[0].cells] == COLUMN_TITLES
    assert "Giải trình, không tiếp thu" in [c.text for c in table.rows[-1].cells]
    assert "Đã có bãi đỗ ngầm." in [c.text for c in table.rows[-1].cells]


def test_the_items_workbook_lists_every_remark(reported):
    _, content = _stored(reported, "items")
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    values = [cell.value for row in sheet.iter_rows(min_row=4) for cell in row]
    assert "Cần bổ sung bãi đỗ xe công cộng." in values


def _answer_all(consultation, officer, capture):
    """Answer the one remark and close the round, which issues the signed response table."""
    item = outcome_services.items_to_answer(consultation).get()
    with capture(execute=True):
        outcome_services.response_record(
            actor=officer, item=item, result="not_accepted", explanation="Đã có bãi đỗ ngầm."
        )
        outcome_services.consultation_close(actor=officer, consultation=consultation)
    consultation.refresh_from_db()


def _header_cells(document):
    header = document.tables[0]
    return header.rows[0].cells[0].text, header.rows[1].cells[0].text, header.rows[1].cells[1].text


def test_the_response_table_is_the_agencys_document(
    reported, officer, orgs, django_capture_on_commit_callbacks
):
    Membership.objects.filter(user=officer, organization=orgs.department).update(
        position="Phó Giám đốc"
    )
    _answer_all(reported, officer, django_capture_on_commit_callbacks)
    document = open_docx(_stored(reported, "response_table")[1])
    issuer, number, date_line = _header_cells(document)
    assert issuer.split("\n")[:2] == [
        "ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI",
        "SỞ QUY HOẠCH - KIẾN TRÚC HÀ NỘI",
    ]
    # Its own number, left for the agency's clerk: never the report's.
    assert re.fullmatch(r"Số: +/BC-QHKT", number)
    assert date_line.startswith("Hà Nội, ngày ")
    recipients, signature = _closing_cells(document)
    assert [p.text for p in signature.paragraphs] == ["PHÓ GIÁM ĐỐC", "Nguyễn Thị Hạnh"]
    assert "- Hội Quy hoạch phát triển đô thị Việt Nam;" in recipients.text
    assert "(Tiếp thu, giải trình ý kiến tại Báo cáo số 12/BC-HQHPTĐTVN ngày" in _all_text(document)


def test_the_report_stays_the_associations_document(
    reported, officer, django_capture_on_commit_callbacks
):
    _answer_all(reported, officer, django_capture_on_commit_callbacks)
    document = open_docx(_stored(reported, "report")[1])
    issuer, number, _ = _header_cells(document)
    assert "HỘI QUY HOẠCH PHÁT TRIỂN ĐÔ THỊ VIỆT NAM" in issuer
    assert number == "Số: 12/BC-HQHPTĐTVN"
    signature = _closing_cells(document)[1].paragraphs
    assert [p.text for p in signature] == ["TM. TỔ CHUYÊN GIA", "TỔ TRƯỞNG", "Trần Quốc Bảo"]


def test_the_closing_transition_names_the_signer_and_else_the_last_responder(
    reported, officer, orgs, django_capture_on_commit_callbacks
):
    assert closing_officer(reported) is None
    _answer_all(reported, officer, django_capture_on_commit_callbacks)
    closed = Transition.objects.get(consultation=reported, to_state=State.CLOSED)
    head = UserFactory.create(full_name="Lê Văn Giám")
    MembershipFactory(user=head, organization=orgs.department, role="agency_officer")
    closed.actor = head
    closed.save(update_fields=["actor"])
    assert closing_officer(reported) == head
    closed.actor = None
    closed.save(update_fields=["actor"])
    assert closing_officer(reported) == officer


@pytest.mark.parametrize(
    ("unit", "place"),
    [("Thành phố Hà Nội", "Hà Nội"), ("Phường Hoàn Kiếm", "Hoàn Kiếm"), (None, "Hà Nội")],
)
def test_the_place_line_names_the_seat_of_the_issuer(orgs, unit, place):
    if unit is not None:
        orgs.city.administrative_unit = AdministrativeUnit.objects.get(name=unit)
        orgs.city.save(update_fields=["administrative_unit"])
    assert place_of(orgs.department) == place


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("officer", 200),
        ("secretariat", 200),
        ("expert_user", 200),
        ("leadership", 200),
        ("other_officer", 404),
        ("outsider", 404),
    ],
)
def test_downloads_are_for_permitted_roles_only(reported, as_user, persona, status, request):
    record, content = _stored(reported, "report")
    url = reverse("consultations:document_download", args=[reported.pk, record.pk])
    response = as_user(request.getfixturevalue(persona)).get(url)
    assert response.status_code == status
    if status == 200:
        assert b"".join(response.streaming_content) == content
        assert "attachment" in response["Content-Disposition"]


def test_a_failed_generation_is_recorded(reported, monkeypatch):
    from thamvan.documents import services as document_services

    def broken(kind, consultation):
        raise RuntimeError("boom")

    monkeypatch.setattr(document_services, "render", broken)
    (record,) = GeneratedDocument.objects.filter(consultation=reported, kind="report")
    record.status = GeneratedDocument.Status.PENDING
    record.save(update_fields=["status"])
    document_services.document_build(record)
    assert record.status == GeneratedDocument.Status.FAILED and "boom" in record.error


def test_the_report_states_the_deadline_that_applied_and_the_one_it_extended(
    orgs, officer, secretariat, expert_user, django_capture_on_commit_callbacks
):
    dossier = DossierFactory.create(lead_agency=orgs.department, name="Quy hoạch phân khu N10")
    consultation = ConsultationFactory.create(dossier=dossier, association=orgs.association)
    members = [(expert_user, ExpertFactory.create(user=expert_user, full_name="Trần Quốc Bảo"))]
    advance(consultation, "in_review", officer=officer, secretariat=secretariat, members=members)
    first = consultation.deadline
    later = first + timedelta(days=10)
    request_services.consultation_extend_deadline(
        actor=secretariat, consultation=consultation, deadline=first + timedelta(days=5), reason="1"
    )
    request_services.consultation_extend_deadline(
        actor=officer, consultation=consultation, deadline=later, reason="2"
    )
    with django_capture_on_commit_callbacks(execute=True):
        advance(consultation, "reported", officer=officer, secretariat=secretariat, members=members)
    _, content = _stored(consultation, "report")
    lines = [p.text for p in open_docx(content).paragraphs]
    expected = f"Thời hạn trả lời: {later:%d/%m/%Y} (gia hạn từ {first:%d/%m/%Y})."
    assert expected in lines


def test_a_deadline_never_extended_is_stated_alone(reported):
    _, content = _stored(reported, "report")
    lines = [p.text for p in open_docx(content).paragraphs]
    assert f"Thời hạn trả lời: {reported.deadline:%d/%m/%Y}." in lines
