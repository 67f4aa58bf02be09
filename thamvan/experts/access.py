"""Who may see and change the expert registry.

* The secretariat and the administrator see and change everything.
* Leadership reads everything and changes nothing.
* An expert sees and edits only their own profile, and only the parts that are
  theirs to keep (contacts, keywords, biography, publications, affiliations,
  unavailable periods); rank, membership number and the active flag stay with
  the secretariat.
* Declared conflicts of interest are the expert's own statements: the expert
  declares and withdraws them; the secretariat reads them and may record one on
  the expert's behalf, never withdraw one; leadership reads them.
* Everyone else sees no profile (404) and may not open the registry (403).
"""

from __future__ import annotations

from django.http import Http404

from thamvan.accounts.models import Role, User
from thamvan.audit.denied import NotVisible, not_found
from thamvan.experts.models import ConflictDeclaration, Expert, ExpertImport, Specialty


def can_manage_registry(user: User) -> bool:
    return user.is_authenticated and user.is_active and user.has_role(Role.ADMIN, Role.SECRETARIAT)


def can_read_registry(user: User) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and user.has_role(Role.ADMIN, Role.SECRETARIAT, Role.LEADERSHIP)
    )


def get_expert_for_user(user: User, pk: int) -> Expert:
    try:
        return (
            Expert.objects.visible_to(user).select_related("home_organization", "user").get(pk=pk)
        )
    except Expert.DoesNotExist:
        raise not_found(Expert, pk) from None


def get_expert_for_update(user: User, pk: int) -> Expert:
    """The expert, if the user may change the record: registry managers, or its owner.

    Which fields may change is decided by ``can_manage_registry``: the owner
    gets the own-profile form only.
    """
    expert = get_expert_for_user(user, pk)
    if can_manage_registry(user) or (expert.user_id is not None and expert.user_id == user.pk):
        return expert
    # Readers who may not change it: a refusal of an existing record.
    raise NotVisible(Expert._meta.label_lower, pk)


def get_own_expert(user: User) -> Expert:
    """The profile linked to the user's account; 404 when there is none."""
    if not user.is_authenticated or not user.is_active:
        raise Http404
    try:
        return Expert.objects.select_related("home_organization", "user").get(user=user)
    except Expert.DoesNotExist:
        raise Http404 from None


def is_own_profile(user: User, expert: Expert) -> bool:
    return expert.user_id is not None and expert.user_id == user.pk


def can_declare_conflicts(user: User, expert: Expert) -> bool:
    """The expert themself, or the secretariat recording a declaration on their behalf."""
    return (
        user.is_authenticated
        and user.is_active
        and (is_own_profile(user, expert) or can_manage_registry(user))
    )


def can_withdraw_conflicts(user: User, expert: Expert) -> bool:
    """Only the expert: a declaration is their statement, withdrawn by them alone."""
    return user.is_authenticated and user.is_active and is_own_profile(user, expert)


def get_conflict_declaration_for_user(user: User, expert_pk: int, pk: int) -> ConflictDeclaration:
    """A declaration of an expert the user may see; whether they may withdraw it is the
    service's question (``can_withdraw_conflicts``)."""
    expert = get_expert_for_user(user, expert_pk)
    try:
        return expert.conflict_declarations.select_related(
            "expert", "organization", "dossier", "other_expert"
        ).get(pk=pk)
    except ConflictDeclaration.DoesNotExist:
        raise not_found(ConflictDeclaration, pk) from None


def get_specialty_for_update(user: User, pk: int) -> Specialty:
    # The taxonomy is reference data: an unknown id is 404, an existing one is
    # editable by registry managers only (the views answer 403 before this).
    if not can_manage_registry(user):
        raise Http404
    try:
        return Specialty.objects.get(pk=pk)
    except Specialty.DoesNotExist:
        raise Http404 from None


def get_import_for_user(user: User, pk: int) -> ExpertImport:
    try:
        return ExpertImport.objects.visible_to(user).select_related("created_by").get(pk=pk)
    except ExpertImport.DoesNotExist:
        raise not_found(ExpertImport, pk) from None
