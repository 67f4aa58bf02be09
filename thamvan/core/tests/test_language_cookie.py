"""The language cookie carries the session cookie's attributes under production settings."""

from __future__ import annotations

import json
from http.cookies import Morsel

from django.test import Client, override_settings

from thamvan.core.tests.test_settings import _manage

NAMES = ("LANGUAGE_COOKIE_SECURE", "LANGUAGE_COOKIE_SAMESITE", "LANGUAGE_COOKIE_HTTPONLY")


def _production_values() -> dict[str, object]:
    code = (
        "import json; from django.conf import settings as s; "
        f"print(json.dumps({{n: getattr(s, n) for n in {NAMES!r}}}))"
    )
    result = _manage(
        "shell", "-c", code, SECRET_KEY="x" * 50, ALLOWED_HOSTS="testserver", DEBUG="false"
    )
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def test_switching_language_sets_a_secure_same_site_http_only_cookie() -> None:
    with override_settings(**_production_values()):
        response = Client().post("/i18n/setlang/", {"language": "en", "next": "/"}, secure=True)
    assert response.status_code == 302
    cookie: Morsel[str] = response.cookies["thamvan_language"]
    assert cookie.value == "en"
    assert cookie["secure"] is True
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert "Secure" in cookie.output() and "SameSite=Lax" in cookie.output()
