"""An SMS backend for tests that keeps what it is asked to send (settings.SMS_BACKEND): the
gateway is outside the portal, so this is where a test looks at the texts that left."""


class RecordingBackend:
    sent: list[tuple[str, str]] = []

    def send(self, *, to: str, message: str, key: str | None = None) -> None:
        RecordingBackend.sent.append((to, message))
