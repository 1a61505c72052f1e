"""schemathesis against the live OpenAPI document, on the app itself (WSGI), with a signed-in
teacher's token: positive and negative data for every operation. No answer may be a 5xx,
and every answer must match the document (its status's schema and media type).

The cases are bounded (``CASES_PER_STRATEGY`` per operation, place and mode) so that the run stays
well under a minute on two cores; the number generated is printed (``-s``)."""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from hub.models import MaterialKind
from hub.search import catch_up_now
from tests.factories import SchoolFactory, TeacherFactory, make_material

#: Cases per strategy: an operation, a place (generated or a material of the world) and a
#: generation mode (positive, negative).
CASES_PER_STRATEGY = 5
#: Scenarios of the stateful test (each a few linked calls).
STATEFUL_SCENARIOS = 25
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


def _world(session: Session) -> tuple[Any, list[int]]:
    """A teacher with materials of every kind around them: their school's draft and module,
    a public material, a consortium one, and one hidden from them (and their ids)."""
    school = SchoolFactory()
    teacher = TeacherFactory(school=school)
    made = [
        make_material(session, school, title="Own draft", published=False),
        make_material(session, school, title="Own module", kind=MaterialKind.MODULE),
        make_material(session, title="Public", grants=[("public", [], "view,download")]),
        make_material(session, title="Shared", grants=[("consortium", [], "view,adapt")]),
        make_material(session, title="Hidden", grants=[]),
    ]
    session.commit()
    return teacher, [m.id for m in made]


def _places(operation: Any, material_ids: list[int]) -> list[dict[str, Any] | None]:
    """Path parameters to try an operation at: anywhere (generated), and at each material
    of the world (version 1), so that cases reach real materials and not only 404s."""
    names = {p.name for p in operation.path_parameters}
    if "material_id" not in names:
        return [None]
    return [None] + [
        {"material_id": i, **({"number": 1} if "number" in names else {})} for i in material_ids
    ]


@pytest.mark.slow
def test_schemathesis_finds_no_5xx_and_no_answer_off_the_document(
    app: Flask, session: Session, make_token: Callable[..., str]
) -> None:
    teacher, material_ids = _world(session)
    catch_up_now(app)
    secret = make_token(teacher)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 25
    cases: list[str] = []
    statuses: Counter[int] = Counter()

    def fuzz(operation: Any) -> None:
        """Every place and mode of one operation, ``CASES_PER_STRATEGY`` cases each."""
        strategies = [
            operation.as_strategy(
                generation_mode=mode,
                headers={"Authorization": f"Bearer {secret}"},
                path_parameters=place,
            )
            for place in _places(operation, material_ids)
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        ]

        @settings(
            max_examples=CASES_PER_STRATEGY * len(strategies),
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=st.one_of(strategies))
        def call(case: Any) -> None:
            # Hypothesis seeds the global random module alike for every example, and Whoosh
            # names the index's new segments with it: writes of two examples would make
            # two segments of one name. Each example draws its own names.
            random.seed()
            cases.append(f"{case.method} {case.path}")
            statuses[case.call_and_validate(checks=CHECKS).status_code] += 1

        call()

    started = time.perf_counter()
    for operation in operations:
        fuzz(operation)
    seconds = time.perf_counter() - started
    print(
        f"schemathesis: {len(cases)} generated cases over {len(operations)} operations "
        f"in {seconds:.1f} s; answers: "
        + ", ".join(f"{status} x{n}" for status, n in sorted(statuses.items()))
    )
    assert len(set(cases)) >= len(operations)


def test_schemathesis_follows_the_documented_links(
    app: Flask, session: Session, connection: Connection, make_token: Callable[..., str]
) -> None:
    """Stateful: sequences that make a draft (new, or an adaptation) and follow the links
    the document declares from it (read, edit, upload, publish, share, lineage).

    Each scenario starts from the same world (its writes are rolled back at its end): which
    links a step may follow depends on earlier answers, and hypothesis refuses a run whose
    choices depend on what scenarios before it left behind ("flaky strategy")."""
    teacher, _ids = _world(session)
    secret = make_token(teacher)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    steps: Counter[str] = Counter()

    class Machine(schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            self.scenario = connection.begin_nested()

        def teardown(self) -> None:
            if self.scenario.is_active:
                self.scenario.rollback()
            super().teardown()

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": {"Authorization": f"Bearer {secret}"}}

        def before_call(self, case: Any) -> None:
            random.seed()  # see above: Whoosh's segment names
            steps[f"{case.method} {case.path}"] += 1

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            assert response.status_code < 500, response.text
            case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs)

    started = time.perf_counter()
    Machine.run(
        settings=settings(
            max_examples=STATEFUL_SCENARIOS,
            stateful_step_count=6,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
    )
    print(
        f"schemathesis, stateful: {sum(steps.values())} calls in {STATEFUL_SCENARIOS} "
        f"scenarios in {time.perf_counter() - started:.1f} s; most followed: "
        + ", ".join(f"{step} x{n}" for step, n in steps.most_common(6))
    )
    assert any("/draft" in step or "/publish" in step for step in steps)
