"""One client saves a heavy boundary through the API while another signs in, on a SQLite file.

Run by ``test_busy_sqlite_site.py`` as a program: the test suite's SQLite
database lives in memory, where locking works differently, so this migrates a
database file with the project's settings (WAL, ``BEGIN IMMEDIATE``, busy
timeout). Prints the timings as JSON.

    python -m thamvan.dossiers.tests.busy_sqlite_site DATABASE_FILE
"""

from __future__ import annotations

import json
import math
import os
import sys
import threading
import time
from typing import Any

# Longer than a sign-in may take, shorter than the 20-second busy timeout after
# which a waiting writer fails with "database is locked".
RUN_FOR_AT_MOST = 60.0


def heavy_boundary() -> dict[str, Any]:
    """1,000 separate round lots of 48 points: accepted, and about a second of geometry."""

    def lot(index: int) -> list[list[float]]:
        lon, lat = 105.0 + 0.01 * (index % 40), 20.0 + 0.01 * (index // 40)
        ring = [
            [
                round(lon + 0.004 * math.cos(2 * math.pi * i / 48), 7),
                round(lat + 0.004 * math.sin(2 * math.pi * i / 48), 7),
            ]
            for i in range(48)
        ]
        return [*ring, ring[0]]

    return {"type": "MultiPolygon", "coordinates": [[lot(index)] for index in range(1000)]}


def main(database: str) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.test_settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import OperationalError, connections
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    from thamvan.accounts.tests.factories import PASSWORD, MembershipFactory, UserFactory
    from thamvan.accounts.tokens import api_token_create
    from thamvan.dossiers.tests.factories import DossierFactory
    from thamvan.organizations.models import Organization
    from thamvan.organizations.tests.factories import OrganizationFactory

    setup_test_environment()
    call_command("migrate", verbosity=0, interactive=False)
    department = OrganizationFactory(kind=Organization.Kind.DEPARTMENT)
    officer = UserFactory.create(email="officer@example.vn")
    MembershipFactory(user=officer, organization=department, role="agency_officer")
    reader = UserFactory.create(email="reader@example.vn")
    dossier = DossierFactory.create(lead_agency=department)
    _token, raw = api_token_create(actor=officer, name="busy site")
    body = json.dumps({"boundary": heavy_boundary()})
    connections.close_all()

    saved: dict[str, Any] = {}

    def save() -> None:
        client = Client(headers={"Authorization": f"Bearer {raw}"})
        saved["started"] = time.perf_counter()
        response = client.patch(
            f"/api/v1/dossiers/{dossier.pk}", body, content_type="application/json"
        )
        saved.update(status=response.status_code, ended=time.perf_counter())
        connections.close_all()

    saver = threading.Thread(target=save, daemon=True)
    saver.start()
    while "started" not in saved:
        time.sleep(0.001)
    sign_ins: list[dict[str, Any]] = []
    give_up = time.perf_counter() + RUN_FOR_AT_MOST
    while saver.is_alive() and time.perf_counter() < give_up:
        started = time.perf_counter()
        try:
            response = Client().post(
                reverse("accounts:login"), {"username": reader.email, "password": PASSWORD}
            )
            status, error = response.status_code, ""
        except OperationalError as failure:
            status, error = 0, str(failure)
        sign_ins.append(
            {
                "started": started,
                "seconds": time.perf_counter() - started,
                "status": status,
                "error": error,
            }
        )
    print(json.dumps({"saved": saved, "sign_ins": sign_ins}))
    sys.stdout.flush()
    # The saving thread may still run if the bug is back; do not wait for it.
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1])
