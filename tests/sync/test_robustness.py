"""Whatever a device sends, apply_record answers with a status and never raises."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from observe.sync.services import apply_record

from .conftest import observation

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-2**40, 2**40) | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
KEYS = ["type", "uuid", "base_revision", "visit", "template_version_id", "fields", "notes", "status"]
STATUSES = {"created", "unchanged", "updated", "conflict", "rejected"}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.sampled_from(KEYS + ["visit.kind", "visit.teacher_id", "visit.started_at", "notes.0"]),
       value=JSON, whole=st.booleans(), junk=JSON)
def test_any_mangled_record_gets_an_answer(app, school, principal, version, key, value, whole, junk):
    record = junk if whole else observation(version.id)
    if not whole:
        target = record
        *path, last = key.split(".")
        for part in path:
            target = target[part] if isinstance(target, dict) else target[int(part)]
        if isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value
    with app.test_request_context("/api/v1/sync"):
        result = apply_record(principal, school, record)
    assert result["status"] in STATUSES
    assert result["status"] != "rejected" or result["fields"]

