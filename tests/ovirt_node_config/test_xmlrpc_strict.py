"""Both roads of xmlrpc_strict.loads mean the same: the canonical one (a tree built in C) gives
what the standard Unmarshaller gives, and everything it does not take goes the standard way."""

import xmlrpc.client

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from support import make_report

from ovirt_node_config.xmlrpc_strict import (
    MAX_DEPTH,
    Declaration,
    NotCanonical,
    TooDeep,
    canonical_loads,
    loads,
    standard_loads,
)


def call(value: bytes) -> bytes:
    """A methodCall of ``m`` with one parameter, whose <value> holds ``value``."""
    return (
        b"<methodCall><methodName>m</methodName><params><param><value>"
        + value
        + b"</value></param></params></methodCall>"
    )


# What XML can carry: no surrogates, no control characters but tab, newline and carriage return.
TEXT = st.text(
    st.characters(
        blacklist_categories=("Cs",), blacklist_characters=[chr(c) for c in range(32) if c not in (9, 10, 13)]
    )
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**31), max_value=2**31 - 1)
    | st.floats(allow_nan=False)
    | TEXT
)
VALUES = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4)
)


def nesting(value) -> int:
    """How many arrays and structs deep ``value`` goes."""
    if isinstance(value, list | dict):
        inner = value.values() if isinstance(value, dict) else value
        return 1 + max(map(nesting, inner), default=0)
    return 0


@settings(max_examples=300)
@given(params=st.lists(VALUES, max_size=3), method=st.sampled_from(["identify", "get_config", None]))
def test_the_canonical_road_reads_what_the_standard_one_reads(params, method):
    assume(max(map(nesting, params), default=0) <= 8)  # deeper is refused (tested below)
    if method is None:  # an answer: exactly one value
        document = xmlrpc.client.dumps((params[0] if params else 0,), methodresponse=True, allow_none=True)
    else:
        document = xmlrpc.client.dumps(tuple(params), method, allow_none=True)
    data = document.encode("utf-8")
    assert canonical_loads(data) == standard_loads(data)  # the canonical road took it, and agrees


def test_a_real_identify_report_takes_the_canonical_road():
    data = xmlrpc.client.dumps((make_report(cpus=64),), "identify").encode()
    assert canonical_loads(data) == standard_loads(data) == ((make_report(cpus=64),), "identify")


@pytest.mark.parametrize(
    "data",
    [
        b"<methodCall><methodName>ping</methodName></methodCall>",
        call(b"bare <!-- c --> text"),
        call(b"<string/>"),
        call(b"<array><data/></array>"),
        call(b"<int>-7</int>"),
        call(b"<i4>+7</i4>"),
        '<?xml version="1.0" encoding="utf-16"?><methodCall><methodName>m</methodName></methodCall>'.encode(
            "utf-16"
        ),
    ],
)
def test_hand_written_canonical_documents(data):
    assert canonical_loads(data) == standard_loads(data)


ODD_DOCUMENTS = [
    # types the canonical road leaves to the standard one
    call(b"<base64>YQ==</base64>"),
    call(b"<dateTime.iso8601>20260101T00:00:00</dateTime.iso8601>"),
    call(b"<i2>7</i2>"),
    call(b"<ex:nil/>").replace(b"<methodCall>", b'<methodCall xmlns:ex="urn:x">'),
    # odd shapes the standard Unmarshaller tolerates in its own way
    call(b"<struct><member><value><int>1</int></value><name>a</name></member></struct>"),
    call(b"<array><value><int>1</int></value></array>"),
    call(b"<nil>x</nil>"),
    call(b"<string>a<b/>c</string>"),
    b"<methodCall><methodName>m</methodName><extra/></methodCall>",
    # refused either way, for the same reason
    call(b"<int>x</int>"),
    call(b"<int>1_024</int>"),  # Python's int() takes these; XML-RPC's grammar does not
    call(b"<i4> 7 </i4>"),
    call("<int>\u0661\u0662</int>".encode()),  # Arabic-Indic digits
    call("<i8>\uff17</i8>".encode()),  # a full-width 7
    call(b"<int>0x10</int>"),
    call(b"<boolean>2</boolean>"),
    b"<methodResponse></methodResponse>",
    b"<methodResponse><fault><value><struct><member><name>faultCode</name><value><int>4</int></value></member>"
    b"<member><name>faultString</name><value><string>no</string></value></member></struct></value></fault></methodResponse>",
    b"<methodCall><methodName>m</methodName>",
    b"<unknown/>",
]


def _outcome(read, data):
    try:
        return "value", read(data)
    except Exception as exc:  # noqa: BLE001 - compared by kind between the two roads
        return "error", type(exc)


@pytest.mark.parametrize("data", ODD_DOCUMENTS)
def test_what_is_not_canonical_goes_the_standard_way(data):
    with pytest.raises((NotCanonical, SyntaxError, ValueError, KeyError)):
        canonical_loads(data)
    assert _outcome(loads, data) == _outcome(standard_loads, data)


@pytest.mark.parametrize("depth", [12, 2000, 23000])
def test_documents_nested_too_deep_are_refused_on_both_roads(depth):
    data = (
        b"<methodCall><methodName>m</methodName><params><param>"
        + b"<value><array><data>" * depth
        + b"</data></array></value>" * depth
        + b"</param></params></methodCall>"
    )
    for read in (canonical_loads, standard_loads, loads):
        with pytest.raises(TooDeep):
            read(data)


def test_the_deepest_document_allowed_is_read():
    depth = (MAX_DEPTH - 5) // 3  # methodCall, params, param; three per array; value and int
    value = 7
    for _ in range(depth):
        value = [value]
    data = xmlrpc.client.dumps((value,), "m").encode()
    assert canonical_loads(data) == standard_loads(data) == ((value,), "m")
    with pytest.raises(TooDeep):
        loads(xmlrpc.client.dumps(([value],), "m").encode())


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_declarations_are_refused_on_the_canonical_road_too(encoding):
    document = f'<?xml version="1.0" encoding="{encoding}"?><!DOCTYPE m [<!ENTITY a "aaaa">]>'
    data = (document + call(b"&a;").decode()).encode(encoding)
    with pytest.raises(Declaration):
        canonical_loads(data)
    with pytest.raises(Declaration):
        loads(data)
