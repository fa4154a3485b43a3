"""The registry's writers. Views, the admin, the importer and commands change data only
through these keyword-only functions, which check who may act, validate and save
atomically."""

from registry.services.children import (
    access_log_record,
    access_log_record_many,
    child_exit,
    child_find_for_transfer,
    child_reenter,
    child_register,
    child_transfer_in,
    child_update,
    consent_record,
    family_member_delete,
    family_member_save,
)
from registry.services.classrooms import classroom_open, classroom_set_homeroom_teacher
from registry.services.organisation import (
    staff_password_changed,
    staff_reset_password,
    staff_save,
    staff_unlock,
    term_day_save,
    term_save,
)
from registry.services.rollover import child_hand_on, school_rollover
from registry.services.roster import roster_import
from registry.services.staff_import import staff_import_confirm
from registry.services.uploads import (
    pending_upload_discard,
    pending_upload_store,
    pending_uploads_purge,
)

__all__ = [
    "access_log_record",
    "access_log_record_many",
    "child_exit",
    "child_find_for_transfer",
    "child_hand_on",
    "child_reenter",
    "child_register",
    "child_transfer_in",
    "child_update",
    "classroom_open",
    "classroom_set_homeroom_teacher",
    "consent_record",
    "family_member_delete",
    "family_member_save",
    "pending_upload_discard",
    "pending_upload_store",
    "pending_uploads_purge",
    "roster_import",
    "school_rollover",
    "staff_import_confirm",
    "staff_password_changed",
    "staff_reset_password",
    "staff_save",
    "staff_unlock",
    "term_day_save",
    "term_save",
]
