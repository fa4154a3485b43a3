"""The registry's models: the organisation (county to classroom), terms, and staff."""

from registry.models.children import (
    AccessLog,
    Category,
    Child,
    EntryKind,
    ExitReason,
    FamilyMember,
    FivePart,
    HardshipKind,
    RegistryEpisode,
    Sex,
    Situation,
)
from registry.models.organisation import (
    Classroom,
    County,
    School,
    SchoolStage,
    Term,
    TermDay,
    Township,
)
from registry.models.uploads import PendingUpload
from registry.models.users import Role, User

__all__ = [
    "AccessLog",
    "Category",
    "Child",
    "EntryKind",
    "ExitReason",
    "FamilyMember",
    "FivePart",
    "HardshipKind",
    "PendingUpload",
    "RegistryEpisode",
    "Sex",
    "Situation",
    "Classroom",
    "County",
    "Role",
    "School",
    "SchoolStage",
    "Term",
    "TermDay",
    "Township",
    "User",
]
