from django.core.exceptions import ValidationError


class EnrolmentNotAllowed(ValidationError):
    """A request the rules refuse; its message is shown to the person."""


class ProviderUnavailable(Exception):
    """The provider could not be reached or answered with an error; worth retrying."""


class ProviderRejected(Exception):
    """The provider refused the enrolment for good (4xx); retrying will not help."""


class NoCodesLeft(Exception):
    """The provider's code pool is empty; retried (an admin may import more), then failed."""


class CredentialNotAllowed(ValidationError):
    """A credential action the rules refuse; its message is shown to the person."""
