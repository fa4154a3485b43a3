"""Every county starts with the action plan's care standards (counties created later get
them from ``interventions.services.care_standards_install_defaults``)."""

from datetime import date

from django.db import migrations

# Frozen copy of interventions.standards.PLAN_DEFAULTS as it was when this ran.
PLAN_DEFAULTS = [
    ("weekly_talk", "week", 1, "homeroom", False),
    ("family_contact", "month", 1, "homeroom", True),
    ("home_visit", "month", 1, "surrogate", True),
    ("semester_report", "semester", 1, "homeroom", False),
    ("festival", "year", 1, "mentor", True),
    ("guardian_contact", "month", 1, "homeroom", True),
]


def install(apps, schema_editor):
    County = apps.get_model("registry", "County")
    CareStandard = apps.get_model("interventions", "CareStandard")
    for county in County.objects.all():
        for code, period, needed, responsible, in_holidays in PLAN_DEFAULTS:
            CareStandard.objects.get_or_create(
                county=county, code=code, valid_from=date(2000, 1, 1),
                defaults={"period": period, "contacts_needed": needed,
                          "responsible": responsible, "applies_in_holidays": in_holidays},
            )


class Migration(migrations.Migration):
    dependencies = [("interventions", "0001_care_work")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
