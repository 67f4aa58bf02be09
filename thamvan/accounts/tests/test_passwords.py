import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from thamvan.accounts.tests.factories import UserFactory
from thamvan.accounts.validators import ContextWordsPasswordValidator

pytestmark = pytest.mark.django_db

CONTEXT = {"NAME": "thamvan.accounts.validators.ContextWordsPasswordValidator"}


@pytest.fixture
def validators(settings):
    settings.AUTH_PASSWORD_VALIDATORS = [*settings.AUTH_PASSWORD_VALIDATORS, CONTEXT]


@pytest.fixture
def user():
    return UserFactory.build(email="nguyen.hanh@example.vn")


def _codes(password: str, user) -> set[str]:
    try:
        validate_password(password, user)
    except ValidationError as error:
        return {str(e.code) for e in error.error_list}
    return set()


def test_the_minimum_length_is_12_outside_demo_mode(validators, user):
    assert "password_too_short" in _codes("gió-mùa-hè1", user)
    assert _codes("gió mùa hè về trên phố", user) == set()


def test_passwords_of_128_characters_and_any_script_are_accepted(validators, user):
    assert _codes("Phố cổ Hà Nội " * 9 + "x", user) == set()


def test_no_composition_rules_apply(validators, user):
    assert _codes("only lower case letters here", user) == set()
    # All digits is allowed too: length, not character classes, makes a password strong.
    assert _codes("839204716253", user) == set()


def test_common_passwords_are_refused(validators, user):
    assert "password_too_common" in _codes("password1234", user)


def test_passwords_containing_the_product_name_are_refused(validators, user):
    assert "password_context" in _codes("ThamVan-2026-secure", user)
    assert "password_context" in _codes("my tham van login!", user)


def test_passwords_containing_the_email_local_part_are_refused(validators, user):
    assert "password_context" in _codes("xx-Nguyen.Hanh-2026!!", user)


def test_short_local_parts_do_not_ban_ordinary_words():
    validator = ContextWordsPasswordValidator()
    validator.validate("an ordinary sentence here", UserFactory.build(email="an@example.vn"))
