"""Private file storage: evidence documents never get a public URL."""

from django.core.files.storage import storages


def private_storage():
    """The storage behind STORAGES["private"] (a folder outside the web root by default)."""
    return storages["private"]
