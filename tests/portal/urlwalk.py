"""Every URL pattern of the portal, with sample arguments, for permission tests."""

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

SAMPLE_BY_CONVERTER = {"int": "1", "str": "sample", "slug": "sample", "uuid": None, "path": "a/b"}
UUID_SAMPLE = "00000000-0000-0000-0000-000000000001"


@dataclass(frozen=True)
class WalkedURL:
    name: str
    path: str


def _route_sample(route: str) -> str:
    def convert(match: re.Match) -> str:
        converter = match.group(1) or "str"
        sample = SAMPLE_BY_CONVERTER.get(converter, "sample")
        return UUID_SAMPLE if sample is None else sample

    return re.sub(r"<(?:(\w+):)?\w+>", convert, route)


def _regex_sample(regex: str) -> str:
    regex = regex.lstrip("^").rstrip("$").replace(r"\Z", "")

    def group(match: re.Match) -> str:
        body = match.group(1)
        if "|" in body:
            return body.split("|")[0]
        if r"\d" in body or "0-9" in body:
            return "1"
        return "sample"

    sample = re.sub(r"\(\?P<\w+>((?:[^()]|\([^()]*\))*)\)", group, regex)
    sample = re.sub(r"\(\?:[^)]*\)\??", "", sample)
    return sample.replace("\\", "")


def _sample(pattern) -> str:
    if isinstance(pattern, RoutePattern):
        return _route_sample(str(pattern._route))
    if isinstance(pattern, RegexPattern):
        return _regex_sample(pattern._regex)
    return str(pattern)


def walk_urls(resolver: URLResolver | None = None, prefix: str = "/", namespace: str = ""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        path = prefix + _sample(entry.pattern)
        if isinstance(entry, URLResolver):
            ns = entry.namespace
            child_ns = f"{namespace}{ns}:" if ns else namespace
            yield from walk_urls(entry, path, child_ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield WalkedURL(name=f"{namespace}{entry.name}", path=path)
