"""Keeping an uploaded file until the user confirms the import, and letting it go."""

from django.db import transaction
from django.utils import timezone

from registry.models import PendingUpload
from registry.models.uploads import UPLOAD_LIFETIME


@transaction.atomic
def pending_upload_store(*, user, school, kind, filename, content):
    """Keep ``content`` (bytes) for ``user`` until they confirm; expired uploads of
    anyone are cleared on the way."""
    PendingUpload.objects.expired().delete()
    now = timezone.now()
    return PendingUpload.objects.create(
        user=user, school=school, kind=kind, filename=filename[:200], content=bytes(content),
        created_at=now, expires_at=now + UPLOAD_LIFETIME,
    )


def pending_upload_discard(*, upload):
    upload.delete()


def pending_uploads_purge(now=None):
    """Delete expired uploads; returns how many went."""
    count, _ = PendingUpload.objects.expired(now).delete()
    return count
