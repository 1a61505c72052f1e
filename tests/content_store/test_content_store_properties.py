"""Property: whatever bytes go in come back out, under hashlib's SHA-256."""

from __future__ import annotations

import hashlib
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from content_store import ContentStore


@settings(
    max_examples=40,
    deadline=None,
    # One store per backend serves every example: re-putting is part of the contract.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.binary(max_size=4096), media_type=st.sampled_from(["text/plain", "image/png"]))
def test_put_then_open_returns_the_same_bytes(
    store: ContentStore, data: bytes, media_type: str
) -> None:
    blob = store.put(io.BytesIO(data), media_type)
    assert blob.sha256 == hashlib.sha256(data).hexdigest()
    assert blob.size == len(data)
    with store.open(blob.sha256, verify=True) as fh:
        assert fh.read() == data
    assert store.exists(blob.sha256)
