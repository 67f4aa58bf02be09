import unicodedata

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from thamvan.core.middleware import NFCMiddleware


@pytest.mark.parametrize("method", ["get", "post"])
def test_submitted_text_reaches_views_as_nfc(method):
    seen: dict[str, str] = {}

    def view(request):
        data = request.GET if method == "get" else request.POST
        seen["name"] = data["name"]
        return HttpResponse()

    nfd = unicodedata.normalize("NFD", "Quy hoạch phân khu Đống Đa")
    request = getattr(RequestFactory(), method)("/", {"name": nfd})
    NFCMiddleware(view)(request)
    assert seen["name"] == unicodedata.normalize("NFC", nfd)
    assert seen["name"] != nfd
