"""A consultation is never deleted, whatever the code path: its history must stay."""

from __future__ import annotations

import pytest
from django.db.models import ProtectedError

from thamvan.consultations.models import CONSULTATION_KEPT, Consultation, Opinion

pytestmark = pytest.mark.django_db


def test_deleting_a_consultation_is_refused_and_keeps_its_opinions(world, officer, secretariat):
    world.advance("synthesizing", officer=officer, secretariat=secretariat)

    with pytest.raises(ProtectedError, match=str(CONSULTATION_KEPT)[:40]):
        world.consultation.delete()
    with pytest.raises(ProtectedError):
        Consultation.objects.filter(pk=world.consultation.pk).delete()

    assert Consultation.objects.filter(pk=world.consultation.pk).exists()
    assert Opinion.objects.filter(consultation=world.consultation).count() == 1


def test_even_a_draft_consultation_is_kept(world):
    with pytest.raises(ProtectedError):
        world.consultation.delete()
    assert Consultation.objects.filter(pk=world.consultation.pk).exists()


def test_a_submitted_opinion_and_its_items_are_kept(world, officer, secretariat):
    from thamvan.consultations.models import OPINION_KEPT, OpinionItem

    world.advance("synthesizing", officer=officer, secretariat=secretariat)
    opinion = Opinion.objects.get(consultation=world.consultation)
    item = OpinionItem.objects.create(opinion=opinion, content="Bổ sung bãi đỗ xe.")

    with pytest.raises(ProtectedError, match=str(OPINION_KEPT)[:30]):
        opinion.delete()
    with pytest.raises(ProtectedError):
        Opinion.objects.filter(pk=opinion.pk).delete()
    with pytest.raises(ProtectedError):
        item.delete()

    assert Opinion.objects.filter(pk=opinion.pk).exists()
    assert OpinionItem.objects.filter(pk=item.pk).exists()


def test_a_draft_opinion_may_still_be_discarded(world, officer, secretariat, expert_user):
    from thamvan.consultations.services.opinions import opinion_start

    world.advance("in_review", officer=officer, secretariat=secretariat)
    draft = opinion_start(actor=expert_user, consultation=world.consultation)

    Opinion.objects.filter(pk=draft.pk).delete()

    assert not Opinion.objects.filter(pk=draft.pk).exists()
