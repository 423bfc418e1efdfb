"""Owned by the urls_review pages."""

urlpatterns: list = []
