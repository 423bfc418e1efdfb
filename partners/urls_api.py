"""Partner API URLs (/api/...)."""

urlpatterns: list = []
