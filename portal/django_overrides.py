"""Django messages whose translations are missing or wrong in Django's own catalogues.

Django 5.2's password-length messages are absent from (or ungrammatical in) its Arabic and Farsi
catalogues. Marking them here makes `make messages` extract them into our catalogues, which are
consulted first (LOCALE_PATHS), so every language gets a correct translation.
"""

from django.utils.translation import ngettext_lazy

MESSAGES = [
    ngettext_lazy(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        "min_length",
    ),
    ngettext_lazy(
        "Your password must contain at least %(min_length)d character.",
        "Your password must contain at least %(min_length)d characters.",
        "min_length",
    ),
]
