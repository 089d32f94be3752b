"""Template pages: list, designer, publish, import/export."""
from flask import Blueprint

bp = Blueprint("templates_", __name__, url_prefix="/templates")
