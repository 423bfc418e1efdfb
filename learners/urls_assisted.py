"""Assisted registration by partner staff (/staff/<slug>/register/...)."""

from django.urls import path

from . import views_assisted

app_name = "assisted"

urlpatterns = [
    path("<slug:slug>/register/", views_assisted.register, name="register"),
    path("<slug:slug>/register/slip/", views_assisted.slip, name="slip"),
    path("<slug:slug>/register/sent/", views_assisted.contacted, name="contacted"),
    path(
        "<slug:slug>/register/<int:user_id>/new-password/",
        views_assisted.new_password,
        name="new_password",
    ),
]
