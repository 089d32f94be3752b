"""Template pages: list, designer, publish, import/export."""
from flask import Blueprint

from .items import levels_for

bp = Blueprint("templates_", __name__, url_prefix="/templates")


@bp.app_template_global("item_levels")
def _item_levels(item: dict) -> list[dict]:
    """The choices the form engine macro draws for a scale, yes/no or choice item."""
    return levels_for(item)
