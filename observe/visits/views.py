"""Visit pages: start a spontaneous visit, fill the form, see a visit."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("visits", __name__, url_prefix="/visits")
