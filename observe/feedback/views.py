"""Feedback, reflection, next steps and follow-up pages."""
from flask import Blueprint

bp = Blueprint("feedback", __name__, url_prefix="/feedback")
