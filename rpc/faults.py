"""The fixed table of XML-RPC fault codes, and the translation of refusals into faults.

| code | meaning |
|------|---------|
| 400  | invalid input: a value is missing, of the wrong type or malformed (the message names it) |
| 401  | unauthorized: an admin method was called without an administrator's credentials |
| 403  | forbidden: a 2008 appliance's call from an address not associated with its host, |
|      | or a new node the registered enrolment policy does not know |
| 404  | not found: no such host, bond, NIC or method |
| 409  | conflict: the request breaks a rule given the current state (the message names the rule) |
| 500  | internal error: logged on the server with a reference that the message quotes |
| 503  | busy: the database stayed contended; try again |
"""

from __future__ import annotations

import xmlrpc.client

from ovirt_node_config import errors

INVALID_INPUT = 400
UNAUTHORIZED = 401
FORBIDDEN = 403
NOT_FOUND = 404
CONFLICT = 409
INTERNAL = 500
BUSY = 503


def from_refusal(exc: errors.NodeConfigError) -> xmlrpc.client.Fault:
    return xmlrpc.client.Fault(errors.status_of(exc), exc.message)


def invalid(message: str) -> xmlrpc.client.Fault:
    return xmlrpc.client.Fault(INVALID_INPUT, message)


def internal(reference: str) -> xmlrpc.client.Fault:
    return xmlrpc.client.Fault(INTERNAL, f"internal error (reference {reference}); see the server log")
