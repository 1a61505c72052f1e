"""What a person reads when something fails says what happened in words, in their language:
never the text of an exception, a library's own English, a path, an address or an id."""

from __future__ import annotations

import io

import pytest
from flask.testing import FlaskClient

from tests.conftest import sign_in
from tests.factories import SchoolAdminFactory

#: Fragments of exception and library text that must never reach a page.
INTERNALS = ("field limit", "131072", "csv.", "Error", "Traceback", "@-sign", "newline=")


def _import(client: FlaskClient, data: bytes, language: str = "en") -> str:
    answer = client.post(
        "/school/invitations/import",
        data={"file": (io.BytesIO(data), "people.csv")},
        content_type="multipart/form-data",
        headers={"Accept-Language": language},
    )
    assert answer.status_code == 400
    return answer.get_data(as_text=True)


@pytest.fixture()
def admin_client(client: FlaskClient) -> FlaskClient:
    sign_in(client, SchoolAdminFactory())
    return client


def test_an_unreadable_csv_header_is_said_in_words(admin_client: FlaskClient) -> None:
    page = _import(admin_client, b'"email' + b"x" * 140_000 + b'",name,role\n')
    assert "save it as &#39;CSV UTF-8&#39;" in page
    assert not [s for s in INTERNALS if s in page]


def test_an_unreadable_csv_line_is_said_in_words_in_the_persons_language(
    admin_client: FlaskClient,
) -> None:
    data = b'email,name,role\na@example.org,"' + b"y" * 140_000 + b'",student\n'
    page = _import(admin_client, data, "es")
    assert "La línea 2 no se puede leer" in page
    assert not [s for s in INTERNALS if s in page]


def test_an_invalid_contact_email_is_said_in_words(admin_client: FlaskClient) -> None:
    answer = admin_client.post(
        "/school/",
        data={
            "languages": "en",
            "website": "https://school.example.org",
            "contact_email": "dean@@school",
        },
    )
    page = answer.get_data(as_text=True)
    assert "is not a valid email address: it needs one @" in page
    assert not [s for s in INTERNALS if s in page]
