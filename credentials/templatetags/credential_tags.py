"""A learner's credentials, for their dashboard and credentials page: the links a learner shares
(the public page, LinkedIn's "add a certification" form). Formatting only: the credentials come
from the view (learners.selectors.learner_dashboard, credentials.selectors)."""

from urllib.parse import urlencode

from django import template
from django.conf import settings
from django.utils import timezone

from ..models import Credential
from ..services.issuance import verification_url

register = template.Library()

LINKEDIN_ADD_TO_PROFILE = "https://www.linkedin.com/profile/add"


@register.simple_tag
def credential_share_url(credential: Credential) -> str:
    """The public verification page, as a full address to paste anywhere."""
    return verification_url(credential.code)


@register.simple_tag
def credential_linkedin_url(credential: Credential) -> str:
    """LinkedIn's form to add the credential to a profile as a certification, filled in."""
    issued = timezone.localtime(credential.issued_at)
    query = urlencode(
        {
            "startTask": "CERTIFICATION_NAME",
            "name": credential.course.title,
            "organizationName": settings.PROGRAMME_NAME,
            "issueYear": issued.year,
            "issueMonth": issued.month,
            "certUrl": verification_url(credential.code),
            "certId": credential.code,
        }
    )
    return f"{LINKEDIN_ADD_TO_PROFILE}?{query}"
