"""Teacher reviews through the API: read through the caller's catalogue, as the material page
shows them (the reviewer's school, never their name); a hidden material's are a 404."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from hub.models import Material, Person
from tests.api.conftest import Api
from tests.factories import (
    SchoolFactory,
    StudentFactory,
    TeacherFactory,
    make_material,
    make_review,
)


def _review(session: Session, material: Material, reviewer: Person, rating: int) -> None:
    make_review(session, material, reviewer, rating)
    session.commit()


def test_a_materials_reviews_come_with_their_count_average_and_schools(
    session: Session, api_as: Callable[..., Api]
) -> None:
    material = make_material(session, grants=[("consortium", [], "view")])
    _review(session, material, TeacherFactory(school=SchoolFactory(name="Korle Bu")), 5)
    _review(session, material, TeacherFactory(name="Dr Quiet"), 2)
    answer = api_as(StudentFactory()).get(f"materials/{material.id}/reviews")
    body = answer.get_json()
    assert answer.status_code == 200
    assert (body["count"], body["average"]) == (2, 3.5)
    assert {"Korle Bu"} <= {item["school"]["name"] for item in body["items"]}
    assert "Dr Quiet" not in answer.get_data(as_text=True)


def test_the_reviews_of_a_hidden_material_are_a_404(
    session: Session, api_as: Callable[..., Api]
) -> None:
    hidden = make_material(session, grants=[])
    _review(session, hidden, TeacherFactory(), 4)
    assert api_as(TeacherFactory()).get(f"materials/{hidden.id}/reviews").status_code == 404


def test_a_material_links_to_its_reviews(session: Session, api_as: Callable[..., Api]) -> None:
    material = make_material(session, grants=[("consortium", [], "view")])
    body = api_as(TeacherFactory()).get(f"materials/{material.id}").get_json()
    assert body["links"]["reviews"] == f"/api/v1/materials/{material.id}/reviews"
