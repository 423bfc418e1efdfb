from django.core.exceptions import ValidationError


class TransitionNotAllowed(ValidationError):
    """A state change the state machine does not allow; its message is shown to the person."""
