"""Consultation factories and a helper that walks a consultation through its lifecycle."""

from __future__ import annotations

from typing import Any, cast

import factory

from thamvan.consultations.models import Consultation, Question
from thamvan.consultations.services import opinions as opinion_services
from thamvan.consultations.services import panel as panel_services
from thamvan.consultations.services import requests as request_services
from thamvan.consultations.services import synthesis as synthesis_services
from thamvan.dossiers.tests.factories import DossierFactory, DossierVersionFactory
from thamvan.organizations.models import Organization
from thamvan.organizations.tests.factories import OrganizationFactory


class ConsultationFactory(factory.django.DjangoModelFactory):
    """A draft; use :func:`advance` to move it through the lifecycle with real services."""

    class Meta:
        model = Consultation
        skip_postgeneration_save = True

    dossier = factory.SubFactory(DossierFactory)
    version = factory.LazyAttribute(lambda o: DossierVersionFactory.create(dossier=o.dossier))
    association = factory.SubFactory(OrganizationFactory, kind=Organization.Kind.ASSOCIATION)
    title = factory.Sequence(lambda n: f"Xin ý kiến về đồ án quy hoạch phân khu số {n}")
    panel_size = 2
    max_per_organization = None
    needs_senior = False

    @factory.post_generation
    def questions(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if not create:
            return
        texts = extracted or [
            "Ý kiến về cơ cấu sử dụng đất?",
            "Ý kiến về tổ chức giao thông?",
        ]
        Question.objects.bulk_create(
            Question(consultation=cast(Consultation, self), order=i, text=t)
            for i, t in enumerate(texts, start=1)
        )


ORDER = [
    "sent",
    "accepted",
    "panel_forming",
    "in_review",
    "synthesizing",
    "reported",
]


def advance(
    consultation: Consultation,
    to: str,
    *,
    officer: Any,
    secretariat: Any,
    members: list[Any] | None = None,
) -> Consultation:
    """Move a consultation from its state to ``to`` through the services; ``members`` are
    (user, Expert) pairs, the first becomes chair and submits an opinion before synthesis."""
    members = members or []
    start = ORDER.index(consultation.state) + 1 if consultation.state in ORDER else 0
    for state in ORDER[start : ORDER.index(to) + 1]:
        if state == "sent":
            request_services.consultation_send(actor=officer, consultation=consultation)
        elif state == "accepted":
            request_services.consultation_accept(actor=secretariat, consultation=consultation)
        elif state == "panel_forming":
            assert members, "forming a panel needs members"
            invitations = panel_services.invitations_send(
                actor=secretariat,
                consultation=consultation,
                picks=[panel_services.Pick(expert=expert) for _, expert in members],
            )
            for (user, _), invitation in zip(members, invitations, strict=True):
                panel_services.invitation_accept(
                    actor=user, invitation=invitation, declared=True, statement="Không có."
                )
            panel_services.panel_set_chair(
                actor=secretariat, consultation=consultation, invitation=invitations[0]
            )
        elif state == "in_review":
            panel_services.consultation_start_review(actor=secretariat, consultation=consultation)
        elif state == "synthesizing":
            user, _ = members[0]
            opinion = opinion_services.opinion_start(actor=user, consultation=consultation)
            opinion_services.opinion_save_draft(
                actor=user, opinion=opinion, lock_version=0, verdict="conditions", summary="Ổn."
            )
            opinion_services.opinion_item_add(
                actor=user,
                opinion=opinion,
                lock_version=1,
                content="Cần bổ sung bãi đỗ xe công cộng.",
                section="Mục 3.2",
            )
            opinion_services.opinion_submit(actor=user, opinion=opinion, lock_version=2)
            synthesis_services.consultation_start_synthesis(
                actor=secretariat, consultation=consultation
            )
        elif state == "reported":
            synthesis_services.synthesis_save(
                actor=secretariat,
                consultation=consultation,
                lock_version=consultation.synthesis_lock_version,
                introduction="Hội nhận được hồ sơ.",
                conclusions="Hồ sơ cơ bản đáp ứng yêu cầu.",
                recommendations="Bổ sung bãi đỗ xe.",
            )
            synthesis_services.consultation_issue_report(
                actor=secretariat, consultation=consultation, report_number="12"
            )
    consultation.refresh_from_db()
    return consultation
