"""The registry's models: the organisation (county to classroom), terms, and staff."""

from registry.models.organisation import (
    Classroom,
    County,
    School,
    SchoolStage,
    Term,
    TermDay,
    Township,
)
from registry.models.users import Role, User

__all__ = [
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
