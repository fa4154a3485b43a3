"""Writing a checked staff file: new teachers' accounts with temporary passwords, changes
to the school's existing teachers, and who leads which class. All of it or nothing."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from registry import access_detail
from registry.models import AccessLog, PendingUpload, Role, School, User
from registry.services.children import access_log_record
from registry.services.classrooms import classroom_set_homeroom_teacher
from registry.services.organisation import _temporary_password, staff_save
from registry.services.uploads import pending_upload_discard
from registry.staff_import import staff_import_plan


@dataclass
class ImportedStaff:
    account: User
    classrooms: list
    # Shown once on the result page and kept nowhere; None for an existing account.
    password: str | None = None

    @property
    def created(self):
        return self.password is not None


@transaction.atomic
def staff_import_confirm(*, actor, upload):
    """Import the actor's own pending staff file into its school. The file is checked
    again here, against the database as it is now; any problem raises
    ``ValidationError`` and nothing is written. Returns the ``ImportedStaff`` in file
    order; the caller shows the new accounts' temporary passwords once."""
    if not actor.has_perm("registry.import_staff"):
        raise PermissionDenied
    if upload.user_id != actor.pk or upload.kind != PendingUpload.Kind.STAFF:
        raise PermissionDenied
    school = School.objects.for_user(actor).filter(pk=upload.school_id).first()
    if school is None:
        raise PermissionDenied
    plan = staff_import_plan(user=actor, school=school, content=upload.content)
    if not plan.is_valid:
        raise ValidationError(
            _("The file has problems (%(count)s); nothing was imported.")
            % {"count": len(plan.problems)}
        )
    imported = []
    for row in plan.rows:
        password = None
        if row.is_new:
            password = _temporary_password()
            staff = User(username=row.username, real_name=row.real_name, phone=row.phone,
                         role=Role.TEACHER, school=school)
            staff_save(actor=actor, staff=staff, raw_password=password, password_generated=True)
        else:
            staff = row.account
            staff.real_name = row.real_name
            staff.phone = row.phone or staff.phone
            staff_save(actor=actor, staff=staff)
        for classroom in row.classrooms:
            classroom_set_homeroom_teacher(actor=actor, classroom=classroom, teacher=staff)
        imported.append(ImportedStaff(account=staff, classrooms=row.classrooms,
                                      password=password))
    access_log_record(user=actor, action=AccessLog.Action.IMPORT, school=school,
                      detail=access_detail.upload("staff", upload.filename),
                      rows=len(imported))
    # The file is done with: a second confirm (a repeated submit) finds nothing.
    pending_upload_discard(upload=upload)
    return imported
