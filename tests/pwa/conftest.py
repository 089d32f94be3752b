"""The pwa tests use the isolated client (one app context per request, English pages)."""
from tests.auth.conftest import client  # noqa: F401
from tests.visits.conftest import walkthrough  # noqa: F401  (the shipped walkthrough template)
