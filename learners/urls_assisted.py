"""Assisted registration by partner staff (/staff/<slug>/register/...; mounted under the one
staff/<slug>/ include in config/urls_staff.py)."""

from django.urls import path

from . import views_assisted

app_name = "assisted"

urlpatterns = [
    path("register/", views_assisted.register, name="register"),
    path("register/slip/", views_assisted.slip, name="slip"),
    path("register/sent/", views_assisted.contacted, name="contacted"),
    path("register/<int:user_id>/new-password/", views_assisted.new_password, name="new_password"),
]
