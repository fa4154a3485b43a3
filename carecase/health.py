"""The health check (``/healthz``) that nginx, a load balancer or systemd's watchdog asks:
is this app server up and does it reach its database?

It answers ``200 ok`` or ``503 unavailable`` as plain text: no login, no session, no
personal data, never cached. The database is asked one trivial query (``SELECT 1``), so
a check costs well under a millisecond and takes no lock. The error itself goes to the
log (as a warning, without the connection string), never into the response.
"""

import logging

from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


@never_cache
@require_safe
def health(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        logger.warning("Health check: the database does not answer (%s).",
                       type(error).__name__)
        return HttpResponse("unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")
