from django.urls import path

from thamvan.consultations.views import (
    alternates,
    discussion,
    maps,
    opinions,
    outcome,
    panel,
    requests,
)

app_name = "consultations"

urlpatterns = [
    path("", requests.consultation_list, name="list"),
    path("new/<int:dossier_pk>/", requests.consultation_create, name="create"),
    path("<int:pk>/", requests.consultation_detail, name="detail"),
    path("<int:pk>/edit/", requests.consultation_edit, name="edit"),
    path("<int:pk>/do/<slug:action>/", requests.consultation_transition, name="transition"),
    path("<int:pk>/new-round/", requests.consultation_new_round, name="new_round"),
    path("<int:pk>/deadline/", requests.consultation_extend_deadline, name="extend_deadline"),
    path("<int:pk>/panel/", panel.panel, name="panel"),
    path(
        "<int:pk>/panel/alternates/<int:invitation_pk>/",
        alternates.alternate_invite,
        name="alternate_invite",
    ),
    path("<int:pk>/panel/auto-alternates/", alternates.auto_alternates, name="auto_alternates"),
    path("<int:pk>/invitations/<int:invitation_pk>/", panel.invitation_respond, name="invitation"),
    path("<int:pk>/invitations/<int:invitation_pk>/chair/", panel.set_chair, name="set_chair"),
    path(
        "<int:pk>/invitations/<int:invitation_pk>/resend/",
        panel.invitation_resend,
        name="invitation_resend",
    ),
    path(
        "<int:pk>/invitations/<int:invitation_pk>/revoke/",
        panel.invitation_revoke,
        name="invitation_revoke",
    ),
    path("<int:pk>/opinion/", opinions.opinion_workspace, name="opinion_workspace"),
    path("<int:pk>/opinions/record/", opinions.opinion_record, name="opinion_record"),
    path("<int:pk>/opinions/<int:opinion_pk>/", opinions.opinion_detail, name="opinion_detail"),
    path(
        "<int:pk>/opinions/<int:opinion_pk>/autosave/",
        opinions.opinion_autosave,
        name="opinion_autosave",
    ),
    path("<int:pk>/opinions/<int:opinion_pk>/items/", opinions.opinion_item_add, name="item_add"),
    path(
        "<int:pk>/opinions/<int:opinion_pk>/items/<int:item_pk>/remove/",
        opinions.opinion_item_remove,
        name="item_remove",
    ),
    path("<int:pk>/opinions/<int:opinion_pk>/attach/", opinions.opinion_attach, name="attach"),
    path(
        "<int:pk>/opinions/<int:opinion_pk>/attachments/<int:attachment_pk>/",
        opinions.attachment_download,
        name="attachment_download",
    ),
    path("<int:pk>/opinions/<int:opinion_pk>/submit/", opinions.opinion_submit, name="submit"),
    path("<int:pk>/opinions/<int:opinion_pk>/amend/", opinions.opinion_amend, name="amend"),
    path("<int:pk>/pins.geojson", maps.pins_geojson, name="pins"),
    path("<int:pk>/synthesis/", outcome.synthesis, name="synthesis"),
    path("<int:pk>/report/", outcome.issue_report, name="issue_report"),
    path("<int:pk>/responses/", outcome.responses, name="responses"),
    path("<int:pk>/responses/revision/", outcome.link_revision, name="link_revision"),
    path("<int:pk>/discussion/", discussion.discussion, name="discussion"),
    path(
        "<int:pk>/documents/<int:document_pk>/",
        outcome.document_download,
        name="document_download",
    ),
]
