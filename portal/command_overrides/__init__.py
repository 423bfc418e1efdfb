"""Management commands of Django's own apps that the portal replaces (docs/decisions/0014).

A separate app, with no models, signals or templates, listed before django.contrib.auth in
INSTALLED_APPS: of two apps with a command of the same name, Django runs the one listed first.
The portal app itself stays where it is (its post_migrate receiver must run after
django.contrib.auth has created every permission).
"""
