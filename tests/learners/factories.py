import io

import factory
from django.utils import timezone
from PIL import Image

from learners.models import LearnerProfile
from portal.privacy import PRIVACY_NOTICE_VERSION
from tests.partners.hostile_documents import simple_pdf
from tests.portal.factories import LearnerFactory


class LearnerProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LearnerProfile

    user = factory.SubFactory(LearnerFactory)
    display_name = factory.Sequence(lambda n: f"Learner {n}")
    country_of_residence = "JO"
    country_of_origin = "SY"
    consent_version = PRIVACY_NOTICE_VERSION
    consent_at = factory.LazyFunction(timezone.now)


# Real PNG images made with Pillow, for upload tests.
# A real one-page PDF (PDFium renders it), written by hand: every upload is rebuilt from pixels.
PDF_BYTES = simple_pdf()


def png_bytes(size=(8, 8), pnginfo=None) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="PNG", pnginfo=pnginfo)
    return out.getvalue()
