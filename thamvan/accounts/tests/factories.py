from __future__ import annotations

import factory

from thamvan.accounts.models import Membership, Role, User
from thamvan.organizations.tests.factories import OrganizationFactory

PASSWORD = "correct-horse-battery"


def _set_password(user: User, create: bool, extracted: str | None) -> None:
    user.set_password(extracted or PASSWORD)
    if create:
        user.save(update_fields=["password"])


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.vn")
    full_name = factory.Iterator(
        ["Nguyễn Văn An", "Trần Thị Bình", "Lê Hoàng Cường", "Phạm Thu Dung", "Hoàng Minh Đức"]
    )

    password = factory.PostGeneration(
        lambda user, create, extracted, **kw: _set_password(user, create, extracted)
    )


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Role.AGENCY_OFFICER
