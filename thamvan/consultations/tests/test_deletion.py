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
