"""Imports every domain's models so the app, Alembic and the tests share one metadata."""
from .audit.models import AuditEvent  # noqa: F401
from .auth.models import Invitation, Membership, OidcLink, Role, User  # noqa: F401
from .auth.sessions import WebSession  # noqa: F401
from .feedback.models import Comment, Feedback, NextStep, TermPlan, VisitAccess  # noqa: F401
from .schools.models import Organisation, School, TeacherGroup  # noqa: F401
from .sync.models import Device, RecordRevision, SyncConflict  # noqa: F401
from .templates_.models import Template, TemplateDefault, TemplateVersion  # noqa: F401
from .visits.models import Observation, ObservationAnswer, PeerGroup, Visit  # noqa: F401
from .visits.lesson_values import LessonValue  # noqa: F401
from .visits.rollups import (InsightCell, InsightCount, InsightDayCell, InsightDayCount, InsightDayPeople,  # noqa: F401
                             InsightDaySum, InsightPeople, InsightStale, InsightSum)
