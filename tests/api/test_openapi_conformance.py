"""Schemathesis against the OpenAPI document, authenticated with a personal token.

Deterministic (derandomised) and bounded (a few examples per operation): no
response is a server error and every response conforms to the document.
"""

from __future__ import annotations

from typing import Any, cast

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from thamvan.accounts.tokens import api_token_create
from thamvan.consultations.models import Consultation
from thamvan.consultations.services.requests import consultation_send
from thamvan.consultations.tests.factories import ConsultationFactory
from thamvan.dossiers.models import Confidentiality
from thamvan.dossiers.tests.factories import DossierFactory
from thamvan.programme.tests.factories import ProgrammeFactory, TaskFactory
from thamvan.search.indexing import reindex


def _load_schema() -> Any:
    from django.core.wsgi import get_wsgi_application

    # Served by the application itself, so the test checks the document clients get.
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


schema = _load_schema()


@pytest.fixture(autouse=True)
def keep_test_connection() -> Any:
    """Requests through the WSGI app must not close the test's database connection.

    Django's test client disconnects these handlers for the same reason; the
    schemathesis WSGI client does not.
    """
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def officer_token(officer: Any, orgs: Any, settings: Any) -> str:
    settings.API_RATE_LIMIT_PER_MINUTE = 100_000
    dossier = DossierFactory(lead_agency=orgs.department, confidentiality=Confidentiality.PUBLIC)
    # Objects the officer may read, so lists answer with items the schema must describe.
    consultation = cast(
        Consultation,
        ConsultationFactory(dossier=dossier, association=orgs.association, created_by=officer),
    )
    consultation_send(actor=officer, consultation=consultation)
    programme = ProgrammeFactory(parties=[orgs.city, orgs.department])
    TaskFactory(programme=programme, lead_organization=orgs.department)
    reindex()
    _token, raw = api_token_create(actor=officer, name="schemathesis")
    return raw


@schema.parametrize()
@settings(
    max_examples=8,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_every_response_conforms_to_the_openapi_document(case: Any, officer_token: str) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Bearer {officer_token}"},
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )
