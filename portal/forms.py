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
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from .accounts import account_placeholder_addresses_forget
from .models import User
from .phones import (
    phone_country_choices,
    phone_region_default,
    phone_region_hint,
    phone_region_valid,
)

# Characters a person may type in a phone number (any script's digits are accepted too).
_PHONE_PUNCTUATION = set("+-(). /")

PHONE_INVALID = _(
    "This is not a valid phone number. Check it, or write it with the country code, "
    "for example +962 79 123 4567."
)
PHONE_NEEDS_COUNTRY_CODE = _(
    "Write the number with its country code, starting with + (for example +962 79 123 4567)."
)
PHONE_CHOOSE_COUNTRY = _(
    "Choose your country in the list next to the number, or write the number with its country "
    "code, starting with + (for example +962 79 123 4567)."
)
CODES_RATE_LIMITED = _(
    "Too many codes were sent to this number. Wait a few minutes, then ask for a new code."
)


def login_code_normalise(value: str) -> str:
    return "".join(ch for ch in value.upper() if ch.isalnum())


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


class TypedPhone(str):
    """What was typed in a phone field, with the country chosen beside it (None: no list was
    sent, "": "choose" was left)."""

    country: str | None = None

    def __new__(cls, text: str, country: str | None):
        typed = super().__new__(cls, text)
        typed.country = country
        return typed


def _request():
    return getattr(context, "request", None)


class PhoneWithCountryInput(forms.TextInput):
    """The number, and beside it a list of countries with their calling codes ("Jordan (+962)")
    named `<name>_country`: plain HTML, no JavaScript. A number written with + or 00 ignores the
    list."""

    input_type = "tel"
    country_first = True  # "+962" reads before the number, as it is dialled

    def __init__(self, attrs=None):
        base = {"autocomplete": "tel", "inputmode": "tel", "dir": "ltr"}
        super().__init__({**base, **(attrs or {})})

    def value_from_datadict(self, data, files, name) -> TypedPhone:
        country = data.get(name + "_country")
        return TypedPhone(data.get(name) or "", None if country is None else str(country))

    def value_omitted_from_data(self, data, files, name) -> bool:
        return name not in data and name + "_country" not in data

    def render(self, name, value, attrs=None, renderer=None):
        number = super().render(name, value, attrs, renderer)
        chosen = getattr(value, "country", None)
        if chosen is None:
            chosen = phone_region_default(_request()) or ""
        select_id = f"{(attrs or {}).get('id') or 'id_' + name}_country"
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (code, " selected" if code == chosen else "", label)
                for code, label in [("", _("Country…")), *phone_country_choices()]
            ),
        )
        select = format_html(
            '<select name="{}_country" id="{}" class="form-select phone-country" '
            'aria-label="{}" autocomplete="country">{}</select>',
            name,
            select_id,
            _("Country of the phone number"),
            options,
        )
        first, second = (select, number) if self.country_first else (number, select)
        return format_html('<div class="input-group">{}{}</div>', first, second)


class PhoneNumberField(forms.CharField):
    """A phone number in any usual notation, cleaned to E.164 (allauth's `phone_form_field`).

    A national number (079 123 4567) is read in the country chosen beside the field, or, when
    the form sends no list, in the country the page knows (`portal.phones`).
    """

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("label", _("Phone number"))
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("widget", PhoneWithCountryInput())
        kwargs.setdefault(
            "help_text",
            _(
                "As you dial it at home, with your country chosen in the list, or with the "
                "country code (for example +962 79 123 4567)."
            ),
        )
        super().__init__(*args, **kwargs)

    def clean(self, value):
        country = getattr(value, "country", None)
        value = super().clean(value)
        if not value:
            return value
        return phone_parse_typed(value, country)


def phone_parse_typed(text: str, country: str | None) -> str:
    """A number from a field with a country list beside it → E.164."""
    if country is None:
        region = phone_region_default(_request())
    elif country and phone_region_valid(country):
        region = country.upper()
    else:
        region = ""
    try:
        return phone_parse(text, region=region)
    except ValidationError as error:
        if error.code == "phone_needs_country_code":
            raise ValidationError(PHONE_CHOOSE_COUNTRY, code="phone_needs_country") from error
        raise


class LoginInput(PhoneWithCountryInput):
    """The sign-in field takes an e-mail address, a phone number or a login code; the country
    list beside it is for a number dialled as at home."""

    input_type = "text"
    country_first = False  # most people type an address here: the field first


class LoginForm(AllauthLoginForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"] = forms.CharField(
            label=_("E-mail address, phone number or login code"),
            max_length=254,
            help_text=_(
                "For a phone number written as you dial it at home, choose your country in the "
                "list."
            ),
            widget=LoginInput(
                attrs={
                    "autocomplete": "username",
                    "autocapitalize": "none",
                    "spellcheck": "false",
                    "inputmode": "text",
                    "dir": "auto",
                }
            ),
        )

    def clean_login(self) -> str:
        name = self.add_prefix("login")
        country = self.fields["login"].widget.value_from_datadict(self.data, self.files, name)
        login = super().clean_login()
        if "@" in login:
            return login
        code = login_code_normalise(login)
        if not _login_code_shaped(code):
            # Only a phone number can be meant: say what is missing. This depends on what was
            # typed, never on an account.
            try:
                return phone_parse_typed(login, country.country)
            except ValidationError as error:
                if error.code == "phone_needs_country":
                    raise
        email = User.objects.filter(login_code=code).values_list("email", flat=True).first()
        if email:
            return email
        try:
            # allauth then signs in by phone (E.164); an unknown number fails exactly like a
            # wrong password, as an unknown address does.
            return phone_parse_typed(login, country.country)
        except ValidationError:
            pass
        # An unknown code fails exactly like a wrong password: nothing tells codes apart.
        return f"unknown-{code[:16].lower()}@{settings.NO_EMAIL_DOMAIN}"


def _login_code_shaped(code: str) -> bool:
    """Could be a login code (learners/services/assisted.py: 8 letters and digits)."""
    return len(code) == 8 and code.isascii() and code.isalnum()


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
            # The placeholder address (see AccountAdapter.save_user) is nobody's and can receive
            # nothing: allauth's row for it goes (or the e-mail pages would list it), and the
            # phone number is verified instead (AccountAdapter.get_login_stages).
            account_placeholder_addresses_forget(user=user)
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
