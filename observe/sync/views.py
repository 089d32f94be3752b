"""The JSON API used by the offline client (/api/v1/...)."""
from flask import Blueprint

bp = Blueprint("sync", __name__, url_prefix="/api/v1")
