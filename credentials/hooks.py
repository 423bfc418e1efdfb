"""What this app needs from higher apps, given to it at start-up (never imported from them)."""

from collections.abc import Callable

from portal.models import User

_display_name: Callable[[User], str] | None = None


def register_display_name(resolver: Callable[[User], str]) -> None:
    """learners registers how to find the name a learner wants on courses and certificates."""
    global _display_name
    _display_name = resolver


def learner_chosen_name(user: User) -> str:
    """Only the name the learner chose, or "" — never derived from an address (it may be their
    real one, or an internal placeholder holding a login code): for providers and credentials."""
    return (_display_name(user) if _display_name else "").strip()
