"""The grant form: the server reads only the picker that "With" names, and a refused grant
is a 400 that shows the form again with what was chosen and why."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from hub.models import Material, Person
from tests.conftest import sign_in
from tests.factories import SchoolFactory, TeacherFactory, make_material


def _signed_in_owner(client: FlaskClient, session: Session) -> tuple[Person, Material]:
    teacher = TeacherFactory()
    material = make_material(session, teacher.school)
    session.commit()
    sign_in(client, teacher)
    return teacher, material


def test_pickers_other_than_the_chosen_one_are_ignored(
    client: FlaskClient, session: Session
) -> None:
    _teacher, material = _signed_in_owner(client, session)
    partner = SchoolFactory(country="BR")
    session.commit()
    answer = client.post(
        f"/materials/{material.id}/grants",
        data={
            "kind": "income",
            "values_income": ["LMC"],
            "values_regions": ["202"],
            "values_schools": [str(partner.id)],
            "rights": ["view"],
        },
    )
    assert answer.status_code == 302
    session.expire_all()
    assert [(g.kind.value, g.values) for g in material.grants] == [("income", ["LMC"])]


def test_a_region_grant_without_a_region_is_a_400_that_keeps_the_form(
    client: FlaskClient, session: Session
) -> None:
    _teacher, material = _signed_in_owner(client, session)
    answer = client.post(
        f"/materials/{material.id}/grants",
        data={
            "kind": "regions",
            "values_income": ["LIC"],
            "rights": ["view", "download"],
            "expires_at": "2031-03-01",
        },
    )
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert "Choose at least one region to share with." in page
    assert '<option value="regions" selected>' in page
    assert 'name="rights" value="download" checked' in page
    assert 'value="2031-03-01"' in page
    session.expire_all()
    assert material.grants == []


def test_a_refused_grant_keeps_the_chosen_regions(client: FlaskClient, session: Session) -> None:
    _teacher, material = _signed_in_owner(client, session)
    answer = client.post(
        f"/materials/{material.id}/grants",
        data={"kind": "regions", "values_regions": ["202"], "expires_at": "2031-03-01"},
    )
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400 and "Choose what they may do" in page
    assert 'name="values_regions" value="202" checked' in page


def test_every_picker_says_which_choice_it_belongs_to(
    client: FlaskClient, session: Session
) -> None:
    _teacher, material = _signed_in_owner(client, session)
    page = client.get(f"/materials/{material.id}").get_data(as_text=True)
    for kind in ("income", "regions", "schools"):
        assert f'data-grant-kind="{kind}"' in page
    assert "/static/sharing.js" in page
