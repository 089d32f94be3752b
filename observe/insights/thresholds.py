"""Minimum cell sizes: a figure is shown only when the population behind it is large enough.

A figure (chart, bar, heatmap cell, table row) describes a population of observations; it is
shown only when that population holds at least `min_cell_observations` observations and, if
any observation names a teacher, at least `min_cell_teachers` distinct teachers (organisation
settings, never below the floors kept with the settings in observe/schools/models.py).
Anonymous walkthroughs name nobody, so they count as observations only.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from ..schools.models import MIN_OBSERVATIONS_FLOOR, MIN_TEACHERS_FLOOR

HIDDEN = _l("too few observations to show")


@dataclass(frozen=True)
class Threshold:
    min_observations: int
    min_teachers: int

    @classmethod
    def for_organisation(cls, organisation) -> "Threshold":
        return cls(max(MIN_OBSERVATIONS_FLOOR, int(organisation.setting("min_cell_observations"))),
                   max(MIN_TEACHERS_FLOOR, int(organisation.setting("min_cell_teachers"))))

    def allows(self, n_observations: int, n_teachers: int) -> bool:
        return n_observations >= self.min_observations and not 0 < n_teachers < self.min_teachers
