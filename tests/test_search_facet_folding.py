"""Search facets fold their long tail: the values with the most hits and those ticked stay in
view, the rest open under "Show N more"; the counts are the index's, untouched."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from hub.search import catch_up_now, index_for
from tests.factories import make_material

# Eight languages; English has the most materials, then French.
LANGUAGES = ["en", "en", "en", "fr", "fr", "es", "pt", "ar", "sw", "de", "it"]


pytestmark = pytest.mark.usefixtures("closes_index")


@pytest.fixture()
def _many_languages(app: Flask, session: Session) -> None:
    for i, language in enumerate(LANGUAGES):
        make_material(
            session, title=f"Open lecture {i}", language=language, grants=[("public", [], "view")]
        )
    session.commit()
    catch_up_now(app)


def _language_group(client: FlaskClient, **params: str) -> tuple[str, str]:
    """The language group's markup before and inside its "Show more" disclosure."""
    page = client.get("/search", query_string={"q": "", **params}).get_data(as_text=True)
    group = re.search(r"<legend>Language</legend>(.*?)</fieldset>", page, re.S)
    assert group, page[:2000]
    first, _, more = group.group(1).partition('<details class="facet-more">')
    return first, more


def _values(markup: str) -> list[str]:
    return re.findall(r'name="language" value="([^"]+)"', markup)


@pytest.mark.usefixtures("_many_languages")
def test_a_long_group_shows_its_most_used_values_and_folds_the_rest(client: FlaskClient) -> None:
    first, more = _language_group(client)
    assert _values(first)[:2] == ["en", "fr"] and len(_values(first)) == 5
    assert len(_values(more)) == 3
    assert "<summary>Show 3 more</summary>" in more


@pytest.mark.usefixtures("_many_languages")
def test_a_ticked_value_stays_in_view_even_when_it_has_few_hits(client: FlaskClient) -> None:
    folded = _values(_language_group(client)[1])[-1]
    first, more = _language_group(client, language=folded)
    assert folded in _values(first) and folded not in _values(more)
    assert f'value="{folded}" checked' in first


@pytest.mark.usefixtures("_many_languages")
def test_folding_keeps_the_index_counts(app: Flask, client: FlaskClient) -> None:
    first, more = _language_group(client)
    shown = re.findall(r'value="([^"]+)"[^>]*>[^<]*<span class="count">(\d+)</span>', first + more)
    counts = dict(index_for(app).search("", person_tokens=["public"]).facets["language"])
    assert {value: int(count) for value, count in shown} == counts


@pytest.mark.usefixtures("_many_languages")
def test_without_javascript_the_apply_button_is_there(client: FlaskClient) -> None:
    page = client.get("/search?q=").get_data(as_text=True)
    assert "Apply filters" in page and "/static/search.js" in page


def test_one_value_past_the_first_five_is_shown_not_folded(
    app: Flask, session: Session, client: FlaskClient
) -> None:
    for i, language in enumerate(["en", "en", "fr", "es", "pt", "ar", "sw"]):
        make_material(
            session, title=f"Open lecture {i}", language=language, grants=[("public", [], "view")]
        )
    session.commit()
    catch_up_now(app)
    first, more = _language_group(client)
    assert len(_values(first)) == 6 and not more
