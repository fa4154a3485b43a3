"""Writers for the care work."""

from django.db import transaction

from interventions.models import CareStandard
from interventions.standards import DEFAULTS_VALID_FROM, PLAN_DEFAULTS


@transaction.atomic
def care_standards_install_defaults(*, county):
    """Give a county the plan's standards, for those it has none of yet."""
    existing = set(CareStandard.objects.filter(county=county).values_list("code", flat=True))
    CareStandard.objects.bulk_create([
        CareStandard(county=county, code=code, period=period, contacts_needed=needed,
                     responsible=responsible, applies_in_holidays=in_holidays,
                     valid_from=DEFAULTS_VALID_FROM)
        for code, period, needed, responsible, in_holidays in PLAN_DEFAULTS
        if code not in existing
    ])
