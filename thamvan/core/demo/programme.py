"""Demo data: the 2021–2026 cooperation programme, Notice 06-TB/TU, workshops, research.

Idempotent: every object is found by its natural key (codes, numbers, topics)
before it is created, so running the demo twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from thamvan.accounts.models import User
from thamvan.events.models import Invitation, MinutesConclusion, Workshop
from thamvan.experts.models import Expert
from thamvan.organizations.models import Organization
from thamvan.programme.models import (
    Conclusion,
    Directive,
    Objective,
    Programme,
    ProgressReport,
    Task,
)
from thamvan.programme.services import refresh_rollup
from thamvan.research.models import Milestone, Output, ResearchTopic

PROGRAMME_CODE = "CTHT-HN-2021-2026"
PROGRAMME_NAME = (
    "Chương trình hợp tác giữa Ủy ban nhân dân thành phố Hà Nội với Trung ương Hội Quy hoạch "
    "phát triển đô thị Việt Nam và Hội Quy hoạch phát triển đô thị Hà Nội giai đoạn 2021–2026"
)
OBJECTIVES = [
    "Tăng cường công tác nghiên cứu, trao đổi, tranh thủ sự tham vấn chuyên môn của đội ngũ các "
    "nhà khoa học, kiến trúc sư, hội viên trong công tác quy hoạch của Thủ đô.",
    "Nâng cao chất lượng công tác lập, thẩm định, phê duyệt và quản lý quy hoạch đô thị, quy "
    "hoạch nông thôn trên địa bàn thành phố.",
    "Khai thác, phát huy tài nguyên chất xám, nguồn lực trí tuệ của đội ngũ chuyên gia, góp phần "
    "thực hiện Nghị quyết Đại hội lần thứ XVII Đảng bộ thành phố.",
]


@dataclass
class DemoTask:
    code: str
    title: str
    lead: str
    start: date
    deadline: date
    weight: int = 1
    status: str = "planned"
    progress: int = 0
    cooperating: tuple[str, ...] = ()
    reports: tuple[tuple[date, int, str], ...] = ()
    children: list[DemoTask] = field(default_factory=list)


TASKS = [
    DemoTask(
        "1",
        "Tham vấn chuyên môn các đồ án, nhiệm vụ quy hoạch trọng điểm của Thành phố",
        "qhkt",
        date(2021, 3, 1),
        date(2026, 12, 31),
        weight=3,
        cooperating=("vupda", "hnupda"),
        children=[
            DemoTask(
                "1.1",
                "Góp ý điều chỉnh Quy hoạch chung xây dựng Thủ đô Hà Nội đến năm 2045, "
                "tầm nhìn đến năm 2065",
                "qhkt",
                date(2021, 6, 1),
                date(2024, 6, 30),
                weight=3,
                status="done",
                progress=100,
                cooperating=("vupda",),
                reports=(
                    (
                        date(2023, 9, 15),
                        60,
                        "Tổ chức 3 phiên tham vấn chuyên gia về cấu trúc đô "
                        "thị và hệ thống hạ tầng khung.",
                    ),
                    (
                        date(2024, 6, 20),
                        100,
                        "Hoàn thành báo cáo tổng hợp ý kiến chuyên gia gửi "
                        "Sở Quy hoạch - Kiến trúc.",
                    ),
                ),
            ),
            DemoTask(
                "1.2",
                "Tham vấn các đồ án quy hoạch phân khu đô thị sông Hồng, sông Đuống",
                "qhkt",
                date(2024, 1, 1),
                date(2026, 12, 31),
                weight=2,
                status="in_progress",
                progress=60,
                cooperating=("hnupda",),
                reports=(
                    (
                        date(2025, 12, 10),
                        60,
                        "Đã có ý kiến chuyên gia cho phân khu sông Hồng; "
                        "phân khu sông Đuống đang lấy ý kiến.",
                    ),
                ),
            ),
            DemoTask(
                "1.3",
                "Góp ý quy chế quản lý kiến trúc các phường trung tâm",
                "qhkt",
                date(2025, 1, 1),
                date(2025, 9, 30),
                weight=1,
                status="overdue",
                progress=30,
                cooperating=("hoankiem", "badinh"),
                reports=(
                    (date(2025, 8, 1), 30, "Hoàn thành khảo sát hiện trạng phường Hoàn Kiếm."),
                ),
            ),
        ],
    ),
    DemoTask(
        "2",
        "Nghiên cứu, đề xuất cơ chế, chính sách về quy hoạch và phát triển đô thị",
        "vupda",
        date(2021, 6, 1),
        date(2026, 12, 31),
        weight=2,
        cooperating=("qhkt", "sxd"),
        children=[
            DemoTask(
                "2.1",
                "Nghiên cứu mô hình phát triển đô thị theo định hướng giao thông công cộng "
                "(TOD) dọc các tuyến đường sắt đô thị",
                "vupda",
                date(2024, 3, 1),
                date(2026, 12, 31),
                weight=2,
                status="in_progress",
                progress=45,
                cooperating=("qhkt",),
                reports=(
                    (
                        date(2026, 6, 30),
                        45,
                        "Đã hoàn thành báo cáo đánh giá hiện trạng các nhà ga tuyến số 2A và số 3.",
                    ),
                ),
            ),
            DemoTask(
                "2.2",
                "Đề xuất cơ chế huy động chuyên gia của Hội tham gia hội đồng thẩm định quy hoạch",
                "vupda",
                date(2022, 1, 1),
                date(2023, 12, 31),
                weight=1,
                status="done",
                progress=100,
            ),
        ],
    ),
    DemoTask(
        "3",
        "Tổ chức hội thảo, tọa đàm chuyên đề về quy hoạch Thủ đô",
        "hnupda",
        date(2021, 6, 1),
        date(2026, 12, 31),
        weight=1,
        cooperating=("qhkt",),
        children=[
            DemoTask(
                "3.1",
                "Hội thảo khoa học về quy hoạch không gian ngầm đô thị trung tâm",
                "hnupda",
                date(2025, 3, 1),
                date(2025, 6, 30),
                status="done",
                progress=100,
            ),
            DemoTask(
                "3.2",
                "Tọa đàm bảo tồn và phát huy giá trị khu phố cổ Hà Nội",
                "hnupda",
                date(2026, 9, 1),
                date(2027, 3, 31),
                cooperating=("hoankiem",),
            ),
        ],
    ),
    DemoTask(
        "4",
        "Bồi dưỡng, nâng cao năng lực cán bộ quản lý quy hoạch cấp xã, phường",
        "hnupda",
        date(2026, 1, 1),
        date(2026, 12, 31),
        weight=1,
        cooperating=("hoankiem", "badinh", "longbien"),
    ),
    DemoTask(
        "5",
        "Xây dựng phần mềm tra cứu quy hoạch riêng của Hội (thay bằng nền tảng tham vấn "
        "dùng chung)",
        "vupda",
        date(2022, 1, 1),
        date(2023, 6, 30),
        status="cancelled",
    ),
]

NOTICE_SUMMARY = (
    "Kết luận của đồng chí Vương Đình Huệ, Ủy viên Bộ Chính trị, Bí thư Thành ủy tại buổi làm "
    "việc với đại diện lãnh đạo Trung ương Hội Quy hoạch phát triển đô thị Việt Nam và Hội Quy "
    "hoạch phát triển đô thị thành phố Hà Nội ngày 24/10/2020. Công tác quy hoạch và phát triển "
    "đô thị có ý nghĩa rất quan trọng, có tính chiến lược, lâu dài; cần có sự phối hợp chặt chẽ "
    "và có hiệu quả hơn nữa giữa các cơ quan thành phố và Hội."
)
NOTICE_CONCLUSION = (
    "Giao Ban Cán sự đảng UBND thành phố chỉ đạo UBND thành phố và các cơ quan liên quan nghiên "
    "cứu cơ chế phối hợp bằng chương trình hợp tác giữa UBND thành phố Hà Nội và Trung ương Hội "
    "Quy hoạch phát triển đô thị Việt Nam và Hội Quy hoạch phát triển đô thị thành phố Hà Nội "
    "nhằm tăng cường công tác nghiên cứu, trao đổi, tranh thủ sự tham vấn chuyên môn của đội ngũ "
    "các nhà khoa học, kiến trúc sư, thành viên Hội; nâng cao chất lượng công tác quy hoạch và "
    "quản lý quy hoạch của thành phố Hà Nội."
)


class _Counter:
    def __init__(self) -> None:
        self.created = 0

    def add(self, created: bool) -> None:
        self.created += int(created)


def _user(email: str) -> User | None:
    return User.objects.filter(email=email).first()


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


@transaction.atomic
def load(organizations: dict[str, Organization]) -> int:
    """Load the demo programme, directive, workshops and research topics; return rows created."""
    counter = _Counter()
    org = organizations.__getitem__
    programme, created = Programme.objects.get_or_create(
        code=PROGRAMME_CODE,
        defaults={
            "name": PROGRAMME_NAME,
            "period_start": date(2021, 1, 1),
            "period_end": date(2026, 12, 31),
            "description": "Triển khai Thông báo số 06-TB/TU ngày 28/10/2020 của Thành ủy Hà Nội.",
        },
    )
    counter.add(created)
    if created:
        programme.parties.set([org("city"), org("vupda"), org("hnupda")])
        Objective.objects.bulk_create(
            Objective(programme=programme, position=i, text=text)
            for i, text in enumerate(OBJECTIVES, start=1)
        )
    secretary = _user("vanphong@thamvan.example")
    officer = _user("canbo@thamvan.example")
    tasks = _load_tasks(programme, TASKS, None, organizations, counter, secretary or officer)
    refresh_rollup(tasks.values())

    notice, created = Directive.objects.get_or_create(
        number="06-TB/TU",
        issued_on=date(2020, 10, 28),
        defaults={
            "kind": Directive.Kind.CONCLUSION_NOTICE,
            "issuer": "Thành ủy Hà Nội",
            "title": "Thông báo kết luận của đồng chí Bí thư Thành ủy tại buổi làm việc với Trung "
            "ương Hội Quy hoạch phát triển đô thị Việt Nam và Hội Quy hoạch phát triển đô thị "
            "thành phố Hà Nội",
            "summary": NOTICE_SUMMARY,
            "programme": programme,
        },
    )
    counter.add(created)
    conclusion, created = Conclusion.objects.get_or_create(
        directive=notice, position=1, defaults={"text": NOTICE_CONCLUSION}
    )
    counter.add(created)
    notice_task, created = Task.objects.get_or_create(
        conclusion=conclusion,
        lead_organization=org("city"),
        defaults={
            "code": "06-TB/TU/1",
            "title": "Nghiên cứu cơ chế phối hợp bằng chương trình hợp tác giữa UBND thành phố và "
            "Hội Quy hoạch phát triển đô thị Việt Nam, Hội Quy hoạch phát triển đô thị Hà Nội",
            "start": date(2020, 11, 1),
            "deadline": date(2021, 6, 30),
            "status": Task.Status.DONE,
            "progress": 100,
            "completed_on": date(2021, 5, 20),
        },
    )
    counter.add(created)
    if created:
        notice_task.cooperating_organizations.set([org("qhkt"), org("vupda"), org("hnupda")])
        ProgressReport.objects.create(
            task=notice_task,
            reported_on=date(2021, 5, 20),
            progress=100,
            note="Chương trình hợp tác giai đoạn 2021–2026 đã được ký kết giữa các bên.",
            author=secretary,
        )
    plan, created = Directive.objects.get_or_create(
        number="12/KH-HQHPTĐTVN",
        issued_on=date(2026, 1, 15),
        defaults={
            "kind": Directive.Kind.PLAN,
            "issuer": "Hội Quy hoạch phát triển đô thị Việt Nam",
            "title": "Kế hoạch thực hiện Chương trình hợp tác với UBND thành phố Hà Nội năm 2026",
            "summary": "Các nhiệm vụ trọng tâm năm cuối giai đoạn 2021–2026.",
            "programme": programme,
        },
    )
    counter.add(created)
    if created:
        first = Conclusion.objects.create(
            directive=plan,
            position=1,
            text="Hoàn thành tham vấn các đồ án quy hoạch phân khu đô thị sông Hồng, sông Đuống.",
        )
        Conclusion.objects.create(
            directive=plan,
            position=2,
            text="Tổng kết 5 năm thực hiện Chương trình hợp tác, đề xuất giai đoạn 2027–2031.",
        )
        follow_up = Task.objects.create(
            conclusion=first,
            programme=programme,
            code="12/KH/1",
            title="Hoàn thành tham vấn phân khu sông Đuống",
            lead_organization=org("qhkt"),
            start=date(2026, 2, 1),
            deadline=date(2026, 12, 15),
            status=Task.Status.IN_PROGRESS,
            progress=40,
        )
        follow_up.cooperating_organizations.set([org("hnupda")])
        counter.add(True)

    _load_workshops(organizations, tasks, counter)
    _load_research(organizations, tasks, counter)
    return counter.created


def _load_tasks(
    programme: Programme,
    specs: list[DemoTask],
    parent: Task | None,
    organizations: dict[str, Organization],
    counter: _Counter,
    author: User | None,
) -> dict[str, Task]:
    tasks: dict[str, Task] = {}
    for spec in specs:
        task, created = Task.objects.get_or_create(
            programme=programme,
            code=spec.code,
            defaults={
                "title": spec.title,
                "parent": parent,
                "lead_organization": organizations[spec.lead],
                "start": spec.start,
                "deadline": spec.deadline,
                "weight": spec.weight,
                "status": spec.status,
                "progress": spec.progress,
                "completed_on": spec.deadline if spec.status == "done" else None,
            },
        )
        counter.add(created)
        if created:
            task.cooperating_organizations.set([organizations[key] for key in spec.cooperating])
            for reported_on, progress, note in spec.reports:
                ProgressReport.objects.create(
                    task=task, reported_on=reported_on, progress=progress, note=note, author=author
                )
        tasks[spec.code] = task
        tasks.update(_load_tasks(programme, spec.children, task, organizations, counter, author))
    return tasks


def _load_workshops(
    organizations: dict[str, Organization], tasks: dict[str, Task], counter: _Counter
) -> None:
    today = timezone.localdate()
    invitees = [
        u
        for u in (
            _user("chuyengia@thamvan.example"),
            _user("chutri@thamvan.example"),
            _user("canbo@thamvan.example"),
            _user("lanhdao@thamvan.example"),
        )
        if u is not None
    ]
    specs: list[dict[str, Any]] = [
        {
            "topic": "Hội thảo khoa học: Quy hoạch không gian ngầm đô thị trung tâm Hà Nội",
            "kind": Workshop.Kind.WORKSHOP,
            "starts_at": _at(date(2025, 6, 12), 8),
            "ends_at": _at(date(2025, 6, 12), 12),
            "venue": "Hội trường Sở Quy hoạch - Kiến trúc Hà Nội, 31B Tràng Thi",
            "host": organizations["hnupda"],
            "status": Workshop.Status.MINUTES_PUBLISHED,
            "agenda": "Khai mạc\nTham luận: hiện trạng khai thác không gian ngầm\n"
            "Tham luận: kinh nghiệm quốc tế\nThảo luận\nBế mạc",
            "minutes": "Hội thảo có 85 đại biểu tham dự, 9 tham luận. Các ý kiến thống nhất cần "
            "sớm lập quy hoạch không gian ngầm khu vực nội đô lịch sử gắn với các ga ngầm.",
            "minutes_published_at": _at(date(2025, 6, 20), 9),
            "conclusions": [
                "Đề nghị Sở Quy hoạch - Kiến trúc nghiên cứu lồng ghép quy hoạch không gian ngầm "
                "trong các đồ án quy hoạch phân khu khu vực nội đô.",
                "Hội Quy hoạch phát triển đô thị Hà Nội tổng hợp các tham luận thành kỷ yếu.",
            ],
            "tasks": ["3.1"],
        },
        {
            "topic": "Tọa đàm: Bảo tồn và phát huy giá trị khu phố cổ Hà Nội",
            "kind": Workshop.Kind.ROUND_TABLE,
            "starts_at": _at(today + timedelta(days=12), 14),
            "ends_at": _at(today + timedelta(days=12), 17),
            "venue": "Trụ sở Hội Quy hoạch phát triển đô thị Việt Nam, 37 Lê Đại Hành",
            "online_url": "https://hop.thamvan.example/toa-dam-pho-co",
            "host": organizations["vupda"],
            "status": Workshop.Status.INVITATIONS_SENT,
            "agenda": "Giới thiệu đề dẫn\nÝ kiến của UBND phường Hoàn Kiếm\nThảo luận",
            "tasks": ["3.2"],
        },
        {
            "topic": "Hội thảo: Phát triển đô thị theo định hướng giao thông công cộng (TOD)",
            "kind": Workshop.Kind.WORKSHOP,
            "starts_at": _at(today + timedelta(days=40), 8),
            "ends_at": _at(today + timedelta(days=40), 11),
            "online_url": "https://hop.thamvan.example/hoi-thao-tod",
            "host": organizations["vupda"],
            "status": Workshop.Status.PLANNED,
            "tasks": ["2.1"],
        },
    ]
    for spec in specs:
        conclusions = spec.pop("conclusions", [])
        linked = spec.pop("tasks", [])
        workshop, created = Workshop.objects.get_or_create(topic=spec.pop("topic"), defaults=spec)
        counter.add(created)
        if not created:
            continue
        workshop.tasks.set([tasks[code] for code in linked if code in tasks])
        for user in invitees:
            past = workshop.status == Workshop.Status.MINUTES_PUBLISHED
            Invitation.objects.create(
                workshop=workshop,
                user=user,
                reply=Invitation.Reply.ACCEPTED if past else Invitation.Reply.PENDING,
                attended=True if past else None,
            )
        if workshop.status == Workshop.Status.INVITATIONS_SENT:
            # A guest without an account, invited by name and e-mail address.
            Invitation.objects.create(
                workshop=workshop,
                guest_name="KTS. Đinh Thị Hải Yến",
                guest_email="haiyen.dinh@vienkientruc.example",
                guest_organization="Viện Kiến trúc Quốc gia",
                guest_position="Phó Viện trưởng",
            )
        for position, text in enumerate(conclusions, start=1):
            MinutesConclusion.objects.create(
                workshop=workshop,
                position=position,
                text=text,
                task=tasks.get("1.2") if position == 1 else None,
            )


def _load_research(
    organizations: dict[str, Organization], tasks: dict[str, Task], counter: _Counter
) -> None:
    experts = list(Expert.objects.filter(is_active=True).order_by("sort_key")[:8])
    own = Expert.objects.filter(user__email="chuyengia@thamvan.example").first()
    lead = own or (experts[0] if experts else None)
    specs = [
        (
            "ĐT-2023-01",
            "Nghiên cứu cơ chế phối hợp tham vấn chuyên gia trong thẩm định quy hoạch",
            "city",
            850_000_000,
            date(2023, 1, 1),
            date(2024, 6, 30),
            ResearchTopic.Status.ACCEPTED,
            "2.2",
        ),
        (
            "ĐT-2024-02",
            "Nghiên cứu mô hình TOD dọc tuyến đường sắt đô thị số 3 Nhổn – Ga Hà Nội",
            "qhkt",
            1_250_000_000,
            date(2024, 3, 1),
            date(2026, 12, 31),
            ResearchTopic.Status.IN_PROGRESS,
            "2.1",
        ),
        (
            "ĐT-2026-03",
            "Nghiên cứu giải pháp quản lý không gian ngầm khu vực nội đô lịch sử",
            "qhkt",
            2_100_000_000,
            date(2026, 9, 1),
            date(2027, 12, 31),
            ResearchTopic.Status.APPROVED,
            "1.2",
        ),
        (
            "ĐT-2026-04",
            "Nghiên cứu chỉ số đô thị thông minh cho cấp phường",
            "city",
            600_000_000,
            None,
            None,
            ResearchTopic.Status.PROPOSED,
            None,
        ),
        (
            "ĐT-2025-05",
            "Nghiên cứu điều chỉnh chỉ tiêu mật độ xây dựng khu phố cũ",
            "hoankiem",
            450_000_000,
            date(2025, 1, 1),
            date(2025, 12, 31),
            ResearchTopic.Status.REJECTED,
            None,
        ),
    ]
    for code, title, commissioner, budget, start, end, status, task_code in specs:
        topic, created = ResearchTopic.objects.get_or_create(
            code=code,
            defaults={
                "title": title,
                "commissioning_organization": organizations[commissioner],
                "budget_vnd": budget,
                "start_on": start,
                "end_on": end,
                "status": status,
                "lead_expert": lead,
            },
        )
        counter.add(created)
        if not created:
            continue
        topic.team.set(experts[1:4])
        if task_code and task_code in tasks:
            topic.tasks.set([tasks[task_code]])
        if start:
            Milestone.objects.create(
                topic=topic,
                title="Thông qua đề cương chi tiết",
                due_on=start + timedelta(days=60),
                done_on=start + timedelta(days=55)
                if status != ResearchTopic.Status.APPROVED
                else None,
            )
            Milestone.objects.create(
                topic=topic,
                title="Báo cáo tổng kết đề tài",
                due_on=end or start,
                done_on=end if status == ResearchTopic.Status.ACCEPTED else None,
            )
        if status == ResearchTopic.Status.ACCEPTED:
            Output.objects.create(
                topic=topic,
                kind=Output.Kind.REPORT,
                title="Báo cáo tổng hợp kết quả nghiên cứu",
                delivered_on=end,
            )
            Output.objects.create(
                topic=topic,
                kind=Output.Kind.DRAFT_REGULATION,
                title="Dự thảo quy chế phối hợp tham vấn chuyên gia",
                delivered_on=end,
            )
