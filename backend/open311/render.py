"""GeoReport v2 bodies in JSON and XML, with the same content.

XML is built with ElementTree, which escapes text; lists become repeated child elements named
as the spec names them (`<services><service>`, `<attributes><attribute>`...). None is an empty
element (JSON null), booleans are `true`/`false`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any
from xml.etree import ElementTree as ET

import orjson
from starlette.responses import Response

JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"
FORMATS = ("json", "xml")

# A list under this key holds elements of this name.
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}


# Characters XML 1.0 cannot carry at all (ElementTree writes them anyway, and the document no
# longer parses; a lone surrogate cannot even be encoded): shown as U+FFFD instead.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("\ufffd", str(value))


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, Mapping):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), child)
    elif isinstance(value, list | tuple):
        item_tag = ITEM_TAGS[element.tag]
        for child in value:
            _fill(ET.SubElement(element, item_tag), child)
    else:
        element.text = _text(value)


def to_xml(root: str, value: Any) -> bytes:
    """`value` (a list or a mapping) under a `root` element, with an XML declaration."""
    element = ET.Element(root)
    _fill(element, value)
    return ET.tostring(element, encoding="utf-8", xml_declaration=True)


def respond(
    fmt: str,
    root: str,
    value: Sequence[Any] | Mapping[str, Any],
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """The body in the requested format: JSON is the value itself, XML wraps it in `root`."""
    if fmt == "xml":
        return Response(to_xml(root, value), status, headers, media_type=XML_TYPE)
    return Response(orjson.dumps(value), status, headers, media_type=JSON_TYPE)


def errors(
    fmt: str, status: int, descriptions: Sequence[str], headers: Mapping[str, str] | None = None
) -> Response:
    """`[{code, description}]` / `<errors><error><code/><description/></error></errors>`."""
    body = [{"code": status, "description": description} for description in descriptions]
    return respond(
        fmt if fmt in FORMATS else "json", "errors", body, status=status, headers=headers
    )
