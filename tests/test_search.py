"""Search in the hub: the outbox keeps the index in step; results and facets only ever show
what the person may discover."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask, request
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.models import IndexChange, MembershipStatus
from hub.search import catch_up_now, index_for, shutdown
from hub.services import membership
from hub.services.membership import Decision
from tests.conftest import sign_in
from tests.factories import (
    ConsortiumAdminFactory,
    SchoolFactory,
    StudentFactory,
    TeacherFactory,
    make_material,
)

pytestmark = pytest.mark.usefixtures("closes_index")


def _search(client: FlaskClient, query: str = "", **params: str) -> str:
    response = client.get("/search", query_string={"q": query, **params})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def test_every_change_writes_the_outbox_in_its_transaction(session: Session) -> None:
    before = session.scalar(select(func.count()).select_from(IndexChange)) or 0
    material = make_material(session, grants=[("consortium", [], "view")])
    session.flush()
    session.commit()  # the test's savepoint: the outbox rows are written with the change
    ids = session.scalars(select(IndexChange.material_id).where(IndexChange.id > before)).all()
    assert material.id in ids


def test_published_materials_are_found_with_the_right_tokens(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    make_material(session, title="Malaria in pregnancy", grants=[("income", ["LMC"], "view")])
    make_material(session, title="Malaria vector control", grants=[("public", [], "view")])
    session.commit()
    catch_up_now(app)
    anonymous = _search(client, "malaria")
    assert "vector control" in anonymous and "in pregnancy" not in anonymous
    sign_in(client, StudentFactory(school=SchoolFactory(country="KE")))
    kenyan = _search(client, "malaria")
    assert "in pregnancy" in kenyan and "vector control" in kenyan
    client.post("/sign-out")
    sign_in(client, StudentFactory(school=SchoolFactory(country="SE")))
    assert "in pregnancy" not in _search(client, "malaria")


def test_facet_counts_cover_only_what_the_person_may_see(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    for i in range(3):
        make_material(session, title=f"Open {i}", language="fr", grants=[("public", [], "view")])
    for i in range(5):
        make_material(session, title=f"Hidden {i}", language="fr")
    session.commit()
    catch_up_now(app)
    results = index_for(app).search("", person_tokens=["public"])
    assert dict(results.facets["language"]) == {"fr": 3}
    page = _search(client, "", language="fr")
    assert "3 materials" in page and "Hidden" not in page


def test_suspending_a_school_hides_its_non_public_materials_from_search(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    owner = SchoolFactory()
    make_material(session, owner, title="Members only course", grants=[("consortium", [], "view")])
    session.commit()
    catch_up_now(app)
    reader = StudentFactory()
    sign_in(client, reader)
    assert "only course" in _search(client, "members")  # the search word itself is marked
    membership.change_membership(
        session, owner, Decision.SUSPEND, ConsortiumAdminFactory(), "Fees unpaid"
    )
    session.commit()
    catch_up_now(app)
    assert owner.status is MembershipStatus.SUSPENDED
    assert "only course" not in _search(client, "members")


def test_a_malformed_query_is_a_clear_400(client: FlaskClient) -> None:
    response = client.get("/search", query_string={"q": '"unclosed'})
    assert response.status_code == 400
    assert b"is not closed" in response.data


def test_publishing_through_the_pages_updates_search_after_the_commit(
    client: FlaskClient, session: Session
) -> None:
    teacher = TeacherFactory()
    material = make_material(
        session, teacher.school, title="Cholera outbreak drill", grants=[("public", [], "view")]
    )
    session.commit()
    sign_in(client, teacher)
    # A change through the pages (a new grant) is applied right after its commit.
    client.post(f"/materials/{material.id}/grants", data={"kind": "consortium", "rights": ["view"]})
    client.post("/sign-out")
    assert "outbreak drill" in _search(client, "cholera")


def test_index_commands_rebuild_and_check(app: Flask, session: Session) -> None:
    make_material(session, title="Asthma spacers", grants=[("public", [], "view")])
    session.commit()
    runner = app.test_cli_runner()
    rebuilt = runner.invoke(args=["index", "rebuild"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "holds 1 materials" in rebuilt.output
    shutdown(app)
    assert runner.invoke(args=["index", "check"]).exit_code == 0
    make_material(session, title="Not yet indexed", grants=[("public", [], "view")])
    session.commit()
    shutdown(app)
    stale = runner.invoke(args=["index", "check"])
    assert stale.exit_code != 0 and "1 missing" in stale.output
    followed = runner.invoke(args=["index", "follow", "--once"])
    assert followed.exit_code == 0, followed.output
    shutdown(app)
    assert runner.invoke(args=["index", "check"]).exit_code == 0


MALFORMED = [
    '"unclosed',
    "AND",
    "OR",
    "NOT",
    "AND OR",
    "malaria AND",
    "OR dengue",
    "title:",
    "topics:",
    "(((",
    ")))",
    "(malaria",
    "malaria)",
    '"',
    '""""',
    "x" * 600,
    "a AND AND b",
    "NOT NOT",
    "((()))",
    '"a" "b',
    'title:"open',
    "summary:",
    'AND "x',
    "(OR)",
    "( AND )",
    "OR OR OR",
    '"(" AND',
    "NOT (",
    "title:(",
    "malaria OR",
    " AND malaria",
    '"' * 7,
]


@pytest.mark.parametrize("query", MALFORMED)
def test_every_malformed_query_is_a_400_with_a_message(client: FlaskClient, query: str) -> None:
    response = client.get("/search", query_string={"q": query})
    if response.status_code == 200:
        return  # the library understood it after all (e.g. as plain words): fine, not a 500
    assert response.status_code == 400, query
    assert b'class="error" id="q-error"' in response.data


def test_the_malformed_corpus_mostly_needs_correcting(client: FlaskClient) -> None:
    refused = sum(
        client.get("/search", query_string={"q": q}).status_code == 400 for q in MALFORMED
    )
    assert refused >= 30


def test_filters_can_be_removed_one_by_one(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    make_material(session, title="Open lecture", language="fr", grants=[("public", [], "view")])
    session.commit()
    catch_up_now(app)
    page = _search(client, "", language="fr", level="clinical")
    assert "Remove filter Language: French" in page and "Clear all filters" in page
    assert "language=fr" not in page.split("Remove filter Language")[0].rsplit("href=", 1)[1]


def test_no_results_helps(client: FlaskClient) -> None:
    page = _search(client, "zzzzqqq")
    assert "Nothing found" in page and "Sign in" in page


def test_a_crash_between_commit_and_index_loses_nothing(
    app: Flask, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_material(session, title="Survivor", grants=[("public", [], "view")])
    session.commit()
    index = index_for(app)
    real_apply = index.apply

    def crash(*args: object, **kwargs: object) -> bool:
        raise OSError("the indexer was killed mid-batch")

    monkeypatch.setattr(index, "apply", crash)
    assert catch_up_now(app) == 0  # logged, never raised
    monkeypatch.setattr(index, "apply", real_apply)
    assert index.search("survivor", person_tokens=["public"]).total == 0
    assert catch_up_now(app) > 0  # a restart goes on from where the index had come
    assert index.search("survivor", person_tokens=["public"]).total == 1


def test_two_index_copies_following_one_outbox_agree(
    app: Flask, session: Session, tmp_path: object
) -> None:
    from pathlib import Path

    from hub.services import indexing
    from search_index import open_index

    for i in range(4):
        make_material(session, title=f"Copy test {i}", grants=[("public", [], "view")])
    session.commit()
    first = open_index(Path(str(tmp_path)) / "host-a")
    second = open_index(Path(str(tmp_path)) / "host-b")
    indexing.catch_up(session, first)
    indexing.catch_up(session, second, limit=1)
    indexing.catch_up(session, second)
    assert first.fingerprints() == second.fingerprints() and len(first.fingerprints()) == 4
    assert first.position == second.position
    first.close()
    second.close()


def test_while_the_index_answers_no_request_holds_a_transaction_that_may_write(
    app: Flask, client: FlaskClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    # On SQLite a transaction that may write holds the write lock: concurrent searches would
    # queue. The search page's own transaction only reads (begun DEFERRED) and may stay
    # open; the home page's shelves end theirs.
    from hub import db
    from search_index import MaterialIndex

    seen: dict[str, bool] = {}
    search = MaterialIndex.search

    def watching(self: MaterialIndex, *args: Any, **kwargs: Any) -> Any:
        if db.session().in_transaction():
            seen[request.path] = bool(db.session().info.get(db.READS_ONLY, False))
        else:
            seen[request.path] = True
        return search(self, *args, **kwargs)

    monkeypatch.setattr(MaterialIndex, "search", watching)
    sign_in(client, StudentFactory())
    _search(client, "malaria")
    client.get("/")  # the home page's shelves search too
    assert seen == {"/search": True, "/": True}


def test_facet_choices_show_what_is_chosen_and_escape_their_words(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    school = SchoolFactory(name="Medicine & <Health> School")
    make_material(
        session, school, title="Open lecture", language="fr", grants=[("public", [], "view")]
    )
    session.commit()
    catch_up_now(app)
    page = _search(client, "", language="fr")
    assert '<input type="checkbox" name="language" value="fr" checked> French' in page
    assert f'name="school" value="{school.id}"> Medicine &amp; &lt;Health&gt; School' in page
    assert "<Health>" not in page


def test_a_result_card_escapes_what_its_material_and_school_are_called(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    school = SchoolFactory(name="Health & <Care> School")
    make_material(session, school, title='Fluids & <b>"shock"</b>', grants=[("public", [], "view")])
    session.commit()
    catch_up_now(app)
    # Found by its school's facet, not its words: the title comes from the card, unmarked.
    page = _search(client, "", school=str(school.id))
    assert "Fluids &amp; &lt;b&gt;&#34;shock&#34;&lt;/b&gt;</a>" in page
    assert "Health &amp; &lt;Care&gt; School · v1</span>" in page
    assert "<b>" not in page and "<Care>" not in page


def test_a_result_card_links_to_its_material_and_names_its_version(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    material = make_material(session, title="Open lecture", grants=[("public", [], "view")])
    session.commit()
    catch_up_now(app)
    page = _search(client, "lecture")
    assert f'href="/materials/{material.id}"' in page and "v1</span>" in page
    french = client.get("/search", query_string={"q": "lecture"}, headers={"Accept-Language": "fr"})
    assert 'class="badge" lang="en">anglais</span>' in french.get_data(as_text=True)


def test_a_result_card_shows_its_school_renamed_since_the_last_search(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    # Cards' markup is remembered between searches: by what the card shows, so a rename
    # (which the outbox announces) shows at once.
    school = SchoolFactory(name="Old Name School")
    make_material(session, school, title="Open lecture", grants=[("public", [], "view")])
    session.commit()
    catch_up_now(app)
    assert "Old Name School · v1</span>" in _search(client, "lecture")
    school.name = "New Name School"
    session.commit()
    catch_up_now(app)
    page = _search(client, "lecture")
    assert "New Name School · v1</span>" in page and "Old Name School" not in page


def test_search_answers_say_how_long_the_index_took(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    response = client.get("/search", query_string={"q": "malaria"})
    timing = response.headers["Server-Timing"]
    assert timing.startswith("index;dur=") and ", page;dur=" in timing
    parts = dict(re.findall(r"(\w+);dur=([0-9.]+)", timing))
    assert set(parts) == {"index", "page", "viewer", "cards", "render"}
    besides_index = sum(float(parts[name]) for name in ("viewer", "cards", "render"))
    assert besides_index <= float(parts["page"]) + 0.01


def test_snippets_show_the_summary_s_words_not_its_markdown(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    material = make_material(session, title="Paludisme", grants=[("public", [], "view")])
    material.published.summary = "**Malaria en el embarazo** — see [the guide](https://who.int)."  # type: ignore[union-attr]
    session.commit()
    catch_up_now(app)
    page = _search(client, "embarazo")
    snippet = re.search(r'<p class="snippet">(.*?)</p>', page, re.S)
    assert snippet and "embarazo" in snippet.group(1)
    assert "**" not in snippet.group(1) and "](" not in snippet.group(1)


def test_every_problem_the_library_finds_in_a_query_is_worded_by_the_hub() -> None:
    from hub.web.search import QUERY_PROBLEMS
    from search_index import QueryError
    from search_index.querying import parse

    codes = set()
    for query in [*MALFORMED, "x" * 5000, " ".join(["w"] * 500), "a*", '"  "', "- -"]:
        try:
            parse(query)
        except QueryError as exc:
            codes.add(exc.code)
            assert exc.code in QUERY_PROBLEMS, (query, exc.code)
            assert str(QUERY_PROBLEMS[exc.code]) % exc.params  # the params fill the words
    assert len(codes) >= 8


def test_a_malformed_query_is_explained_in_the_readers_language(client: FlaskClient) -> None:
    response = client.get(
        "/search", query_string={"q": '"sin cerrar'}, headers={"Accept-Language": "es"}
    )
    assert response.status_code == 400
    assert "no están cerradas" in response.get_data(as_text=True)
    assert "is not closed" not in response.get_data(as_text=True)
