from tests.admin.conftest import as_admin, client, other_school, outsider, post  # noqa: F401  (shared fixtures)
