from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LearnersConfig(AppConfig):
    """Learner profile and consent, onboarding, dashboard, data export and erasure."""

    name = "learners"
    verbose_name = _("Learners")

    def ready(self) -> None:
        from credentials.hooks import register_display_name

        from .models import LearnerProfile

        def display_name(user) -> str:
            profile = LearnerProfile.objects.filter(user=user).only("display_name").first()
            return profile.display_name if profile else ""

        register_display_name(display_name)

        from portal.phones import phone_region_source_register

        from .phone_regions import phone_region_of_joined_partner, phone_region_of_residence

        phone_region_source_register(phone_region_of_residence)
        phone_region_source_register(phone_region_of_joined_partner)
