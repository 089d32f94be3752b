"""Auth tests use the suite's `client` (tests/conftest.py: each request in its own app context)."""
from tests.conftest import IsolatedClient, client  # noqa: F401  (re-exported: other modules import them from here)
