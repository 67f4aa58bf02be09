from django.urls import path

from thamvan.experts.views import (
    accounts,
    conflicts,
    imports,
    pickers,
    profile,
    registry,
    specialties,
)

app_name = "experts"

urlpatterns = [
    path("", registry.expert_list, name="list"),
    path("export.xlsx", registry.expert_export, name="export"),
    path("pick/", pickers.expert_pick, name="pick"),
    path("pick/colleagues/", pickers.colleague_pick, name="pick_colleague"),
    path("new/", registry.expert_create, name="create"),
    path("<int:pk>/", registry.expert_detail, name="detail"),
    path("<int:pk>/edit/", registry.expert_edit, name="edit"),
    path("<int:pk>/conflicts/", conflicts.conflict_add, name="conflict_add"),
    path(
        "<int:pk>/conflicts/<int:cid>/withdraw/",
        conflicts.conflict_withdraw,
        name="conflict_withdraw",
    ),
    path("accounts/", accounts.create_accounts, name="create_accounts"),
    path("<int:pk>/account/", accounts.create_account, name="create_account"),
    path("<int:pk>/account/link/", accounts.link_account, name="link_account"),
    path("me/", profile.my_profile, name="me"),
    path("me/edit/", profile.my_profile_edit, name="me_edit"),
    path("import/", imports.import_start, name="import"),
    path("import/template.xlsx", imports.import_template, name="import_template"),
    path("import/<int:pk>/", imports.import_preview, name="import_preview"),
    path("import/<int:pk>/commit/", imports.import_commit, name="import_commit"),
    path("specialties/", specialties.specialty_list, name="specialty_list"),
    path("specialties/new/", specialties.specialty_create, name="specialty_create"),
    path("specialties/<int:pk>/edit/", specialties.specialty_edit, name="specialty_edit"),
    path("specialties/<int:pk>/toggle/", specialties.specialty_toggle, name="specialty_toggle"),
]
