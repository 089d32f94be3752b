"""The service worker (/sw.js), its precache manifest, and the web app manifest."""
from flask import Blueprint

bp = Blueprint("pwa", __name__)
