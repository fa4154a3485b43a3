"""The county action plan's care standards, as every county starts with them."""

from datetime import date

from interventions.models import Period, Responsible, StandardCode

# Rows in force since long before any log: (code, period, contacts needed, responsible,
# applies in holidays). Holidays change how contact is made (phone, video), not whether
# a family call or a home visit is owed; weekly talks and semester reports follow terms.
PLAN_DEFAULTS = [
    (StandardCode.WEEKLY_TALK, Period.WEEK, 1, Responsible.HOMEROOM, False),
    (StandardCode.FAMILY_CONTACT, Period.MONTH, 1, Responsible.HOMEROOM, True),
    (StandardCode.HOME_VISIT, Period.MONTH, 1, Responsible.SURROGATE, True),
    (StandardCode.SEMESTER_REPORT, Period.SEMESTER, 1, Responsible.HOMEROOM, False),
    (StandardCode.FESTIVAL, Period.YEAR, 1, Responsible.MENTOR, True),
    (StandardCode.GUARDIAN_CONTACT, Period.MONTH, 1, Responsible.HOMEROOM, True),
]
DEFAULTS_VALID_FROM = date(2000, 1, 1)
