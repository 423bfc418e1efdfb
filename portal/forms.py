"""Account forms: sign in with an e-mail address or, for learners registered in person, a code."""

from allauth.account.forms import LoginForm as AllauthLoginForm
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import User


def login_code_normalise(value: str) -> str:
    return "".join(ch for ch in value.upper() if ch.isalnum())


class LoginForm(AllauthLoginForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"] = forms.CharField(
            label=_("E-mail address or login code"),
            max_length=254,
            widget=forms.TextInput(
                attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
            ),
        )

    def clean_login(self) -> str:
        login = super().clean_login()
        if "@" in login:
            return login
        code = login_code_normalise(login)
        email = User.objects.filter(login_code=code).values_list("email", flat=True).first()
        # An unknown code fails exactly like a wrong password: nothing tells codes apart.
        return email or f"unknown-{code[:16].lower()}@{settings.NO_EMAIL_DOMAIN}"
