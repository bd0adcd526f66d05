"""The collaboration network and programme diffusion pages, and the network's downloads."""

from __future__ import annotations

import io
import re
import threading
from collections import OrderedDict
from typing import Any

from flask import Blueprint, Response, abort, render_template, request

from graph.network.collaboration import NetworkFilter, build_network
from graph.network.export import FORMATS, MEDIA_TYPES, write_network
from graph.pages.network import network_page, programmes_page
from web.state import store
from web.urls import entity_href

bp = Blueprint("network", __name__)

HEAT_LEVELS = 6


def request_filter(*, generic: str = "1") -> NetworkFilter:
    """The filter in the query string (``city``, ``year``, ``programme``, ``min_weight``, ``collective``,
    ``generic``; ``generic`` is the default of the last: the drawing leaves generic categories out)."""
    args = request.args
    return NetworkFilter.parse(city=args.get("city"), year=args.get("year"), programme=args.get("programme"),
                               min_weight=args.get("min_weight") or 1, collective=args.get("collective", "1"),
                               generic=args.get("generic", generic))


def page_params(flt: NetworkFilter) -> dict[str, str]:
    """The filter as the page's links write it (``generic=1`` when kept, the page's default being out)."""
    params = flt.params()
    if flt.generic:
        params["generic"] = "1"
    return params


# Network pages by (store version, filter): a version never changes, so a page computed once is
# served again from memory (the whole-corpus page takes seconds at 1,000 plans; a city-year ~10 ms).
_PAGES: OrderedDict[tuple[str, NetworkFilter], Any] = OrderedDict()
_PAGES_LOCK = threading.Lock()
PAGE_CACHE_SIZE = 64


def cached_network_page(flt: NetworkFilter) -> Any:
    """The network page of ``flt`` on the current store version, computed once per version."""
    st = store()
    version = getattr(st, "version", None)
    if version is None:  # a remote store can change under us: no cache
        return network_page(st, flt, link=entity_href)
    key = (str(version), flt)
    with _PAGES_LOCK:
        if key in _PAGES:
            _PAGES.move_to_end(key)
            return _PAGES[key]
    page = network_page(st, flt, link=entity_href)
    with _PAGES_LOCK:
        _PAGES[key] = page
        while len(_PAGES) > PAGE_CACHE_SIZE:
            _PAGES.popitem(last=False)
    return page


@bp.get("/network")
def network() -> Response:
    """The drawn network, its figures, the years' small multiples and the agency × programme table."""
    flt = request_filter(generic="0")
    page = cached_network_page(flt)
    body = render_template("network/network.html", page=page, params=page_params(flt),
                           formats=FORMATS, heat=heat_class, link=entity_href)
    return Response(body, status=404 if page.not_found else 200, mimetype="text/html")


@bp.get("/network.<fmt>")
def network_file(fmt: str) -> Response:
    """The network of the selection as GEXF (``dynamic=1``: spells per year), GraphML, CSV or JSON."""
    if fmt not in FORMATS:
        abort(404)
    flt = request_filter()
    table = request.args.get("table", "edges")
    dynamic = request.args.get("dynamic", "").lower() in ("1", "true", "yes", "on")
    net = build_network(store(), flt)
    if net.graph.get("not_found"):
        abort(404, description=net.graph["message"])
    buf = io.BytesIO()
    write_network(net, buf, fmt, dynamic=dynamic, table=table)
    resp = Response(buf.getvalue(), mimetype=MEDIA_TYPES[fmt].split(";")[0])
    if fmt == "csv":
        resp.headers["Content-Type"] = MEDIA_TYPES["csv"]
    name = file_stem(flt, net.graph.get("city") or "", net.graph.get("programme") or "")
    suffix = "-nodes" if fmt == "csv" and table == "nodes" else ("-edges" if fmt == "csv" else "")
    suffix += "-dynamic" if dynamic and fmt == "gexf" else ""
    resp.headers["Content-Disposition"] = f'attachment; filename="{name}{suffix}.{fmt}"'
    if net.graph.get("message"):
        resp.headers["X-Qgkg-Message"] = _ascii(net.graph["message"])
    return resp


@bp.get("/programmes")
def programmes() -> str:
    """Every programme: where and when it first appears, and a city × year heat map of its activities."""
    return render_template("network/programmes.html", d=programmes_page(store()), only=None,
                           heat=heat_class)


@bp.get("/programmes/<code>")
def programme(code: str) -> str:
    """One programme's diffusion: first city and year, activities per year, the city × year heat map."""
    d = programmes_page(store())
    if not any(p.code == code for p in d.programmes):
        abort(404, description=f"no programme {code!r} in the scheme")
    return render_template("network/programmes.html", d=d, only=code, heat=heat_class)


def heat_class(count: int, top: int) -> str:
    """A CSS class for a heat-map cell (the CSP allows no inline styles)."""
    if count <= 0 or top <= 0:
        return "heat-0"
    return f"heat-{1 + min(HEAT_LEVELS - 2, (count - 1) * (HEAT_LEVELS - 1) // top)}"


def file_stem(flt: NetworkFilter, city_iri: str, programme_iri: str) -> str:
    """A file name that says what the file holds: ``network-shanghai-2021``, ``network-all-cities-2019-2021``,
    then the programme and the other choices (``-min2``, ``-no-collective``, ``-no-generic``).

    >>> flt = NetworkFilter.parse(city="上海市", year="2021", generic="0")
    >>> file_stem(flt, "https://w3id.org/qgkg/id/city/shanghai", "")
    'network-shanghai-2021-no-generic'
    """
    parts = ["network", _slug(city_iri) if city_iri else "all-cities", flt.year_text or "all-years"]
    if programme_iri:
        parts.append(_slug(programme_iri))
    if flt.min_weight > 1:
        parts.append(f"min{flt.min_weight}")
    if not flt.collective:
        parts.append("no-collective")
    if not flt.generic:
        parts.append("no-generic")
    return "-".join(p.strip("-") for p in parts if p)


def _slug(value: str) -> str:
    text = re.sub(r"[^A-Za-z0-9_.-]+", "-", value.rsplit("/", 1)[-1]).strip("-")
    return text or "x"


def _ascii(text: str) -> str:
    return text.encode("ascii", "backslashreplace").decode("ascii")
