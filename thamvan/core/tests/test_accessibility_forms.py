"""Forms with errors open with a summary that links each error to its field."""

from __future__ import annotations

import re
from typing import Any

from django.urls import reverse


def test_a_form_with_errors_starts_with_a_summary_linking_to_the_fields(
    as_user: Any, admin_user: Any
) -> None:
    response = as_user(admin_user).post(reverse("organizations:create"), {"name": ""})

    assert response.status_code == 200
    page = response.content.decode()
    summary = re.search(r'<div class="form-errors" role="alert">(.*?)</div>', page, re.S)
    assert summary is not None
    # The summary comes before the first field, and its link leads to the field in error.
    assert page.index('class="form-errors"') < page.index('id="id_name"')
    assert re.search(r'<a href="#id_name">[^<]+:[^<]+</a>', summary.group(1))
