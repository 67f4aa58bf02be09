from __future__ import annotations

from typing import Any

import pytest

from thamvan.programme.rollup import Node, rolled_up, weighted_progress
from thamvan.programme.services import progress_report_add, task_set_status
from thamvan.programme.tests.factories import ProgrammeFactory, TaskFactory
from thamvan.programme.views.programmes import programme_progress


def test_a_parent_is_the_weighted_mean_of_its_children() -> None:
    nodes = [
        Node(1, None, 1, 0, "in_progress"),
        Node(2, 1, 3, 100, "done"),
        Node(3, 1, 1, 0, "planned"),
    ]
    assert rolled_up(nodes)[1] == 75


def test_cancelled_children_are_left_out_of_the_mean() -> None:
    nodes = [
        Node(1, None, 1, 0, "in_progress"),
        Node(2, 1, 1, 50, "in_progress"),
        Node(3, 1, 5, 0, "cancelled"),
    ]
    assert rolled_up(nodes)[1] == 50


def test_progress_rolls_up_through_nested_levels() -> None:
    nodes = [
        Node(1, None, 1, 0, "planned"),
        Node(2, 1, 1, 0, "planned"),  # its own value is replaced by its children's mean
        Node(3, 2, 1, 100, "done"),
        Node(4, 2, 3, 20, "in_progress"),
        Node(5, 1, 1, 10, "in_progress"),
    ]
    values = rolled_up(nodes)
    assert values[2] == 40  # (100 + 3×20) / 4
    assert values[1] == 25  # (40 + 10) / 2


def test_a_parent_whose_children_are_all_cancelled_keeps_its_own_progress() -> None:
    nodes = [Node(1, None, 1, 30, "in_progress"), Node(2, 1, 1, 90, "cancelled")]
    assert rolled_up(nodes)[1] == 30


def test_weighted_progress_of_nothing_is_none() -> None:
    assert weighted_progress([]) is None
    assert weighted_progress([(2, 50, "cancelled")]) is None


def test_the_mean_rounds_half_up() -> None:
    assert weighted_progress([(1, 0, "planned"), (1, 5, "planned")]) == 3


@pytest.mark.django_db
def test_reported_progress_updates_every_ancestor_and_the_programme(secretariat: Any) -> None:
    programme = ProgrammeFactory.create()
    root = TaskFactory.create(programme=programme, weight=1)
    middle = TaskFactory.create(programme=programme, parent=root, weight=2)
    leaf_a = TaskFactory.create(programme=programme, parent=middle, weight=1)
    leaf_b = TaskFactory.create(programme=programme, parent=middle, weight=1)
    other_root = TaskFactory.create(programme=programme, weight=3)
    sibling = TaskFactory.create(programme=programme, parent=root, weight=2)

    progress_report_add(actor=secretariat, task=leaf_a, progress=80)
    progress_report_add(actor=secretariat, task=sibling, progress=20)

    middle.refresh_from_db()
    root.refresh_from_db()
    assert middle.progress == 40  # (80 + 0) / 2
    assert root.progress == 30  # (2×40 + 2×20) / 4
    assert (root.status, middle.status) == ("in_progress", "in_progress")
    assert programme_progress([programme.pk])[programme.pk] == 8  # (30 + 3×0) / 4 = 7.5

    task_set_status(actor=secretariat, task=leaf_b, status="cancelled")
    middle.refresh_from_db()
    root.refresh_from_db()
    assert middle.progress == 80
    assert root.progress == 50

    task_set_status(actor=secretariat, task=other_root, status="cancelled")
    assert programme_progress([programme.pk])[programme.pk] == 50
