"""Template rules: publishing, installing the defaults."""
from __future__ import annotations


def install_defaults(school) -> None:
    """Install the default templates into a new school (filled in by the template work)."""
