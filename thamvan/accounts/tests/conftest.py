from typing import Any

import pytest

from thamvan.accounts.tests.sessions import verified_client


@pytest.fixture
def as_user():
    """Persona clients as the sign-in flow leaves them: second step passed."""
    return verified_client


@pytest.fixture
def other_association(orgs: Any) -> Any:
    """A second association, whose people are none of the first one's secretariat's business."""
    from thamvan.organizations.models import Organization
    from thamvan.organizations.tests.factories import OrganizationFactory

    return OrganizationFactory(name="Hội Kiến trúc sư Việt Nam", kind=Organization.Kind.ASSOCIATION)


@pytest.fixture
def other_secretariat(other_association: Any) -> Any:
    """The secretariat of the other association: the first association's people are out of scope."""
    from thamvan.accounts.models import Role
    from thamvan.accounts.tests.factories import MembershipFactory, UserFactory

    user = UserFactory(full_name="Đinh Thị Lụa", email="vanphong-kts@example.vn")
    MembershipFactory(user=user, organization=other_association, role=Role.SECRETARIAT)
    return user
