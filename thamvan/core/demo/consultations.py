"""Consultations in every state, driven through the real services so that timelines,
panels, opinions, the report and the responses look as they would in use."""

from __future__ import annotations

from dataclasses import dataclass

from thamvan.accounts.models import User
from thamvan.consultations.models import Consultation, Opinion, State
from thamvan.consultations.services import opinions as opinion_services
from thamvan.consultations.services import outcome as outcome_services
from thamvan.consultations.services import panel as panel_services
from thamvan.consultations.services import requests as request_services
from thamvan.consultations.services import synthesis as synthesis_services
from thamvan.documents.models import GeneratedDocument
from thamvan.documents.services import document_build
from thamvan.dossiers.models import Dossier
from thamvan.experts.models import Expert, Specialty
from thamvan.organizations.models import Organization

# The lifecycle order the driver follows; returned and withdrawn branch off it.
PATH = [
    State.SENT,
    State.ACCEPTED,
    State.PANEL_FORMING,
    State.IN_REVIEW,
    State.SYNTHESIZING,
    State.REPORTED,
    State.RESPONDING,
    State.CLOSED,
]

QUESTIONS = [
    "Ý kiến về sự phù hợp với Quy hoạch chung xây dựng Thủ đô và các quy hoạch cấp trên?",
    "Ý kiến về cơ cấu sử dụng đất, chỉ tiêu dân số và hạ tầng xã hội?",
    "Ý kiến về tổ chức giao thông và hạ tầng kỹ thuật?",
]


@dataclass(frozen=True)
class DemoConsultation:
    title: str
    dossier: str
    state: str
    specialties: tuple[str, ...] = ("quy-hoach-do-thi", "giao-thong")
    # The consultations the demo drives past panel forming seat its two expert accounts;
    # the one waiting for a panel asks for a full one, reached by e-mail.
    panel_size: int = 2


CONSULTATIONS = [
    DemoConsultation(
        "Xin ý kiến nhiệm vụ quy hoạch phân khu Đông Anh", "NVQH-DA-2026", State.DRAFT
    ),
    DemoConsultation(
        "Xin ý kiến nhiệm vụ quy hoạch chung đô thị Sóc Sơn", "NVQHC-SS-2026", State.SENT
    ),
    DemoConsultation(
        "Xin ý kiến đồ án quy hoạch phân khu sông Hồng (bổ sung)", "QHPK-R-SH-2024", State.RETURNED
    ),
    DemoConsultation(
        "Xin ý kiến quy chế quản lý kiến trúc phường Hoàn Kiếm",
        "QCKT-HK-2025",
        State.ACCEPTED,
        ("kien-truc", "bao-ton-di-san"),
        panel_size=5,
    ),
    DemoConsultation(
        "Xin ý kiến quy hoạch chi tiết ven hồ Tây",
        "QHCT-HT-2025",
        State.PANEL_FORMING,
        ("canh-quan", "kien-truc"),
    ),
    DemoConsultation(
        "Xin ý kiến đồ án quy hoạch phân khu N9 (lần 2)", "QHPK-N9-2026", State.IN_REVIEW
    ),
    DemoConsultation(
        "Xin ý kiến thiết kế đô thị tuyến phố Tràng Tiền - Hàng Khay",
        "TKDT-THD-2025",
        State.SYNTHESIZING,
        ("thiet-ke-do-thi",),
    ),
    DemoConsultation(
        "Xin ý kiến quy hoạch chi tiết ven hồ Tây (đợt đầu)",
        "QHCT-HT-2025",
        State.REPORTED,
        ("canh-quan",),
    ),
    DemoConsultation(
        "Xin ý kiến quy hoạch phân khu sông Hồng",
        "QHPK-R-SH-2024",
        State.RESPONDING,
        ("canh-quan", "moi-truong"),
    ),
    DemoConsultation(
        "Xin ý kiến đồ án quy hoạch phân khu N9 (lần 1)", "QHPK-N9-2026", State.CLOSED
    ),
    DemoConsultation(
        "Xin ý kiến quy chế kiến trúc Hoàn Kiếm (bản cũ)",
        "QCKT-HK-2025",
        State.WITHDRAWN,
        ("kien-truc",),
    ),
]

REMARKS = [
    (
        "Mục 2.3 Thuyết minh",
        "Cần làm rõ quỹ đất bố trí trường học các cấp theo chỉ tiêu của quy hoạch chung.",
    ),
    ("Bản vẽ QH-04", "Bổ sung bãi đỗ xe công cộng tại khu vực ga đường sắt đô thị."),
    (
        "Mục 4.1 Thuyết minh",
        "Tầng cao tối đa khu vực ven sông cần được khống chế để bảo vệ cảnh quan.",
    ),
]


def _user(email: str) -> User | None:
    return User.objects.filter(email=email).first()


def _officer_for(dossier: Dossier) -> User | None:
    return (
        User.objects.filter(
            memberships__organization=dossier.lead_agency,
            memberships__role="agency_officer",
            is_active=True,
        )
        .order_by("pk")
        .first()
    )


def _panel() -> list[tuple[User, Expert]]:
    members = []
    for email in ("chutri@thamvan.example", "chuyengia@thamvan.example"):
        user = _user(email)
        expert = Expert.objects.filter(user=user).first() if user else None
        if user is not None and expert is not None:
            members.append((user, expert))
    return members


def _submit(user: User, consultation: Consultation, verdict: str, remarks: int) -> None:
    opinion = opinion_services.opinion_start(actor=user, consultation=consultation)
    opinion_services.opinion_save_draft(
        actor=user,
        opinion=opinion,
        lock_version=opinion.lock_version,
        verdict=verdict,
        summary="Cơ bản nhất trí với nội dung hồ sơ, đề nghị nghiên cứu bổ sung các nội dung sau.",
        answers={q.pk: "Cơ bản phù hợp." for q in consultation.questions.all()},
    )
    for section, content in REMARKS[:remarks]:
        opinion_services.opinion_item_add(
            actor=user,
            opinion=opinion,
            lock_version=opinion.lock_version,
            content=content,
            section=section,
            geometry=(
                {
                    "type": "Point",
                    "coordinates": [
                        consultation.dossier.centroid_lon,
                        consultation.dossier.centroid_lat,
                    ],
                }
                if "Bản vẽ" in section and consultation.dossier.centroid_lon is not None
                else None
            ),
        )
    opinion_services.opinion_submit(actor=user, opinion=opinion, lock_version=opinion.lock_version)


def _drive(consultation: Consultation, target: str, officer: User, secretariat: User) -> None:
    members = _panel()
    if target == State.DRAFT:
        return
    if target in (State.RETURNED, State.WITHDRAWN):
        request_services.consultation_send(actor=officer, consultation=consultation)
        if target == State.RETURNED:
            request_services.consultation_return(
                actor=secretariat,
                consultation=consultation,
                reason="Hồ sơ thiếu bản vẽ tổng mặt bằng sử dụng đất và văn bản pháp lý kèm theo.",
            )
        else:
            request_services.consultation_withdraw(
                actor=officer,
                consultation=consultation,
                reason="Rút hồ sơ để điều chỉnh theo chỉ đạo mới của Thành phố.",
            )
        return
    for state in PATH[: PATH.index(State(target)) + 1]:
        if state == State.SENT:
            request_services.consultation_send(actor=officer, consultation=consultation)
        elif state == State.ACCEPTED:
            request_services.consultation_accept(actor=secretariat, consultation=consultation)
        elif state == State.PANEL_FORMING:
            if len(members) < 2:
                return
            invitations = panel_services.invitations_send(
                actor=secretariat,
                consultation=consultation,
                picks=[
                    panel_services.Pick(
                        expert=expert,
                        reason="Đề xuất của hệ thống",
                        # The demo seats the same standing panel everywhere: where it
                        # breaks a soft rule (coverage, seniority), the reason is recorded.
                        override_reason="Tổ chuyên gia thường trực của Hội cho đợt này.",
                    )
                    for _, expert in members
                ],
            )
            if target == State.PANEL_FORMING:
                return
            for (user, _), invitation in zip(members, invitations, strict=True):
                panel_services.invitation_accept(
                    actor=user,
                    invitation=invitation,
                    declared=True,
                    statement=(
                        "Không có quan hệ với cơ quan tổ chức lập, đơn vị tư vấn hay chủ đầu tư."
                    ),
                )
            panel_services.panel_set_chair(
                actor=secretariat, consultation=consultation, invitation=invitations[0]
            )
        elif state == State.IN_REVIEW:
            panel_services.consultation_start_review(actor=secretariat, consultation=consultation)
            chair = members[0][0]
            _submit(chair, consultation, Opinion.Verdict.AGREE_WITH_CONDITIONS, 2)
        elif state == State.SYNTHESIZING:
            _submit(members[1][0], consultation, Opinion.Verdict.AGREE, 1)
            opinion_services.opinion_record_offline(
                actor=secretariat,
                consultation=consultation,
                source=Opinion.Source.PAPER,
                verdict=Opinion.Verdict.AGREE_WITH_CONDITIONS,
                author_name="Sở Xây dựng Hà Nội",
                items=[
                    opinion_services.OfflineItem(
                        content="Rà soát đấu nối hạ tầng kỹ thuật với khu vực lân cận."
                    )
                ],
            )
            synthesis_services.consultation_start_synthesis(
                actor=members[0][0], consultation=consultation
            )
        elif state == State.REPORTED:
            synthesis_services.synthesis_save(
                actor=members[0][0],
                consultation=consultation,
                lock_version=consultation.synthesis_lock_version,
                introduction=f"Hội nhận được văn bản xin ý kiến về {consultation.dossier.name}.",
                conclusions=(
                    "Hồ sơ cơ bản đáp ứng yêu cầu về nội dung và thành phần theo quy định.\n"
                    "Đề nghị cơ quan tổ chức lập nghiên cứu tiếp thu các ý kiến góp ý."
                ),
                recommendations="Bổ sung quỹ đất trường học.\nBổ sung bãi đỗ xe công cộng.",
            )
            synthesis_services.consultation_issue_report(
                actor=secretariat, consultation=consultation, report_number=str(consultation.pk)
            )
        elif state in (State.RESPONDING, State.CLOSED):
            items = list(outcome_services.items_to_answer(consultation).order_by("pk"))
            answer = items if state == State.CLOSED else items[:1]
            for index, item in enumerate(answer):
                outcome_services.response_record(
                    actor=officer,
                    item=item,
                    result=("accepted", "partly_accepted", "not_accepted")[index % 3],
                    explanation="Đã nghiên cứu, tiếp thu và chỉnh sửa trong hồ sơ hoàn thiện.",
                )
            if state == State.CLOSED:
                outcome_services.consultation_close(actor=officer, consultation=consultation)
                return
    return


def load(organizations: dict[str, Organization]) -> int:
    secretariat = _user("vanphong@thamvan.example")
    association = organizations["vupda"]
    for demo in CONSULTATIONS:
        if Consultation.objects.filter(title=demo.title).exists():
            continue
        dossier = Dossier.objects.filter(code=demo.dossier).first()
        if dossier is None or secretariat is None:
            continue
        officer = _officer_for(dossier)
        version = dossier.versions.order_by("number").first()
        if officer is None or version is None:
            continue
        consultation = request_services.consultation_create(
            actor=officer,
            dossier=dossier,
            version=version,
            association=association,
            title=demo.title,
            letter_number=f"{100 + CONSULTATIONS.index(demo)}/QHKT-P2",
            questions=QUESTIONS,
            required_specialties=Specialty.objects.filter(slug__in=demo.specialties),
            panel_size=demo.panel_size,
        )
        _drive(consultation, demo.state, officer, secretariat)
    # The worker builds these in production; the demo should show them at once.
    for record in GeneratedDocument.objects.filter(status=GeneratedDocument.Status.PENDING):
        document_build(record)
    return Consultation.objects.count()
