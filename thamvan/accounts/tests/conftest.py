import pytest

from thamvan.accounts.tests.sessions import verified_client


@pytest.fixture
def as_user():
    """Persona clients as the sign-in flow leaves them: second step passed."""
    return verified_client
