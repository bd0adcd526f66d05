"""The only place qgkg mints IRIs (docs/MODEL.md, "IRIs"): every IRI comes from a stable key.

Nothing here depends on load order: the same key always gives the same IRI.
"""

from __future__ import annotations

import hashlib
import re

from rdflib import URIRef

from qgkg.config import DEFAULT_BASE

_NON_SLUG = re.compile(r"[^a-z0-9]+")


def sha1_prefix(text: str, length: int) -> str:
    """The first ``length`` hex digits of the SHA-1 of ``text`` (UTF-8)."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:length]


def ascii_slug(text: str) -> str:
    """Lower-case ASCII slug with ``-`` separators (may be empty).

    >>> ascii_slug("Shanghai-2021 Plan")
    'shanghai-2021-plan'
    """
    return _NON_SLUG.sub("-", text.lower()).strip("-")


def file_slug(name: str) -> str:
    """Slug of a file name (without its extension); ``x-`` + SHA-1 prefix when it has no ASCII letter.

    >>> file_slug("shanghai-2021-plan.txt")
    'shanghai-2021-plan'
    >>> file_slug("上海质量月.txt")
    'x-a4c50b6e57'
    """
    stem = name.rsplit(".", 1)[0] if "." in name.strip(".") else name
    slug = ascii_slug(stem)
    if not re.search(r"[a-z]", slug):
        return "x-" + sha1_prefix(stem, 10)
    return slug


def _iri(base: str, path: str) -> URIRef:
    if not base.endswith("/"):
        base += "/"
    return URIRef(base + path)


def country(base: str = DEFAULT_BASE) -> URIRef:
    """The country (``id:country/cn``)."""
    return _iri(base, "country/cn")


def province(slug: str, base: str = DEFAULT_BASE) -> URIRef:
    """A province (``id:province/{slug}``)."""
    return _iri(base, f"province/{slug}")


def city(slug: str, base: str = DEFAULT_BASE) -> URIRef:
    """A city (``id:city/{slug}``): a prefecture-level unit, a municipality or a 省直辖 county-level city."""
    return _iri(base, f"city/{slug}")


def district(city_slug: str, slug: str, base: str = DEFAULT_BASE) -> URIRef:
    """A district of a city (``id:district/{city}/{slug}``)."""
    return _iri(base, f"district/{city_slug}/{slug}")


def county(parent_slug: str, slug: str, base: str = DEFAULT_BASE) -> URIRef:
    """A county, autonomous county, banner or county-level city (``id:county/{parent}/{slug}``); the
    parent is its prefecture-level city, or its province when none is above it."""
    return _iri(base, f"county/{parent_slug}/{slug}")


def unknown_place(base: str = DEFAULT_BASE) -> URIRef:
    """The jurisdiction of a document whose place is masked or missing (``id:place/unknown``)."""
    return _iri(base, "place/unknown")


def year(value: int, base: str = DEFAULT_BASE) -> URIRef:
    """A year (``id:year/{yyyy}``)."""
    return _iri(base, f"year/{value:04d}")


def programme(code: str, base: str = DEFAULT_BASE) -> URIRef:
    """A programme of the scheme (``id:programme/{code}``)."""
    return _iri(base, f"programme/{code}")


def agency(scope: tuple[str, ...], ident: str, base: str = DEFAULT_BASE) -> URIRef:
    """An agency: ``scope`` is ``("cn",)``, ``(city,)`` or ``(city, district)``; ``ident`` its gazetteer id."""
    return _iri(base, "agency/" + "/".join((*scope, ident)))


def unknown_agency_id(canonical: str) -> str:
    """Deterministic id of an agency that is not in the gazetteer: ``x-`` + SHA-1 of its zh-Hans name."""
    return "x-" + sha1_prefix(canonical, 10)


def url_slug(url: str) -> str:
    """Slug of a web page's URL: ``web-``, its host and path as ASCII (cut to 48), and 8 hex of its SHA-1.

    >>> url_slug("http://www.wuxi.gov.cn/zw/2022/plan.html")
    'web-www-wuxi-gov-cn-zw-2022-plan-3d51d543'
    """
    rest = url.split("://", 1)[-1].split("#", 1)[0]
    stem = rest.rsplit(".", 1)[0] if "." in rest.rsplit("/", 1)[-1] else rest
    return f"web-{ascii_slug(stem)[:48].strip('-')}-{sha1_prefix(url, 8)}"


def plan_slug(source: str) -> str:
    """The slug of a plan's source: a web page's ``url_slug`` or a file's ``file_slug``."""
    return url_slug(source) if source.startswith(("http://", "https://")) else file_slug(source)


def plan(source_name: str, base: str = DEFAULT_BASE) -> URIRef:
    """The plan of a file or web page (``id:plan/{slug of the file name or URL}``)."""
    return _iri(base, f"plan/{plan_slug(source_name)}")


def fragment(source_name: str, number: int, base: str = DEFAULT_BASE) -> URIRef:
    """The ``number``-th spliced fragment found in a file or page (``id:plan/{slug}/fragment-{n}``)."""
    return _iri(base, f"plan/{plan_slug(source_name)}/fragment-{number}")


def activity(plan_iri: URIRef, position: int) -> URIRef:
    """The activity at 1-based ``position`` in a plan (``{plan}/activity/{n}``)."""
    return URIRef(f"{plan_iri}/activity/{position}")


def document(number: str, base: str = DEFAULT_BASE) -> URIRef:
    """A document cited by its number, e.g. ``济发〔2018〕36号`` (``id:document/{sha1[:12]}``)."""
    return _iri(base, f"document/{sha1_prefix(number, 12)}")


def reference_graph(base: str = DEFAULT_BASE) -> URIRef:
    """The named graph holding the descriptions of shared entities."""
    return _iri(base, "graph/reference")
