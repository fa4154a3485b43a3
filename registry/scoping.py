"""The one access rule: which part of the county a user's records may come from.

Every scoped queryset (``X.objects.for_user(user)``) builds its filter here, so the rule
for "where" lives in one place. A model says how it reaches a school, a township and a
county (a lookup path, ``""`` for the model itself); the user's role says which of them
bounds what they see. Narrower rules that depend on the person (a teacher's own classes)
are added by the model's queryset on top of this filter.
"""

from django.db.models import Q

NOTHING = Q(pk__in=[])


def _path_eq(path, value):
    return Q(pk=value) if path == "" else Q(**{path: value})


def _join(prefix, name):
    return name if prefix == "" else f"{prefix}__{name}"


def area_filter(user, *, school_path=None, township_path=None, county_path=None):
    """A Q object limiting a queryset to the user's area.

    ``school_path`` is the lookup from the model to its school; when it is given, the
    township and county are reached through the school unless said otherwise. A model
    with no school (a term, a township) gives only the paths it has.
    """
    if not user.is_authenticated or not user.is_active:
        return NOTHING
    if user.is_superuser:
        return Q()
    if school_path is not None:
        if township_path is None:
            township_path = _join(school_path, "township")
        if county_path is None:
            county_path = _join(school_path, "county")

    if user.is_bureau:
        return _path_eq(county_path, user.county_id) if county_path is not None else NOTHING
    if user.is_township:
        if township_path is not None:
            return _path_eq(township_path, user.township_id)
        if county_path is not None:
            return _path_eq(county_path, user.township.county_id)
        return NOTHING
    if user.is_teacher or user.is_school_admin:
        if school_path is not None:
            return _path_eq(school_path, user.school_id)
        if township_path is not None:
            return _path_eq(township_path, user.school.township_id)
        if county_path is not None:
            return _path_eq(county_path, user.school.county_id)
    return NOTHING
