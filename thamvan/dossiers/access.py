"""Who may see and change planning dossiers, their versions and documents.

Reading (DESIGN §2):

* the administrator sees everything;
* everyone signed in sees public dossiers;
* agency officers, leadership and the secretariat also see internal ones;
* agency officers and leadership see every dossier (restricted included) led
  by their organisation or an organisation below it;
* consultations will open restricted dossiers to the secretariat and panel
  experts through ``consultation_access_q``.

Changing (dossier facts, versions, documents): the administrator, and agency
officers for dossiers led by their organisation or one below it.

Anything a user may not see answers 404, so ids leak nothing (and an existing
one is logged as a refused access); a dossier they may see but not change
answers 403 on its edit pages.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from thamvan.accounts.models import Role, User
from thamvan.audit.denied import not_found
from thamvan.dossiers.models import Confidentiality, Document, Dossier, DossierVersion

# Roles that read internal dossiers of every organisation.
INTERNAL_READERS = (Role.AGENCY_OFFICER, Role.LEADERSHIP, Role.SECRETARIAT)


def managed_organization_ids(user: User) -> set[int]:
    """Organisations whose dossiers the agency officer manages."""
    return user.organization_scope(Role.AGENCY_OFFICER)


def consultation_access_q(user: User, prefix: str = "") -> Q:
    """Dossiers opened to the user by a consultation (secretariat, panel experts).

    The consultation app decides: the secretariat once a request is sent, and
    the experts invited to or sitting on its panel.
    """
    from thamvan.consultations.access import dossier_access_q

    return dossier_access_q(user, prefix)


def dossier_visibility_q(user: User, prefix: str = "") -> Q:
    """The dossiers the user may read, as a filter; ``prefix`` reaches them from a related model."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.is_admin:
        return Q()
    field = f"{prefix}confidentiality"
    visible = Q(**{field: Confidentiality.PUBLIC})
    if user.has_role(*INTERNAL_READERS):
        visible |= Q(**{field: Confidentiality.INTERNAL})
    own = user.organization_scope(Role.AGENCY_OFFICER) | user.organization_scope(Role.LEADERSHIP)
    if own:
        visible |= Q(**{f"{prefix}lead_agency_id__in": sorted(own)})
    return visible | consultation_access_q(user, prefix)


def can_create_dossier(user: User) -> bool:
    return user.is_authenticated and (user.is_admin or user.has_role(Role.AGENCY_OFFICER))


def can_change_dossier(user: User, dossier: Dossier) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_admin or dossier.lead_agency_id in managed_organization_ids(user)


def lead_agency_choices(user: User) -> list[int] | None:
    """The organisations the user may name as lead agency; None means any."""
    if user.is_admin:
        return None
    return sorted(managed_organization_ids(user))


def get_dossier_for_user(user: User, pk: int) -> Dossier:
    try:
        return (
            Dossier.objects.visible_to(user)
            .select_related("lead_agency", "preparing_consultant", "investor", "created_by")
            .get(pk=pk)
        )
    except Dossier.DoesNotExist:
        # A dossier that exists but is out of scope is logged as a refusal.
        raise not_found(Dossier, pk) from None


def get_dossier_for_update(user: User, pk: int) -> Dossier:
    dossier = get_dossier_for_user(user, pk)
    if not can_change_dossier(user, dossier):
        raise PermissionDenied
    return dossier


def _version_of(dossier: Dossier, number: int) -> DossierVersion:
    try:
        version = dossier.versions.get(number=number)
    except DossierVersion.DoesNotExist:
        raise Http404 from None
    version.dossier = dossier
    return version


def get_version_for_user(user: User, dossier_pk: int, number: int) -> DossierVersion:
    """A version of a dossier the user may read (versions share their dossier's access)."""
    return _version_of(get_dossier_for_user(user, dossier_pk), number)


def get_version_for_update(user: User, dossier_pk: int, number: int) -> DossierVersion:
    return _version_of(get_dossier_for_update(user, dossier_pk), number)


def get_document_for_user(user: User, pk: int) -> Document:
    try:
        return (
            Document.objects.visible_to(user)
            .select_related("version__dossier__lead_agency")
            .get(pk=pk)
        )
    except Document.DoesNotExist:
        raise not_found(Document, pk) from None


def get_document_for_update(user: User, pk: int) -> Document:
    document = get_document_for_user(user, pk)
    if not can_change_dossier(user, document.version.dossier):
        raise PermissionDenied
    return document
