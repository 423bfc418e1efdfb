"""Seats, enrolments and imports for partner staff and programme admins (/staff/...)."""

app_name = "seats"

urlpatterns: list = []
