"""The core app: the custom User, roles, the audit log, notifications, API keys, field
encryption, and the base templates and UI helpers every other app uses. It imports no app."""
