"""The standard library's XML-RPC unmarshalling, with the parser refusing declarations.

A DOCTYPE or an entity declaration has no place in XML-RPC; refusing it in the parser (not by
searching bytes) holds in every encoding a document may declare. Used by the server for
requests and by the clients for answers.
"""

from __future__ import annotations

import xmlrpc.client
from xml.parsers import expat


class Declaration(ValueError):
    """The document declares a DOCTYPE or an entity."""


def _refuse(*_args) -> None:
    raise Declaration("XML-RPC documents must not hold a DOCTYPE or entity declarations")


def parser() -> tuple[expat.XMLParserType, xmlrpc.client.Unmarshaller]:
    """What ``xmlrpc.client.getparser()`` gives, with the two refusals: feed it with ``Parse``."""
    unmarshaller = xmlrpc.client.Unmarshaller(use_builtin_types=True)
    parsing = expat.ParserCreate(None, None)
    parsing.StartElementHandler = unmarshaller.start
    parsing.EndElementHandler = unmarshaller.end
    parsing.CharacterDataHandler = unmarshaller.data
    unmarshaller.xml(None, None)
    parsing.StartDoctypeDeclHandler = _refuse
    parsing.EntityDeclHandler = _refuse
    return parsing, unmarshaller


def loads(data: bytes) -> tuple[tuple, str | None]:
    """(params, method name or None) of a whole document; raises Declaration, expat.ExpatError
    or xmlrpc.client.ResponseError (and Fault, for a fault answer)."""
    parsing, unmarshaller = parser()
    parsing.Parse(data, True)
    return unmarshaller.close(), unmarshaller.getmethodname()
