"""Owned by the urls_manage pages."""

urlpatterns: list = []
