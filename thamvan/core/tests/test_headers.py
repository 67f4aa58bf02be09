"""Security headers on real pages, and no inline script or style anywhere (strict CSP)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.urls import reverse

from thamvan.core.tests.test_settings import _manage

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parents[3] / "templates"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle\s*=", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"(href|src|action)\s*=\s*[\"']?\s*javascript:", re.IGNORECASE)


def _csp(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    directives = [part.strip().split() for part in policy.split(";") if part.strip()]
    return {parts[0]: parts[1:] for parts in directives}


def _assert_no_inline_code(html: str) -> None:
    assert not INLINE_SCRIPT.search(html), INLINE_SCRIPT.search(html)
    assert not STYLE_ATTRIBUTE.search(html), STYLE_ATTRIBUTE.search(html)
    assert not EVENT_HANDLER.search(html), EVENT_HANDLER.search(html)
    assert not JAVASCRIPT_URL.search(html)


@pytest.fixture
def pages(as_user, officer, orgs):
    client = as_user(officer)
    return [
        client.get(reverse("core:home")),
        client.get(reverse("organizations:list")),
        client.get(reverse("organizations:detail", args=[orgs.department.pk])),
        client.get(reverse("accounts:profile")),
    ]


def test_the_sign_in_page_sends_a_strict_content_security_policy(client):
    response = client.get(reverse("accounts:login"))
    csp = _csp(response)
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["default-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert csp["form-action"] == ["'self'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    _assert_no_inline_code(response.content.decode())


def test_signed_in_pages_carry_the_policy_and_no_inline_code(pages):
    for response in pages:
        assert response.status_code == 200
        assert _csp(response)["script-src"] == ["'self'"]
        _assert_no_inline_code(response.content.decode())


def test_pages_forbid_framing_sniffing_and_leaking_the_referrer(client, pages):
    for response in [client.get(reverse("accounts:login")), *pages]:
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_no_template_contains_inline_script_style_or_event_handlers():
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text("utf-8")
        for pattern in (INLINE_SCRIPT, STYLE_ATTRIBUTE, EVENT_HANDLER, JAVASCRIPT_URL):
            if found := pattern.search(text):
                offenders.append(f"{path.relative_to(TEMPLATES)}: {found[0]}")
    assert offenders == []


def test_hsts_is_sent_over_https_when_configured(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get(reverse("accounts:login"), secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_production_settings_turn_on_hsts_secure_cookies_and_https():
    code = (
        "import json; from django.conf import settings as s; print(json.dumps({"
        "'hsts': s.SECURE_HSTS_SECONDS, 'sub': s.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
        "'ssl': s.SECURE_SSL_REDIRECT, 'session': s.SESSION_COOKIE_SECURE, "
        "'csrf': s.CSRF_COOKIE_SECURE, 'httponly': s.SESSION_COOKIE_HTTPONLY}))"
    )
    result = _manage(
        "shell",
        "-c",
        code,
        SECRET_KEY="x" * 50,
        ALLOWED_HOSTS="thamvan.example.vn",
        DEBUG="false",
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values == {
        "hsts": 31536000,
        "sub": True,
        "ssl": True,
        "session": True,
        "csrf": True,
        "httponly": True,
    }


def test_signed_in_pages_are_not_stored_by_browsers(as_user, officer, orgs, client):
    page = as_user(officer).get(reverse("core:home"))
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"] and "private" in page["Cache-Control"]
    # The same page for a visitor who is not signed in is a redirect with no such rule.
    anonymous = client.get(reverse("core:home"))
    assert anonymous.status_code == 302
    assert "no-store" not in anonymous.get("Cache-Control", "")
