"""Who may do what: the three roles, in order, and the one check every interface asks.

``viewer`` reads (nodes, show, history, previews, plans, claims, templates, rollouts);
``operator`` also changes nodes, applies templates, starts, resumes and abandons rollouts and
answers claims about nodes; ``admin`` also keeps accounts, registrations, enrolment answers,
credential resets, node deletion and server-wide settings. Each verb names the role it needs
(``verbs/table.py``); a role allows what every role before it allows.
"""

from __future__ import annotations

from ovirt_node_config.errors import Forbidden

ROLES = ("viewer", "operator", "admin")


def allows(role: str, needed: str) -> bool:
    """Does ``role`` allow what ``needed`` allows? (an unknown role allows nothing)"""
    return role in ROLES and ROLES.index(role) >= ROLES.index(needed)


def check(name: str, role: str, needed: str, what: str) -> None:
    """Forbidden (403) unless ``role`` allows ``needed``; the refusal names the role needed."""
    if not allows(role, needed):
        raise Forbidden(
            f"{what} needs the {needed} role; {name} is a{'n' if role[:1] in 'aeiou' else ''} {role}"
        )
