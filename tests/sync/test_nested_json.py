"""Deeply nested JSON is refused as malformed (400), never a RecursionError (500)."""
from __future__ import annotations

import pytest

from observe.templates_.schemas import TemplateFormatError, import_json

DEEP = "[" * 100_000 + "]" * 100_000
MIDDLE = '{"client_schema_version": 1, "records": [' + "[" * 500 + "]" * 500 + "]}"  # parses, then too deep


@pytest.mark.parametrize("body", [DEEP, MIDDLE], ids=["100000-levels", "500-levels"])
@pytest.mark.parametrize("path", ["/api/v1/sync", "/api/v1/conflicts/1/resolve"])
def test_deeply_nested_body_is_a_400(api, path, body):
    response = api.client.post(path, data=body, content_type="application/json",
                               headers={"X-CSRFToken": api.token(), "Origin": api.origin})
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.get_json()["error"] == "malformed"


def test_a_normal_batch_still_passes(api, version):
    from .conftest import observation

    assert [r["status"] for r in api.results(observation(version.id))] == ["created"]


def test_deeply_nested_template_file_is_a_form_error():
    with pytest.raises(TemplateFormatError) as caught:
        import_json("[" * 100_000)
    assert "document" in caught.value.errors
