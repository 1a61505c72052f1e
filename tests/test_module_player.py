"""The module player: items numbered, previous and next, the way back to the module, and
"Continue where you left off" on home; hidden items are skipped and never named."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from hub.models import Material, MaterialKind, ModuleItem, Person, School
from hub.services import usage
from tests.conftest import sign_in
from tests.factories import CONSORTIUM_VIEW, SchoolFactory, StudentFactory, make_material


@dataclass
class Course:
    school: School
    student: Person
    module: Material
    steps: list[Material]  # in the module's order; steps[1] is hidden from the student


@pytest.fixture()
def course(app: Flask, session: Session) -> Iterator[Course]:
    """A module of four steps; the second belongs to another school that shares nothing."""
    from hub.search import shutdown

    school = SchoolFactory()
    steps = [
        make_material(session, school, title="Step one: recognise"),
        make_material(session, title="Step kept at home"),
        make_material(session, school, title="Step three: treat"),
        make_material(session, SchoolFactory(), title="Step four: refer", grants=CONSORTIUM_VIEW),
    ]
    module = make_material(
        session, school, title="Sepsis module", kind=MaterialKind.MODULE, items=steps
    )
    student = StudentFactory(school=school)
    session.commit()
    yield Course(school, student, module, steps)
    shutdown(app)


@pytest.fixture()
def reader(client: FlaskClient, course: Course) -> FlaskClient:
    """The course's student, signed in (the sign-in's message waits for the next page)."""
    sign_in(client, course.student)
    return client


def item_page(client: FlaskClient, step: Material, module: Material | int) -> str:
    module_id = module if isinstance(module, int) else module.id
    return client.get(f"/materials/{step.id}?module={module_id}").get_data(as_text=True)


def test_the_module_page_numbers_the_items_the_reader_may_see(
    reader: FlaskClient, course: Course
) -> None:
    page = reader.get(f"/materials/{course.module.id}").get_data(as_text=True)
    assert '<span class="item-number" aria-hidden="true">3.</span>' in page
    assert '<span class="item-number" aria-hidden="true">4.</span>' not in page
    assert f"/materials/{course.steps[2].id}?v=1&amp;module={course.module.id}&amp;mv=1" in page


def test_an_item_opened_from_a_module_says_where_it_stands(
    reader: FlaskClient, course: Course
) -> None:
    page = item_page(reader, course.steps[2], course.module)
    assert "Item 2 of 3 in the module" in page
    assert f'<a href="/materials/{course.module.id}?v=1#items">Back to the module</a>' in page


def test_previous_and_next_skip_a_hidden_item_and_never_name_it(
    reader: FlaskClient, course: Course
) -> None:
    first = item_page(reader, course.steps[0], course.module)
    assert 'rel="prev"' not in first
    assert f'rel="next" href="/materials/{course.steps[2].id}?v=1&amp;module=' in first
    third = item_page(reader, course.steps[2], course.module)
    assert f'rel="prev" href="/materials/{course.steps[0].id}?v=1&amp;module=' in third
    assert f'rel="next" href="/materials/{course.steps[3].id}?v=1&amp;module=' in third
    for page in (first, third):
        assert "Step kept at home" not in page
        assert f"/materials/{course.steps[1].id}" not in page


def test_a_module_the_reader_may_not_see_is_ignored(
    reader: FlaskClient, session: Session, course: Course
) -> None:
    hidden = make_material(
        session, SchoolFactory(), title="Hidden module", kind=MaterialKind.MODULE
    )
    shared = course.steps[3].published
    assert hidden.published is not None and shared is not None
    session.add(
        ModuleItem(module_version_id=hidden.published.id, item_version_id=shared.id, position=0)
    )
    session.commit()
    response = reader.get(f"/materials/{course.steps[3].id}?module={hidden.id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Hidden module" not in page and "Item 1 of 1" not in page
    assert 'rel="prev"' not in page and "Back to the module" not in page


@pytest.mark.parametrize("argument", ["abc", "99999999999", "-1", "0"])
def test_a_module_argument_that_names_no_module_is_ignored(
    reader: FlaskClient, course: Course, argument: str
) -> None:
    response = reader.get(f"/materials/{course.steps[0].id}?module={argument}")
    assert response.status_code == 200
    assert "Back to the module" not in response.get_data(as_text=True)


def test_a_module_that_does_not_hold_the_item_is_ignored(
    reader: FlaskClient, session: Session, course: Course
) -> None:
    outside = make_material(session, course.school, title="Not in the module")
    session.commit()
    assert "Back to the module" not in item_page(reader, outside, course.module)
    # A material that is not a module is no module either.
    assert "Back to the module" not in item_page(reader, course.steps[0], course.steps[2].id)


def test_home_continues_at_the_item_last_opened(reader: FlaskClient, course: Course) -> None:
    item_page(reader, course.steps[2], course.module)
    item_page(reader, course.steps[0], course.module)
    home = reader.get("/").get_data(as_text=True)
    section = home.split('id="continue-heading"', 1)[1].split("</section>", 1)[0]
    assert f'href="/materials/{course.steps[0].id}?v=1&amp;module={course.module.id}' in section
    assert "Step one: recognise" in section and "0 of 3 done" in section


def test_continue_leads_to_the_module_when_no_item_was_opened_from_it(
    reader: FlaskClient, session: Session, course: Course
) -> None:
    from hub.services import modules

    version = course.module.published
    assert version is not None
    modules.set_item_done(session, course.student, version, version.items[0].id, True)
    session.commit()
    home = reader.get("/").get_data(as_text=True)
    section = home.split('id="continue-heading"', 1)[1].split("</section>", 1)[0]
    assert f'href="/materials/{course.module.id}?v=1#items"' in section
    assert "1 of 3 done" in section


def test_the_place_in_a_module_is_not_counted_as_a_use(
    reader: FlaskClient, session: Session, course: Course
) -> None:
    item_page(reader, course.steps[3], course.module)
    owner = course.steps[3].school
    assert usage.report(session, owner).by_kind == {"view": 1}  # reading the item, once


def test_the_student_home_welcomes_once(reader: FlaskClient, course: Course) -> None:
    home = reader.get("/").get_data(as_text=True)
    assert home.count("Welcome") == 1
    assert f"<h1>{course.school.name}</h1>" in home


def test_the_student_home_shelves_differ(
    reader: FlaskClient, session: Session, course: Course
) -> None:
    from hub.services import bookmarks

    bookmarks.toggle_bookmark(session, course.student, course.steps[0])
    session.commit()
    home = reader.get("/").get_data(as_text=True)
    assert 'id="my-list-heading"' in home and 'id="modules-heading"' in home
    assert 'id="region-heading"' not in home  # the teachers' shelf, not a student's
    my_list = home.split('id="my-list-heading"', 1)[1].split("</section>", 1)[0]
    assert "Step one: recognise" in my_list
