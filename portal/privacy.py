"""The privacy notice's version: consent is recorded against it."""

PRIVACY_NOTICE_VERSION = "2026-11"
