"""Read the to-do list off the home page and the API, in the same shape, for tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.test import Client
from django.urls import reverse
from lxml import html


@dataclass(frozen=True)
class Shown:
    kind: str
    title: str
    url: str
    urgency: str


def home_items(client: Client) -> list[Shown]:
    """The items of the home page in the order shown."""
    response = client.get(reverse("core:home"))
    assert response.status_code == 200
    tree = html.fromstring(response.content.decode())
    return [
        Shown(
            li.get("data-kind"),
            li.find("a").text_content(),
            li.find("a").get("href"),
            li.get("data-urgency"),
        )
        for li in tree.xpath('//li[@class="todo-item"]')
    ]


def home_text(client: Client) -> str:
    response = client.get(reverse("core:home"))
    assert response.status_code == 200
    return " ".join(html.fromstring(response.content.decode()).text_content().split())


def api_items(client: Client) -> list[Shown]:
    response = client.get("/api/v1/me/todo")
    assert response.status_code == 200, response.content
    data: list[dict[str, Any]] = response.json()
    return [Shown(d["kind"], d["title"], d["url"], d["urgency"]) for d in data]
