"""JSON text from outside (request bodies, uploaded template files), parsed with a depth limit.

Python's parser recurses once per nesting level: 100,000 `[` end in RecursionError, which is
neither ValueError nor anything a handler expects, so it became a 500. Nothing Observe accepts
is nested more than a handful of levels, so deeper text is refused as invalid JSON (a 400 or a
form message), before any code walks it.
"""
from __future__ import annotations

import json

from flask.json.provider import DefaultJSONProvider

MAX_DEPTH = 32  # a sync batch is 6 levels deep, a template document 7


class TooDeep(ValueError):
    """Nested deeper than MAX_DEPTH (a ValueError, so every caller that refuses bad JSON refuses it)."""


def depth_exceeds(value, limit: int = MAX_DEPTH) -> bool:
    """True when `value` nests lists/objects more than `limit` levels; iterative, so it never recurses."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def loads(text: str | bytes, **kwargs):
    """json.loads that raises TooDeep (a ValueError) instead of RecursionError or a deep structure."""
    try:
        value = json.loads(text, **kwargs)
    except RecursionError:
        raise TooDeep(f"nested more than {MAX_DEPTH} levels") from None
    if depth_exceeds(value):
        raise TooDeep(f"nested more than {MAX_DEPTH} levels")
    return value


class BoundedJSONProvider(DefaultJSONProvider):
    """The app's JSON provider: request.get_json() parses with the depth limit (silent=True -> None)."""

    def loads(self, s: str | bytes, **kwargs):
        return loads(s, **kwargs)
