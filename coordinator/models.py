"""Imports every model so the metadata (and Alembic) sees the whole schema."""
from .accounts.models import ApiToken, Organisation, Role, User  # noqa: F401
from .companies.models import Company  # noqa: F401
from .projects.models import AnswerSet, PlanItem, Project, ProjectPlan, QuestionnaireDraft  # noqa: F401
from .tracking.models import CommitmentCheck, ItemEvent, ItemRating, RevocationFlag  # noqa: F401
from .servicerequests.models import ServiceOffer, ServiceRequest, ServiceRequestEvent  # noqa: F401
from .hookups.models import HookupRequest, ProviderWebhook  # noqa: F401
from .notifications.models import InboxMessage, Notification, OrganisationWebhook  # noqa: F401
from .governance.models import CalendarEntry, RuleBaseVersion  # noqa: F401
from .audit.models import AdminAuditEntry  # noqa: F401
from .materials.models import CommitmentLetter, FileDownload, MaterialFile, StoredFile  # noqa: F401
from .licences.models import Licence  # noqa: F401
from .intermediaries.models import AgencyQualification, AgencyRating, IntermediaryRequest, ServiceQuote  # noqa: F401
from .problems.models import ProblemAttachment, ProblemEvent, ProblemReport  # noqa: F401
from .agents.models import AgentAct, AgentGrant, AgentRequest  # noqa: F401
from .circulation.models import Consultation  # noqa: F401
from .compliance.models import CommitmentBreach  # noqa: F401
