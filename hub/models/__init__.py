"""The hub's models. Importing this package registers every table on ``Base.metadata``."""

from .audit import AuditEvent, AuditLogIsAppendOnly
from .base import READS_ONLY, Base, utcnow
from .feed import FeedToken
from .feedback import ErrorKind, ErrorReport, ErrorReportStatus, TeacherReview
from .file import File, Rendition
from .harvest import HarvestRecord
from .invitation import Invitation
from .lti import LtiAccount, LtiKey, LtiLaunchValue, LtiPlatform
from .material import (
    Adoption,
    AudienceGrant,
    Bookmark,
    ConsentScope,
    GrantKind,
    ItemProgress,
    Material,
    MaterialKind,
    MaterialVersion,
    ModuleItem,
    PatientData,
    PlaceInModule,
    VersionFile,
    VersionState,
    grant_rights,
)
from .membership import MembershipEvent
from .notification import Notification
from .outbox import IndexChange
from .person import SCHOOL_ROLES, STAFF, Person, Role
from .review import (
    Decision,
    Editor,
    InvitationState,
    Outcome,
    Review,
    Reviewer,
    ReviewInvitation,
    ReviewMessage,
    SchoolVetting,
    Submission,
    SubmissionEvent,
    SubmissionState,
)
from .school import IncomeGroup, MembershipStatus, School
from .token import ApiToken
from .usage import AccessRequest, RequestStatus, UsageEvent, UsageFlow, UsageMonth

__all__ = [
    "Decision",
    "Editor",
    "InvitationState",
    "Outcome",
    "Review",
    "ReviewInvitation",
    "ReviewMessage",
    "Reviewer",
    "SchoolVetting",
    "Submission",
    "SubmissionEvent",
    "SubmissionState",
    "ApiToken",
    "ErrorKind",
    "ErrorReport",
    "ErrorReportStatus",
    "TeacherReview",
    "LtiAccount",
    "LtiKey",
    "LtiLaunchValue",
    "LtiPlatform",
    "Notification",
    "READS_ONLY",
    "SCHOOL_ROLES",
    "STAFF",
    "IndexChange",
    "HarvestRecord",
    "Rendition",
    "AccessRequest",
    "RequestStatus",
    "UsageEvent",
    "UsageFlow",
    "UsageMonth",
    "Adoption",
    "AudienceGrant",
    "Bookmark",
    "ConsentScope",
    "GrantKind",
    "ItemProgress",
    "PlaceInModule",
    "Material",
    "MaterialKind",
    "MaterialVersion",
    "ModuleItem",
    "PatientData",
    "VersionFile",
    "VersionState",
    "AuditEvent",
    "AuditLogIsAppendOnly",
    "Base",
    "FeedToken",
    "File",
    "IncomeGroup",
    "Invitation",
    "MembershipEvent",
    "MembershipStatus",
    "Person",
    "Role",
    "School",
    "grant_rights",
    "utcnow",
]
