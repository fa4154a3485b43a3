"""Uploaded files waiting for the user to confirm an import. They live in the database,
not a temp folder, and expire: every new upload clears the expired ones, and
``manage.py purge_uploads`` does it on a schedule."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

UPLOAD_LIFETIME = timedelta(hours=1)


class PendingUploadQuerySet(models.QuerySet):
    def expired(self, now=None):
        return self.filter(expires_at__lte=now or timezone.now())

    def live_for(self, user):
        """The user's own uploads that have not expired; nobody sees another's."""
        return self.filter(user=user, expires_at__gt=timezone.now())


class PendingUpload(models.Model):
    class Kind(models.TextChoices):
        ROSTER = "roster", _("Roster import")
        STAFF = "staff", _("Staff import")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+", verbose_name=_("user"))
    school = models.ForeignKey("registry.School", on_delete=models.CASCADE, related_name="+",
                               verbose_name=_("school"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    filename = models.CharField(_("file name"), max_length=200)
    content = models.BinaryField(_("content"))
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))

    objects = PendingUploadQuerySet.as_manager()

    class Meta:
        verbose_name = _("pending upload")
        verbose_name_plural = _("pending uploads")
        indexes = [models.Index(fields=["expires_at"], name="pendingupload_expires_idx")]

    def __str__(self):
        return self.filename
