"""XML parsing that refuses document type declarations, so entities can never expand.

Office Open XML never needs a DTD; a part that declares one is hostile (billion laughs, external
entities). Parsing uses expat directly with handlers that stop at the first declaration; the
same check guards the small parts that are then handed to ElementTree's C parser.
"""

from __future__ import annotations

from typing import IO
from xml.etree import ElementTree as ET
from xml.parsers import expat

CHUNK = 64 * 1024


class UnsafeXmlError(ValueError):
    """A part declares a DTD or an entity."""


def _refuse(*_args: object) -> int:
    raise UnsafeXmlError("DTD")


def make_parser() -> expat.XMLParserType:
    """Return an expat parser that raises UnsafeXmlError at any DTD or entity declaration."""
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    parser.UnparsedEntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.buffer_text = True
    return parser


def feed(parser: expat.XMLParserType, stream: IO[bytes]) -> None:
    """Feed a whole stream to a parser in chunks (handlers may raise to stop early)."""
    while True:
        chunk = stream.read(CHUNK)
        if not chunk:
            break
        parser.Parse(chunk, False)
    parser.Parse(b"", True)


def parse_tree(data: bytes) -> ET.Element:
    """Return the element tree of a small part after checking it declares no DTD."""
    make_parser().Parse(data, True)
    return ET.fromstring(data)


_LOCAL: dict[str, str] = {}


def local(name: str) -> str:
    """Return an element name without its namespace prefix ("x:c" -> "c")."""
    found = _LOCAL.get(name)
    if found is None:
        found = _LOCAL[name] = name[name.find(":") + 1 :]
    return found
