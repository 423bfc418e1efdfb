"""The one API-key mechanism of the machine-client APIs (partners' case-management systems,
course providers' completion feeds); decision 0018.

- `portal.models.AbstractApiKey`: the stored key (prefix, hash, dates); each app's concrete key
  adds its owner (a partner, a provider).
- `services`: the key text and its hash, issuing, revoking and authenticating a key of any owner.
- `drf`: one authentication, one permission and one throttle class, each given the key model
  (and so the owner) by the view, and the base view both APIs use.

Who may create or revoke a key is each app's business (its own services call these).
"""
