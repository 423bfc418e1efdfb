"""Account forms: sign up with an e-mail address or a phone number; sign in with either, or, for
learners registered in person, a login code."""

import unicodedata

import phonenumbers
from allauth.account.forms import ConfirmLoginCodeForm as AllauthConfirmLoginCodeForm
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import RequestLoginCodeForm as AllauthRequestLoginCodeForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.account.forms import VerifyPhoneForm as AllauthVerifyPhoneForm
from allauth.core import context, ratelimit
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from .models import User

# Characters a person may type in a phone number (any script's digits are accepted too).
_PHONE_PUNCTUATION = set("+-(). /")

PHONE_INVALID = _(
    "This is not a valid phone number. Check it, or write it with the country code, "
    "for example +962 79 123 4567."
)
PHONE_NEEDS_COUNTRY_CODE = _(
    "Write the number with its country code, starting with + (for example +962 79 123 4567)."
)
CODES_RATE_LIMITED = _(
    "Too many codes were sent to this number. Wait a few minutes, then ask for a new code."
)


def login_code_normalise(value: str) -> str:
    return "".join(ch for ch in value.upper() if ch.isalnum())


def phone_region_hint(language: str | None = None) -> str | None:
    """The country assumed for numbers written without a country code, or None.

    A per-language choice (PHONE_REGIONS_BY_LANGUAGE, e.g. {"uk": "UA"}) wins over the portal's
    PHONE_DEFAULT_REGION (e.g. "JO" for a programme run in Jordan).
    """
    language = (language or translation.get_language() or "").split("-")[0]
    region = settings.PHONE_REGIONS_BY_LANGUAGE.get(language) or settings.PHONE_DEFAULT_REGION
    return region.upper() or None


def phone_parse(value: str, *, region: str | None = None) -> str:
    """A phone number as typed (national with a region hint, or international) → E.164.

    Raises ValidationError with a message the person can act on.
    """
    text = (value or "").strip()
    if not text or any(not (ch.isdigit() or ch in _PHONE_PUNCTUATION) for ch in text):
        # Letters are never part of a number we accept (login codes have them).
        raise ValidationError(PHONE_INVALID, code="invalid_phone")
    compact = "".join(ch for ch in text if ch.isdigit() or ch == "+")
    if compact.startswith("00"):
        compact = "+" + compact[2:]  # the international prefix most countries use
    if region is None:
        region = phone_region_hint()
    if not compact.startswith("+") and not region:
        raise ValidationError(PHONE_NEEDS_COUNTRY_CODE, code="phone_needs_country_code")
    try:
        number = phonenumbers.parse(compact, None if compact.startswith("+") else region)
    except phonenumbers.NumberParseException as error:
        raise ValidationError(PHONE_INVALID, code="invalid_phone") from error
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(PHONE_INVALID, code="invalid_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class PhoneNumberField(forms.CharField):
    """A phone number in any usual notation, cleaned to E.164 (allauth's `phone_form_field`)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("label", _("Phone number"))
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
        )
        kwargs.setdefault(
            "help_text",
            _("With the country code (for example +962 79 123 4567), or as you dial it at home."),
        )
        super().__init__(*args, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        return phone_parse(value)


class LoginForm(AllauthLoginForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"] = forms.CharField(
            label=_("E-mail address, phone number or login code"),
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
        if email:
            return email
        try:
            return phone_parse(login)  # allauth then signs in by phone (E.164)
        except ValidationError:
            pass
        # An unknown code fails exactly like a wrong password: nothing tells codes apart.
        return f"unknown-{code[:16].lower()}@{settings.NO_EMAIL_DOMAIN}"


class SignupForm(AllauthSignupForm):
    """E-mail address or phone number: one of them is enough (both are fine)."""

    field_order = ["phone", "email", "password1", "password2"]

    def __init__(self, *args, **kwargs):
        # ACCOUNT_SIGNUP_FIELDS lists "email*" (allauth's checks want it with mandatory e-mail
        # verification); here a phone number may take its place.
        kwargs["email_required"] = False
        super().__init__(*args, **kwargs)
        self.fields["email"].label = _("E-mail address")
        self.fields["email"].help_text = _("Or leave it empty and give a phone number above.")
        self.fields["phone"].label = _("Phone number")
        self.order_fields(self.field_order)

    def clean(self):
        cleaned_data = super().clean()
        given = cleaned_data.get("email") or cleaned_data.get("phone")
        if not given and not self.has_error("email") and not self.has_error("phone"):
            raise ValidationError(
                _("Give a phone number or an e-mail address, so that you can sign in."),
                code="phone_or_email_required",
            )
        return cleaned_data

    def save(self, request):
        user = super().save(request)
        if not user.has_real_email:
            # The placeholder address (see AccountAdapter.save_user) can receive nothing; the
            # phone number is verified instead, as the assisted registration does for its own.
            from allauth.account.models import EmailAddress

            EmailAddress.objects.filter(user=user).update(verified=True)
            for address in getattr(user, "_emailaddress_cache", None) or []:
                address.verified = True
        return user


class RequestLoginCodeForm(AllauthRequestLoginCodeForm):
    """Sign in with a code sent by e-mail or SMS; too many requests get a clear message."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "email" in self.fields:
            self.fields["email"].label = _("E-mail address")
            self.fields["email"].help_text = _("Or leave it empty and give your phone number.")

    def clean_phone(self) -> str:
        phone = self.cleaned_data.get("phone")
        if phone and not ratelimit.consume(
            context.request, action="send_sms", key=phone, dry_run=True
        ):
            raise ValidationError(CODES_RATE_LIMITED, code="rate_limited")
        try:
            return super().clean_phone()
        except ValidationError as error:
            if any(e.code == "too_many_login_attempts" for e in error.error_list):
                raise ValidationError(CODES_RATE_LIMITED, code="rate_limited") from error
            raise


def digits_to_ascii(value: str) -> str:
    """'١٢٣٤٥٦' (Arabic-Indic) or '۱۲۳' (Persian) → '123456': codes typed on any keyboard."""
    return "".join(str(unicodedata.digit(ch)) if ch.isdigit() else ch for ch in value)


class _CodeInAnyDigitsMixin:
    """The six-digit code sent by SMS, typed with the digits of any script."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.update({"inputmode": "numeric"})

    def clean_code(self) -> str:
        self.cleaned_data["code"] = digits_to_ascii(self.cleaned_data["code"]).strip()
        return super().clean_code()


class VerifyPhoneForm(_CodeInAnyDigitsMixin, AllauthVerifyPhoneForm):
    pass


class ConfirmLoginCodeForm(_CodeInAnyDigitsMixin, AllauthConfirmLoginCodeForm):
    pass
