from __future__ import annotations

import unicodedata
from datetime import date
from typing import Any, cast

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from thamvan.experts.models import Affiliation, Expert, Specialty, UnavailablePeriod
from thamvan.experts.tests.factories import (
    AffiliationFactory,
    ExpertFactory,
    SpecialtyFactory,
    UnavailablePeriodFactory,
)
from thamvan.organizations.models import Organization
from thamvan.organizations.tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

SEEDED_SLUGS = [
    "quy-hoach-vung",
    "quy-hoach-do-thi",
    "quy-hoach-nong-thon",
    "kien-truc",
    "thiet-ke-do-thi",
    "giao-thong",
    "ha-tang-ky-thuat",
    "cap-thoat-nuoc",
    "moi-truong",
    "kinh-te-do-thi",
    "xa-hoi-hoc-do-thi",
    "bao-ton-di-san",
    "canh-quan",
    "dia-ky-thuat",
    "phap-luat-xay-dung",
    "gis-va-du-lieu",
    "quan-ly-do-thi",
    "nha-o-va-bat-dong-san",
    "nang-luong-va-cong-trinh-xanh",
    "phong-chong-thien-tai",
]


def test_the_migration_seeds_the_specialty_taxonomy_in_order() -> None:
    seeded = list(Specialty.objects.filter(slug__in=SEEDED_SLUGS).values_list("slug", flat=True))

    assert seeded == SEEDED_SLUGS
    assert Specialty.objects.get(slug="dia-ky-thuat").name == "Địa kỹ thuật"
    assert Specialty.objects.get(slug="gis-va-du-lieu").name == "GIS và dữ liệu"


def test_the_specialty_factory_reuses_the_seeded_row() -> None:
    assert SpecialtyFactory.create(slug="giao-thong").name == "Giao thông"
    assert Specialty.objects.filter(slug="giao-thong").count() == 1


def test_a_new_specialty_gets_its_slug_from_the_name() -> None:
    specialty = Specialty.objects.create(name="Đô thị thông minh")

    assert specialty.slug == "do-thi-thong-minh"
    assert specialty.name_key == "do thi thong minh"


@pytest.mark.parametrize(
    ("rank", "degree", "expected"),
    [
        ("PGS", "TS", "PGS.TS. Nguyễn Văn An"),
        ("GS", "TSKH", "GS.TSKH. Nguyễn Văn An"),
        ("", "KTS", "KTS. Nguyễn Văn An"),
        ("", "ThS", "ThS. Nguyễn Văn An"),
        ("GS", "", "GS. Nguyễn Văn An"),
        ("", "", "Nguyễn Văn An"),
    ],
)
def test_titles_are_written_before_the_name(rank: str, degree: str, expected: str) -> None:
    expert = ExpertFactory.create(full_name="Nguyễn Văn An", academic_rank=rank, degree=degree)

    assert expert.titled_name == expected
    assert str(expert) == expected


def test_seniority_comes_from_the_configured_ranks(settings: Any) -> None:
    professor = ExpertFactory.create(academic_rank="GS")
    associate = ExpertFactory.create(academic_rank="PGS")
    doctor = ExpertFactory.create(academic_rank="", degree="TS")

    assert professor.is_senior and associate.is_senior and not doctor.is_senior
    assert set(Expert.objects.senior()) == {professor, associate}

    settings.EXPERT_SENIOR_RANKS = ("GS",)

    assert professor.is_senior and not associate.is_senior
    assert list(Expert.objects.senior()) == [professor]


def test_decomposed_text_is_stored_composed() -> None:
    name = unicodedata.normalize("NFD", "Nguyễn Thị Hoà")
    expert = ExpertFactory.create(
        full_name=name, keywords=unicodedata.normalize("NFD", "giao thông")
    )
    expert.refresh_from_db()

    assert expert.full_name == unicodedata.normalize("NFC", "Nguyễn Thị Hoà")
    assert expert.keywords == "giao thông"


def test_experts_sort_by_given_name_ignoring_titles() -> None:
    for name in ["Trần Văn Bình", "Lê Thị An", "Nguyễn Đức Cường", "Phạm An"]:
        ExpertFactory.create(full_name=name, academic_rank="PGS" if "Cường" in name else "")

    names = list(Expert.objects.by_given_name().values_list("full_name", flat=True))

    assert names == ["Lê Thị An", "Phạm An", "Trần Văn Bình", "Nguyễn Đức Cường"]


def test_search_ignores_accents_and_covers_keywords_and_number() -> None:
    nguyen = ExpertFactory.create(
        full_name="Nguyễn Văn Đông", keywords="thoát nước, chống ngập", membership_number="HV-7"
    )
    ExpertFactory.create(full_name="Trần Thị Lan", keywords="bảo tồn")

    assert list(Expert.objects.search("nguyen van")) == [nguyen]
    assert list(Expert.objects.search("DONG")) == [nguyen]
    assert list(Expert.objects.search("chong ngap")) == [nguyen]
    assert list(Expert.objects.search("hv-7")) == [nguyen]
    assert not Expert.objects.search("nguyen lan").exists()


def test_the_search_key_follows_renames_saved_with_update_fields() -> None:
    expert = ExpertFactory.create(full_name="Trần Văn Bình")
    expert.full_name = "Đỗ Minh Châu"
    expert.save(update_fields=["full_name"])

    assert list(Expert.objects.search("do minh chau")) == [expert]
    assert Expert.objects.get(pk=expert.pk).sort_key.startswith("chau ")


def test_membership_numbers_and_emails_are_unique_only_when_set() -> None:
    ExpertFactory.create(membership_number="", email="")
    ExpertFactory.create(membership_number="", email="")  # several blanks are fine
    ExpertFactory.create(membership_number="HV-1", email="a@example.vn")

    with pytest.raises(IntegrityError), transaction.atomic():
        ExpertFactory.create(membership_number="HV-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        ExpertFactory.create(email="A@example.vn")  # stored lowercase


def test_concurrent_consultations_are_bounded() -> None:
    expert = ExpertFactory.build(max_concurrent_consultations=21)

    with pytest.raises(ValidationError) as error:
        expert.full_clean(exclude=["user", "home_organization"])
    assert "max_concurrent_consultations" in error.value.message_dict
    assert ExpertFactory.create().max_concurrent_consultations == 3


def test_primary_specialty_comes_first() -> None:
    expert = ExpertFactory.create(specialties=["moi-truong", "giao-thong", "kien-truc"])

    assert expert.primary_specialty == Specialty.objects.get(slug="moi-truong")
    assert [s.slug for s in expert.ordered_specialties] == ["moi-truong", "kien-truc", "giao-thong"]


def test_only_one_specialty_can_be_primary() -> None:
    expert = ExpertFactory.create(specialties=["moi-truong"])

    with pytest.raises(IntegrityError), transaction.atomic():
        expert.expert_specialties.create(
            specialty=Specialty.objects.get(slug="giao-thong"), is_primary=True
        )


def test_affiliation_and_absence_dates_must_be_ordered() -> None:
    affiliation = Affiliation(start_date=date(2024, 5, 1), end_date=date(2024, 4, 30))
    period = UnavailablePeriod(start_date=date(2024, 5, 1), end_date=date(2024, 4, 30))

    for record in (affiliation, period):
        with pytest.raises(ValidationError) as error:
            record.clean()
        assert "end_date" in error.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        AffiliationFactory.create(start_date=date(2024, 5, 1), end_date=date(2024, 4, 30))


class TestAffiliationWindow:
    ON = date(2026, 3, 1)

    @pytest.fixture
    def expert(self) -> Expert:
        return ExpertFactory.create()

    def test_current_affiliations_count(self, expert: Expert) -> None:
        current = AffiliationFactory.create(
            expert=expert, start_date=date(2020, 1, 1), end_date=None
        )

        assert expert.affiliated_organization_ids(self.ON, 730) == {current.organization_id}

    def test_affiliations_ended_within_the_window_count(self, expert: Expert) -> None:
        recent = AffiliationFactory.create(
            expert=expert, start_date=date(2018, 1, 1), end_date=date(2024, 3, 2)
        )
        old = AffiliationFactory.create(
            expert=expert, start_date=date(2010, 1, 1), end_date=date(2024, 2, 29)
        )

        ids = expert.affiliated_organization_ids(self.ON, 730)

        assert recent.organization_id in ids
        assert old.organization_id not in ids
        # The window's first day still counts: 1 March 2026 minus 730 days.
        assert expert.affiliated_organization_ids(self.ON, 731) == {
            recent.organization_id,
            old.organization_id,
        }

    def test_affiliations_starting_later_do_not_count(self, expert: Expert) -> None:
        AffiliationFactory.create(expert=expert, start_date=date(2026, 3, 2))

        assert expert.affiliated_organization_ids(self.ON, 730) == set()

    def test_a_zero_window_means_current_only(self, expert: Expert) -> None:
        ended = AffiliationFactory.create(
            expert=expert, start_date=date(2020, 1, 1), end_date=self.ON
        )
        AffiliationFactory.create(
            expert=expert, start_date=date(2020, 1, 1), end_date=date(2026, 2, 28)
        )

        assert expert.affiliated_organization_ids(self.ON, 0) == {ended.organization_id}

    def test_the_queryset_form_answers_for_many_experts_in_one_query(
        self, expert: Expert, django_assert_num_queries: Any
    ) -> None:
        other = ExpertFactory.create()
        shared = cast(Organization, OrganizationFactory())
        AffiliationFactory.create(expert=expert, organization=shared)
        AffiliationFactory.create(expert=other, organization=shared, end_date=date(2025, 12, 31))
        mine = AffiliationFactory.create(expert=expert)
        ExpertFactory.create()  # no affiliation at all

        with django_assert_num_queries(1):
            result = Expert.objects.all().affiliated_organization_ids(self.ON, 365)

        assert result == {expert.pk: {shared.pk, mine.organization_id}, other.pk: {shared.pk}}


class TestAvailability:
    def test_an_expert_is_unavailable_during_a_period_inclusive(self) -> None:
        period = UnavailablePeriodFactory.create(
            start_date=date(2026, 4, 10), end_date=date(2026, 4, 20)
        )
        expert = period.expert

        assert expert.is_available(date(2026, 4, 9))
        assert not expert.is_available(date(2026, 4, 10))
        assert not expert.is_available(date(2026, 4, 20))
        assert expert.is_available(date(2026, 4, 21))

    def test_a_range_is_unavailable_if_any_period_overlaps_it(self) -> None:
        period = UnavailablePeriodFactory.create(
            start_date=date(2026, 4, 10), end_date=date(2026, 4, 20)
        )
        expert = period.expert

        assert not expert.is_available(date(2026, 4, 1), date(2026, 4, 10))
        assert not expert.is_available(date(2026, 4, 15), date(2026, 5, 1))
        assert not expert.is_available(date(2026, 4, 1), date(2026, 5, 1))
        assert expert.is_available(date(2026, 4, 21), date(2026, 5, 1))

    def test_available_on_filters_the_queryset(self) -> None:
        away = UnavailablePeriodFactory.create(
            start_date=date(2026, 4, 10), end_date=date(2026, 4, 20)
        ).expert
        here = ExpertFactory.create()
        UnavailablePeriodFactory.create(
            expert=here, start_date=date(2026, 5, 1), end_date=date(2026, 5, 2)
        )

        assert set(Expert.objects.available_on(date(2026, 4, 15))) == {here}
        assert set(Expert.objects.unavailable_on(date(2026, 4, 15))) == {away}
        assert set(Expert.objects.available_on(date(2026, 4, 25))) == {here, away}
        assert set(Expert.objects.available_between(date(2026, 4, 18), date(2026, 5, 1))) == set()
