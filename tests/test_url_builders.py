"""The URL builders the test run shares between apps (``conftest.shared_url_builders``) are
the ones werkzeug compiles for each rule, and a second app compiles none of its own."""

from __future__ import annotations

from types import MethodType
from typing import Any, cast

from flask import Flask

from tests.conftest import SharedUrlBuilders, make_app


def test_every_rule_builds_with_the_code_werkzeug_compiles_for_it(
    app: Flask, shared_url_builders: SharedUrlBuilders
) -> None:
    compiled = shared_url_builders.werkzeug_compile
    for rule in app.url_map.iter_rules():
        assert cast(MethodType, rule._build).__func__.__code__ == compiled(rule, False).__code__, (
            rule.rule
        )
        assert (
            cast(MethodType, rule._build_unknown).__func__.__code__ == compiled(rule, True).__code__
        ), rule.rule


def test_a_second_app_compiles_no_builder_of_its_own(
    app: Flask, app_config: dict[str, Any], shared_url_builders: SharedUrlBuilders
) -> None:
    before = dict(shared_url_builders.builders)
    second = make_app(app_config)
    assert shared_url_builders.builders == before
    assert {r.rule for r in second.url_map.iter_rules()} == {
        r.rule for r in app.url_map.iter_rules()
    }
