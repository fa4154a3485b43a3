"""The paperwork a school keeps on file: the record card (建档立卡) of one child or of a
whole class, one printed A4 page per child, and the homeroom teacher's contact information
sheet (联系信息表) of a class, on screen and as xlsx."""

from django.contrib.auth.decorators import login_required, permission_required
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from registry import access_detail, selectors, services
from registry.exports import ContactSheetExporter
from registry.models import AccessLog, Child, Classroom, FamilyMember, RegistryEpisode

CARD_RELATED = ("school", "classroom__homeroom_teacher", "consent_recorded_by")


def _scoped_classroom(request, pk):
    return get_object_or_404(
        Classroom.objects.for_user(request.user).select_related("school", "homeroom_teacher"),
        pk=pk,
    )


def _class_back_url(user, classroom):
    if user.has_perm("registry.view_school_page"):
        return reverse("school_detail", args=[classroom.school_id])
    return reverse("home")


def _family(child):
    """The father, mother and guardian at home (or None) and the other contacts, read
    from the prefetched family."""
    main = child.family_by_kind()
    return {
        "father": main.get(FamilyMember.Kind.FATHER),
        "mother": main.get(FamilyMember.Kind.MOTHER),
        "guardian": main.get(FamilyMember.Kind.GUARDIAN),
        "others": [m for m in child.family.all() if m.kind == FamilyMember.Kind.OTHER],
    }


def _card(child, episodes):
    """What one record card shows. The child's family must be prefetched; on a row from
    ``with_categories`` the categories come from its annotations."""
    episodes = list(episodes)
    five_clear = child.five_clear()
    return {
        "child": child,
        "five_clear": five_clear,
        "five_clear_count": sum(1 for gaps in five_clear.values() if not gaps),
        "categories": child.categories(),
        "away_pending": child.away_pending(),
        "on_registry": any(e.is_open and e.school_id == child.school_id for e in episodes),
        "episodes": episodes,
        **_family(child),
    }


def _card_children(user, classroom):
    """The class's children on the registry, with everything their cards show, in a fixed
    number of queries."""
    episodes = (
        RegistryEpisode.objects.for_user(user)
        .select_related("school")
        .order_by("-entered_on", "-pk")
    )
    return (
        Child.objects.for_user(user)
        .filter(classroom=classroom)
        .in_registry()
        .with_categories()
        .select_related(*CARD_RELATED)
        .prefetch_related("family", Prefetch("episodes", episodes, to_attr="visible_episodes"))
        .order_by("name", "pk")
    )


def _sheet_children(user, classroom):
    return (
        Child.objects.for_user(user)
        .filter(classroom=classroom)
        .in_registry()
        .prefetch_related("family")
        .order_by("name", "pk")
    )


@login_required
@permission_required("registry.view_child", raise_exception=True)
def child_card(request, pk):
    child = get_object_or_404(
        Child.objects.for_user(request.user)
        .select_related(*CARD_RELATED)
        .prefetch_related("family"),
        pk=pk,
    )
    services.access_log_record(user=request.user, action=AccessLog.Action.VIEW_CARD,
                               child=child)
    return render(request, "registry/child_card.html", {
        "card": _card(child, selectors.child_episodes(request.user, child)),
        "today": timezone.localdate(),
    })


@login_required
@permission_required("registry.view_child", raise_exception=True)
def class_cards(request, pk):
    classroom = _scoped_classroom(request, pk)
    children = list(_card_children(request.user, classroom))
    # One line per child, so that "who has seen this child's card" finds the batch too.
    services.access_log_record_many(
        user=request.user, action=AccessLog.Action.VIEW_CARD, children=children,
        detail=access_detail.class_papers("cards", classroom),
    )
    return render(request, "registry/class_cards.html", {
        "classroom": classroom,
        "cards": [_card(child, child.visible_episodes) for child in children],
        "today": timezone.localdate(),
        "back_url": _class_back_url(request.user, classroom),
    })


@login_required
@permission_required("registry.view_contact_sheet", raise_exception=True)
def class_contacts(request, pk):
    classroom = _scoped_classroom(request, pk)
    rows = [
        {"child": child, **_family(child)}
        for child in _sheet_children(request.user, classroom)
    ]
    # The sheet shows every family's phone numbers: it is logged like an export.
    services.access_log_record(
        user=request.user, action=AccessLog.Action.VIEW_CONTACTS, school=classroom.school,
        detail=access_detail.class_papers("contacts", classroom), rows=len(rows),
    )
    return render(request, "registry/class_contacts.html", {
        "classroom": classroom,
        "rows": rows,
        "back_url": _class_back_url(request.user, classroom),
    })


@login_required
@permission_required("registry.view_contact_sheet", raise_exception=True)
def class_contacts_xlsx(request, pk):
    classroom = _scoped_classroom(request, pk)
    exporter = ContactSheetExporter(
        classroom=classroom, children=_sheet_children(request.user, classroom)
    )
    response = exporter.xlsx_response()
    services.access_log_record(
        user=request.user, action=AccessLog.Action.EXPORT, school=classroom.school,
        detail=access_detail.class_papers("contacts_xlsx", classroom), rows=exporter.count,
    )
    return response
