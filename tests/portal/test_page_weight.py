"""Pages are light: a learner page is ≤ 60 KB compressed on a first visit, ≤ 15 KB on a repeat.

Each page is fetched as a browser on a slow link would: HTML, then every stylesheet, script,
image and font it references (and those the stylesheets reference), all with
`Accept-Encoding: br, gzip`, counting the bytes as transferred. On a repeat visit, assets with
far-future immutable caching are not fetched again.
"""

import re
from html.parser import HTMLParser
from urllib.parse import urljoin

import pytest

FIRST_VISIT_BUDGET = 60 * 1024
REPEAT_VISIT_BUDGET = 15 * 1024
ONE_YEAR = 365 * 24 * 60 * 60


class AssetParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.assets: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and attrs.get("href") and not attrs["href"].startswith("data:"):
            self.assets.append(attrs["href"])
        elif tag in {"script", "img", "source", "video", "audio"}:
            src = attrs.get("src") or ""
            if src and not src.startswith("data:"):
                self.assets.append(src)


CSS_URL = re.compile(r"url\(\s*['\"]?(?!data:)([^'\")]+)['\"]?\s*\)")


def fetch(client, path):
    response = client.get(path, HTTP_ACCEPT_ENCODING="br, gzip")
    assert response.status_code == 200, path
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def page_weight(client, path):
    html_response, html = fetch(client, path)
    assert html_response.get("Content-Encoding") == "gzip", "HTML must be sent compressed"
    parser = AssetParser()
    parser.feed(_decompress(html))
    first, repeat = len(html), len(html)
    seen = set()
    queue = [urljoin(path, a) for a in parser.assets]
    while queue:
        asset = queue.pop()
        if asset in seen:
            continue
        seen.add(asset)
        response, body = fetch(client, asset)
        assert response.get("Content-Encoding") in {"br", "gzip"} or len(body) < 1024, asset
        first += len(body)
        cache_control = response.get("Cache-Control", "")
        max_age = int(re.search(r"max-age=(\d+)", cache_control).group(1))
        if not (max_age >= ONE_YEAR and "immutable" in cache_control):
            repeat += len(body)
        if asset.endswith(".css"):
            text = _decompress(body, response.get("Content-Encoding"))
            queue.extend(urljoin(asset, u) for u in CSS_URL.findall(text))
    return first, repeat, seen


def _decompress(body: bytes, encoding: str = "gzip") -> str:
    import gzip

    import brotli

    if encoding == "br":
        return brotli.decompress(body).decode()
    if encoding == "gzip":
        return gzip.decompress(body).decode()
    return body.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/accounts/signup/", "/accounts/login/", "/privacy/"])
@pytest.mark.parametrize("language", ["en", "ar"])
def test_public_page_fits_the_2g_budget(client, path, language):
    client.cookies["django_language"] = language
    first, repeat, assets = page_weight(client, path)
    assert any(a.endswith(".css") for a in assets), "the stylesheet was counted"
    assert first <= FIRST_VISIT_BUDGET, f"{path} [{language}] first visit {first} bytes"
    assert repeat <= REPEAT_VISIT_BUDGET, f"{path} [{language}] repeat visit {repeat} bytes"


@pytest.mark.django_db
def test_static_assets_are_hashed_compressed_and_cached_for_a_year(client):
    _, html = fetch(client, "/")
    parser = AssetParser()
    parser.feed(_decompress(html))
    stylesheet = next(a for a in parser.assets if "bootstrap" in a)
    assert re.search(r"\.[0-9a-f]{12}\.css$", stylesheet), "hashed file name"
    response, _ = fetch(client, stylesheet)
    assert response["Content-Encoding"] == "br"
    assert "immutable" in response["Cache-Control"]
    assert f"max-age={ONE_YEAR}" in response["Cache-Control"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/learn/", "/learn/profile/", "/learn/apply/"])
@pytest.mark.parametrize("language", ["en", "ar"])
def test_signed_in_learner_pages_fit_the_2g_budget(client, path, language):
    from tests.learners.factories import LearnerProfileFactory
    from tests.partners.factories import PartnerFactory

    from .factories import LearnerFactory

    learner = LearnerFactory()
    LearnerProfileFactory(user=learner, country_of_residence="JO")
    PartnerFactory.create_batch(5, countries=["JO"], description="Helps refugees study. " * 10)
    client.force_login(learner)
    client.cookies["django_language"] = language
    first, repeat, _ = page_weight(client, path)
    assert first <= FIRST_VISIT_BUDGET, f"{path} [{language}] first visit {first} bytes"
    assert repeat <= REPEAT_VISIT_BUDGET, f"{path} [{language}] repeat visit {repeat} bytes"
