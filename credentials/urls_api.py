"""Provider API (/api/v1/completions)."""

app_name = "credentials_api"

urlpatterns: list = []
