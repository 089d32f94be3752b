"""Leadership dashboard: aggregated observations."""
from flask import Blueprint

bp = Blueprint("insights", __name__, url_prefix="/insights")
