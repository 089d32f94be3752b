"""Admin pages: schools, staff (one by one and CSV import), roles."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")
