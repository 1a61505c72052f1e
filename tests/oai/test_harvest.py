"""A real harvester (``sickle``) collects ``/oai`` over HTTP: everything public with its LOM,
page by page, incrementally, by set, with deletions; and every OAI error condition."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import requests
from lxml import etree
from sickle import Sickle
from sickle.iterator import OAIResponseIterator
from sqlalchemy import update

from hub.models import HarvestRecord, Person, utcnow
from hub.services import oai_pmh, tokens
from tests import factories
from tests.oai.conftest import PAGE_SIZE, Hub, serve, share

NS = {"oai": oai_pmh.OAI_NS, "lom": "http://ltsc.ieee.org/xsd/LOM"}
PUBLIC_NAMES = {
    "public0",
    "public1",
    "public2",
    "public3",
    "public4",
    "french",
    "translation",
    "module",
}
HIDDEN_TITLES = (
    "Canary consortium only",
    "Canary teachers only",
    "Canary draft",
    "Canary consortium licence",
)


def ids(hub: Hub, names: set[str]) -> set[str]:
    return {hub.identifier(name) for name in names}


def oai(hub: Hub, **args: str) -> etree._Element:
    """One raw OAI-PMH answer, parsed."""
    response = requests.get(hub.oai, params=args, timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/xml")
    return etree.fromstring(response.content)


def error_code(hub: Hub, **args: str) -> str:
    found = oai(hub, **args).findall("oai:error", NS)
    assert len(found) == 1, etree.tostring(oai(hub, **args))
    return str(found[0].get("code"))


def test_a_full_harvest_collects_every_public_material_page_by_page(shared_hub: Hub) -> None:
    hub = shared_hub
    sickle = Sickle(hub.oai)
    records = list(sickle.ListRecords(metadataPrefix="lom"))
    assert {r.header.identifier for r in records} == ids(hub, PUBLIC_NAMES)
    assert not any(r.header.deleted for r in records)
    for record in records:
        assert "Canary" not in record.raw
        title = record.xml.find(".//lom:general/lom:title/lom:string", NS)
        assert title is not None and title.text
    # The same list, answer by answer: the resumption tokens carry size and cursor.
    answers = list(
        Sickle(hub.oai, iterator=OAIResponseIterator).ListIdentifiers(metadataPrefix="oai_dc")
    )
    assert len(answers) == -(-len(PUBLIC_NAMES) // PAGE_SIZE)
    tokens = [a.xml.find(".//oai:resumptionToken", NS) for a in answers]
    assert [t.get("cursor") for t in tokens] == [str(PAGE_SIZE * i) for i in range(len(tokens))]
    assert {t.get("completeListSize") for t in tokens} == {str(len(PUBLIC_NAMES))}
    assert all(t.get("expirationDate") for t in tokens[:-1])
    assert tokens[-1].text is None  # the last answer ends the list with an empty token


def test_oai_dc_records_carry_the_same_facts(shared_hub: Hub) -> None:
    hub = shared_hub
    record = Sickle(hub.oai).GetRecord(identifier=hub.identifier("french"), metadataPrefix="oai_dc")
    assert record.metadata["title"] == ["Paludisme grave"]
    assert record.metadata["language"] == ["fr"]
    assert record.metadata["publisher"] == ["South Medical School"]
    assert "https://creativecommons.org/licenses/by/4.0/" in record.metadata["rights"]
    assert "Sub-Saharan Africa" in record.metadata["coverage"]
    assert f"{hub.url}/materials/{hub.materials['french'].id}" in record.metadata["identifier"]
    assert "region:202" in record.header.setSpecs


def test_a_set_harvest_collects_only_its_set(shared_hub: Hub) -> None:
    hub = shared_hub
    sickle = Sickle(hub.oai)
    french = {h.identifier for h in sickle.ListIdentifiers(metadataPrefix="lom", set="language:fr")}
    assert french == ids(hub, {"french"})
    modules = {
        h.identifier for h in sickle.ListIdentifiers(metadataPrefix="lom", set="type:module")
    }
    assert modules == ids(hub, {"module"})
    south = hub.materials["french"].school_id
    school = {
        h.identifier for h in sickle.ListIdentifiers(metadataPrefix="oai_dc", set=f"school:{south}")
    }
    assert school == ids(hub, {"french", "translation"})
    region = {h.identifier for h in sickle.ListIdentifiers(metadataPrefix="lom", set="region:202")}
    assert region == ids(hub, {"french"})
    specs = {s.setSpec for s in sickle.ListSets()}
    assert {
        f"school:{south}",
        "language:fr",
        "level:clinical",
        "type:module",
        "region:202",
    } <= specs


def test_an_incremental_harvest_collects_what_changed_and_deletions(hub: Hub) -> None:
    before = utcnow() - dt.timedelta(days=2)
    with hub.app.app_context():
        s = hub.session()
        s.execute(update(HarvestRecord).values(datestamp=before))
        s.commit()
        retired = s.get(type(hub.materials["public1"]), hub.materials["public1"].id)
        assert retired is not None
        retired.retired_at = utcnow()
        unshared = s.get(type(retired), hub.materials["public2"].id)
        assert unshared is not None
        share(s, unshared, [("consortium", [], "view")])
        hidden_retired = s.get(type(retired), hub.materials["consortium"].id)
        assert hidden_retired is not None
        hidden_retired.retired_at = utcnow()
        s.commit()
        s.close()
    since = (before + dt.timedelta(days=1)).strftime("%Y-%m-%d")
    headers = list(Sickle(hub.oai).ListIdentifiers(metadataPrefix="lom", **{"from": since}))
    # Withdrawn from the public: deleted; never public (retired or not): never named.
    assert {(h.identifier, h.deleted) for h in headers} == {
        (hub.identifier("public1"), True),
        (hub.identifier("public2"), True),
    }
    # A full harvest keeps the deletions (persistent) beside the live records.
    records = list(Sickle(hub.oai).ListRecords(metadataPrefix="oai_dc"))
    deleted = {r.header.identifier for r in records if r.header.deleted}
    assert deleted == ids(hub, {"public1", "public2"})
    assert all(r.xml.find("oai:metadata", NS) is None for r in records if r.header.deleted)
    # Nothing changed before the window: an earlier window holds the rest.
    until = (before + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    old = {h.identifier for h in Sickle(hub.oai).ListIdentifiers(metadataPrefix="lom", until=until)}
    assert old == ids(hub, PUBLIC_NAMES - {"public1", "public2"})
    record = Sickle(hub.oai).GetRecord(identifier=hub.identifier("public1"), metadataPrefix="lom")
    assert record.header.deleted


def signed_in(hub: Hub, email: str) -> requests.Session:
    """A browser session of a person signed in through the form."""
    session = requests.Session()
    page = session.get(f"{hub.url}/sign-in", timeout=30).text
    csrf = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    form = {"email": email, "password": factories.PASSWORD, "csrf_token": csrf}
    assert session.post(f"{hub.url}/sign-in", data=form, timeout=30).ok
    return session


#: What each of the hub's people may discover, signed in or by a token of theirs.
DISCOVERED = [
    # The owner school's teacher: its consortium-only and teachers-only materials too.
    ("teacher", PUBLIC_NAMES | {"consortium", "teachers"}),
    # A student of the other school: consortium-only, and their own school's material
    # under consortium terms; never teachers-only.
    ("student", PUBLIC_NAMES | {"consortium", "nc"}),
]


@pytest.mark.parametrize(("who", "names"), DISCOVERED)
def test_a_signed_in_person_harvests_what_they_may_discover(
    shared_hub: Hub, who: str, names: set[str]
) -> None:
    hub = shared_hub
    session = signed_in(hub, hub.people[who].email)
    sickle = Sickle(hub.oai, cookies=session.cookies)
    found = {h.identifier for h in sickle.ListIdentifiers(metadataPrefix="lom")}
    assert found == ids(hub, names)


def issue_token(hub: Hub, who: str, expires_in_days: int | None = 30) -> str:
    """A personal access token of one of the hub's people (as the account page makes one)."""
    with hub.app.test_request_context():
        s = hub.session()
        person = s.get(Person, hub.people[who].id)
        assert person is not None
        issued = tokens.create(s, person, "harvester", ["read"], expires_in_days)
        s.commit()
        s.close()
        return issued.secret


@pytest.mark.parametrize(("who", "names"), DISCOVERED)
def test_a_token_harvests_what_its_person_may_discover(
    shared_hub: Hub, who: str, names: set[str]
) -> None:
    hub = shared_hub
    secret = issue_token(hub, who)
    bearer = {"Authorization": f"Bearer {secret}"}
    sickle = Sickle(hub.oai, headers=bearer)
    assert {h.identifier for h in sickle.ListIdentifiers(metadataPrefix="lom")} == ids(hub, names)
    with hub.app.app_context():  # the token's use is recorded, as the API records it
        s = hub.session()
        assert tokens.authenticate(s, secret).token.last_used_at is not None
        s.close()
    records = list(Sickle(hub.oai, headers=bearer).ListRecords(metadataPrefix="oai_dc"))
    assert {r.header.identifier for r in records} == ids(hub, names)
    # Its resumption tokens are its own: anonymously, or with another person's token, refused.
    first = requests.get(
        hub.oai,
        params={"verb": "ListIdentifiers", "metadataPrefix": "lom"},
        headers=bearer,
        timeout=30,
    )
    token = etree.fromstring(first.content).findtext(".//oai:resumptionToken", namespaces=NS)
    assert token
    assert error_code(hub, verb="ListIdentifiers", resumptionToken=token) == "badResumptionToken"


def test_a_bad_or_expired_token_is_refused_with_a_plain_401(
    shared_hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub = shared_hub
    secret = issue_token(hub, "teacher", expires_in_days=7)
    for header in ("Bearer hub_nosuchtoken", "Basic dXNlcjpwdw==", "Bearer "):
        answer = requests.get(
            hub.oai, params={"verb": "Identify"}, headers={"Authorization": header}, timeout=30
        )
        assert answer.status_code == 401
        assert answer.headers["Content-Type"].startswith("text/plain")
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")
        assert answer.text
    later = utcnow() + dt.timedelta(days=8)
    monkeypatch.setattr(tokens, "utcnow", lambda: later)
    answer = requests.get(
        hub.oai,
        params={"verb": "Identify"},
        headers={"Authorization": f"Bearer {secret}"},
        timeout=30,
    )
    assert answer.status_code == 401
    assert "expired" in answer.text


def test_post_is_answered_as_get(shared_hub: Hub) -> None:
    hub = shared_hub
    answer = requests.post(hub.oai, data={"verb": "Identify"}, timeout=30)
    root = etree.fromstring(answer.content)
    assert root.findtext(".//oai:deletedRecord", namespaces=NS) == "persistent"
    assert root.findtext(".//oai:granularity", namespaces=NS) == "YYYY-MM-DDThh:mm:ssZ"
    assert root.findtext(".//oai:baseURL", namespaces=NS) == hub.oai
    formats = Sickle(hub.oai, http_method="POST").ListMetadataFormats()
    assert {f.metadataPrefix for f in formats} == {"oai_dc", "lom"}


def test_resumption_tokens_survive_a_restart_and_expire(hub: Hub, tmp_path: Path) -> None:
    first = oai(hub, verb="ListRecords", metadataPrefix="lom")
    token = first.findtext(".//oai:resumptionToken", namespaces=NS)
    assert token
    # Another server on the same database and secret (a restart, another worker) resumes.
    for url, _app in serve(tmp_path / "again", HUB_DATABASE_URL=hub.app.config["HUB_DATABASE_URL"]):
        again = requests.get(f"{url}/oai", params={"verb": "ListRecords", "resumptionToken": token})
        root = etree.fromstring(again.content)
        assert root.find("oai:error", NS) is None
        assert len(root.findall(".//oai:record", NS)) == PAGE_SIZE
    # Signed with another secret: not ours.
    for url, _app in serve(tmp_path / "other", HUB_SECRET_KEY="another-secret"):
        other = requests.get(f"{url}/oai", params={"verb": "ListRecords", "resumptionToken": token})
        assert b'code="badResumptionToken"' in other.content


def test_an_expired_token_is_refused(hub: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
    token = oai(hub, verb="ListIdentifiers", metadataPrefix="lom").findtext(
        ".//oai:resumptionToken", namespaces=NS
    )
    assert token
    monkeypatch.setattr(oai_pmh, "TOKEN_LIFETIME", dt.timedelta(seconds=-1))
    assert error_code(hub, verb="ListIdentifiers", resumptionToken=token) == "badResumptionToken"


@pytest.mark.parametrize(
    ("args", "code"),
    [
        ({}, "badVerb"),
        ({"verb": "Harvest"}, "badVerb"),
        ({"verb": "Identify", "set": "x"}, "badArgument"),
        ({"verb": "ListRecords"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "lom", "from": "yesterday"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "lom", "from": "2026-13-01"}, "badArgument"),
        (
            {
                "verb": "ListRecords",
                "metadataPrefix": "lom",
                "from": "2026-02-01",
                "until": "2026-01-01",
            },
            "badArgument",
        ),
        (
            {
                "verb": "ListRecords",
                "metadataPrefix": "lom",
                "from": "2026-01-01",
                "until": "2026-02-01T00:00:00Z",
            },
            "badArgument",
        ),
        ({"verb": "ListRecords", "metadataPrefix": "lom", "set": "colour:blue"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "lom", "set": "school:north"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "lom", "resumptionToken": "x"}, "badArgument"),
        ({"verb": "ListIdentifiers", "resumptionToken": "not-a-token"}, "badResumptionToken"),
        ({"verb": "ListSets", "resumptionToken": "not-a-token"}, "badResumptionToken"),
        ({"verb": "ListRecords", "metadataPrefix": "marc21"}, "cannotDisseminateFormat"),
        (
            {
                "verb": "GetRecord",
                "identifier": "oai:elsewhere:material/1",
                "metadataPrefix": "lom",
            },
            "idDoesNotExist",
        ),
        ({"verb": "ListRecords", "metadataPrefix": "lom", "set": "language:sw"}, "noRecordsMatch"),
        ({"verb": "ListRecords", "metadataPrefix": "lom", "from": "2100-01-01"}, "noRecordsMatch"),
        (
            {"verb": "ListRecords", "metadataPrefix": "lom", "set": "school:999999"},
            "noRecordsMatch",
        ),
    ],
)
def test_every_error_condition(shared_hub: Hub, args: dict[str, str], code: str) -> None:
    hub = shared_hub
    assert error_code(hub, **args) == code


def test_repeated_arguments_and_hidden_or_deleted_records(hub: Hub) -> None:
    answer = requests.get(f"{hub.oai}?verb=ListRecords&metadataPrefix=lom&metadataPrefix=lom")
    assert b'code="badArgument"' in answer.content
    answer = requests.get(f"{hub.oai}?verb=Identify&verb=Identify")
    assert b'code="badVerb"' in answer.content
    for name in ("consortium", "teachers", "draft", "nc"):  # hidden: as if they did not exist
        assert (
            error_code(hub, verb="GetRecord", identifier=hub.identifier(name), metadataPrefix="lom")
            == "idDoesNotExist"
        )
        assert error_code(hub, verb="ListMetadataFormats", identifier=hub.identifier(name)) == (
            "idDoesNotExist"
        )
    with hub.app.app_context():
        s = hub.session()
        material = s.get(type(hub.materials["public3"]), hub.materials["public3"].id)
        assert material is not None
        material.retired_at = utcnow()
        s.commit()
        s.close()
    deleted = hub.identifier("public3")
    assert error_code(hub, verb="ListMetadataFormats", identifier=deleted) == "noMetadataFormats"
    # The repository has sets, so noSetHierarchy never applies: ListSets answers them.
    assert oai(hub, verb="ListSets").find(".//oai:set", NS) is not None


def test_no_hidden_material_reaches_an_anonymous_harvest(shared_hub: Hub) -> None:
    hub = shared_hub
    for prefix in ("lom", "oai_dc"):
        for answer in Sickle(hub.oai, iterator=OAIResponseIterator).ListRecords(
            metadataPrefix=prefix
        ):
            for title in HIDDEN_TITLES:
                assert title not in answer.raw
