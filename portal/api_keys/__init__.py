"""The one API-key mechanism of the machine-client APIs (partners' case-management systems,
course providers' completion feeds); decision 0018.

- `portal.models.AbstractApiKey`: the stored key (prefix, hash, dates); each app's concrete key
  adds its owner (a partner, a provider).
- `services`: the key text and its hash, issuing, revoking and authenticating a key of any owner.
- `drf`: one authentication, one permission and one throttle class, and the base view of both
  APIs, which gives them the key model (and so the owner) and the throttle scope.

Who may create or revoke a key is each app's business (its own services call these).
"""
