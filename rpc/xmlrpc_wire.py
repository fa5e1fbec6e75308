"""XML-RPC as clients written by others speak it: the request body in the charset its
``Content-Type`` names, where a malformed request broke, and answers without ``<nil/>`` for the
clients that cannot read it.

- **charset**: a body is read in the charset the ``charset`` parameter of ``Content-Type``
  names, which wins over the XML declaration's (RFC 7303); without one, as its declaration says
  (UTF-8 when it says nothing). A Latin-1 body from a client that says so only in the header is
  read as Latin-1.
- **malformed requests**: the fault names what broke and where (``not well-formed (invalid
  token) at line 3, column 12``).
- **nil**: the XML-RPC specification has no null. An absent value is left out of the struct that
  would hold it, unless the client can read ``<nil/>``: one that sent a nil itself, one that says
  so with ``X-XML-RPC-Nil: yes``, and Python's ``xmlrpc.client`` (``User-Agent: Python-xmlrpc``),
  which always reads it. Ruby's ``xmlrpc``, Frontier and aXMLRPC without its nil flag refuse a
  whole answer that holds one.
"""

from __future__ import annotations

import codecs
import re
import xmlrpc.client
from xml.parsers import expat

from ovirt_node_config.rpc import faults

from ovirt_node_config import xmlrpc_strict
from ovirt_node_config.nodes import kept_answers

NIL_HEADER = "x-xml-rpc-nil"
_UTF8 = ("utf-8", "utf8", "us-ascii", "ascii")
_CHARSET = re.compile(r";\s*charset\s*=\s*\"?([A-Za-z0-9._:+-]{1,40})\"?", re.IGNORECASE)
_DECLARATION = re.compile(r"\A\s*<\?xml[^>]*\?>")


class UnknownCharset(ValueError):
    """The ``Content-Type`` names a charset this server does not know."""


def request_body(body: bytes, content_type: str) -> bytes:
    """``body`` as UTF-8 XML when ``content_type`` names another charset (its declaration
    dropped: the header wins); as it came otherwise. Raises UnknownCharset, or the 400 fault of
    a body that is not in the charset it names."""
    named = _CHARSET.search(content_type)
    if named is None or named[1].lower() in _UTF8:
        return body
    try:
        codec = codecs.lookup(named[1])
    except LookupError:
        raise UnknownCharset(f"unknown charset {named[1]!r} in Content-Type") from None
    try:
        text = body.decode(codec.name)
    except UnicodeDecodeError as error:
        where = f"byte {error.start}"
        raise faults.invalid(f"the request is not in {named[1]}, as Content-Type says: {where}") from None
    return _DECLARATION.sub("", text, count=1).encode("utf-8")


def loads_strictly(data: bytes) -> tuple[tuple, str | None]:
    """A request's (params, method name), or a 400 fault naming what broke and where."""
    try:
        return xmlrpc_strict.loads(data)
    except (xmlrpc_strict.Declaration, xmlrpc_strict.TooDeep) as refusal:
        raise faults.invalid(str(refusal)) from None
    except expat.ExpatError as error:
        where = f"at line {error.lineno}, column {error.offset + 1}"
        raise faults.invalid(f"malformed XML-RPC request: {expat.ErrorString(error.code)} {where}") from None
    except ValueError as error:  # a value that is not what its tag says (an integer, a dateTime)
        raise faults.invalid(f"malformed XML-RPC request: {error}") from None
    except Exception:
        raise faults.invalid("malformed XML-RPC request: not an XML-RPC methodCall") from None


def reads_nil(headers: dict[str, str], params: tuple) -> bool:
    """Can the client that sent ``params`` with ``headers`` read ``<nil/>``? (module docstring)"""
    return (
        headers.get(NIL_HEADER, "").strip().lower() in ("yes", "1", "true")
        or headers.get("user-agent", "").startswith("Python-xmlrpc")
        or _holds_nil(params)
    )


def _holds_nil(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, dict):
        return any(_holds_nil(item) for item in value.values())
    if isinstance(value, list | tuple):
        return any(_holds_nil(item) for item in value)
    return False


def without_nil(value: object) -> object:
    """``value`` with every absent member left out of its structs (an absent item of an array,
    which cannot be left out without moving the others, is an empty string)."""
    if isinstance(value, dict):
        return {key: without_nil(item) for key, item in value.items() if item is not None}
    if isinstance(value, list | tuple):
        return ["" if item is None else without_nil(item) for item in value]
    return value


def marshal_answer(value: object) -> bytes:
    """The body of a successful answer (the same bytes whether computed now or kept)."""
    return kept_answers.answer_text(value).encode("utf-8", "xmlcharrefreplace")


def marshal_fault(fault: xmlrpc.client.Fault) -> bytes:
    return xmlrpc.client.dumps(fault, allow_none=True).encode("utf-8", "xmlcharrefreplace")
