"""Learner pages (/learn/..., /join/<slug>/)."""

from django.urls import path

from . import views, views_applications, views_assisted, views_data

app_name = "learners"

urlpatterns = [
    path("learn/", views.dashboard, name="dashboard"),
    path("learn/profile/", views.profile, name="profile"),
    path("learn/messages/", views.message_channel, name="message_channel"),
    path("learn/apply/", views.choose_partner, name="choose_partner"),
    path("learn/apply/<slug:slug>/", views_applications.apply, name="apply"),
    path(
        "learn/application/<int:pk>/edit/",
        views_applications.application_edit,
        name="application_edit",
    ),
    path(
        "learn/application/<int:pk>/withdraw/",
        views_applications.application_withdraw_view,
        name="application_withdraw",
    ),
    path(
        "learn/application/<int:pk>/documents/",
        views_applications.application_documents_add_view,
        name="documents_add",
    ),
    path("learn/documents/<int:pk>/", views.document_download, name="document_download"),
    path("learn/data/", views_data.data, name="data"),
    path("learn/data/download/", views_data.data_download, name="data_download"),
    path("learn/data/delete/", views_data.data_delete, name="data_delete"),
    path("join/<slug:slug>/", views.join, name="join"),
    path("welcome/<str:token>/", views_assisted.confirm, name="assisted_confirm"),
]
