"""Print a new Ed25519 signing key for CREDENTIAL_SIGNING_KEY (keep it secret)."""

from django.core.management.base import BaseCommand

from credentials.vc.keys import SigningKey, private_key_to_text


class Command(BaseCommand):
    help = "Print a new Ed25519 private key for CREDENTIAL_SIGNING_KEY, and its did:key to stderr."

    def handle(self, *args, **options):
        key = SigningKey.generate()
        self.stdout.write(private_key_to_text(key.private_key))
        self.stderr.write(f"did: {key.did}")
