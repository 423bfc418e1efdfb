"""Assisted registration by partner staff (/staff/<slug>/register/...)."""

app_name = "assisted"

urlpatterns: list = []
