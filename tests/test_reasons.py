"""The policy's reasons are codes; every one of them is worded, in every interface language."""

from __future__ import annotations

from flask import Flask
from flask_babel import force_locale
from hypothesis import HealthCheck, given, settings

from hub import policy, reasons
from hub.i18n import INTERFACE_LANGUAGES
from tests.policy.test_tokens_agree import NOW, materials, viewers


def test_every_reason_code_has_words() -> None:
    assert set(policy.REASON_CODES) == set(reasons._WORDING)


# The app is only a place to word things in; nothing in it changes between examples.
@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(viewer=viewers(), material=materials())
def test_every_decision_is_worded_in_every_interface_language(
    app: Flask, viewer: policy.Viewer, material: policy.MaterialFacts
) -> None:
    with app.test_request_context():
        for action in policy.ACTIONS:
            decision = policy.decide(viewer, material, action, NOW)
            assert {r.code for r in decision.reasons} <= set(policy.REASON_CODES)
            for language in INTERFACE_LANGUAGES:
                with force_locale(language):
                    assert reasons.words(decision).strip(), (action, language)


def test_grant_problems_are_worded_for_the_teacher(app: Flask) -> None:
    problems = policy.grant_problems(
        "LicenseRef-Consortium",
        [policy.Grant(kind="public", rights=frozenset({"view", "adapt"}))],
        policy.Ceiling(audience="consortium", rights=frozenset({"view"})),
    )
    with app.test_request_context():
        words = [reasons.word(p) for p in problems]
    assert any("Creative Commons" in w for w in words)
    assert any("ceiling does not allow adapt" in w for w in words)
