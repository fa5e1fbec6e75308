"""Each verb's place in the REST/JSON API (``/api/v1/``): its HTTP method and path, declared once
here as the CLI declares its subcommands; what a route takes and does is the verb's (its
arguments, role and use case in ``table``).

A path names some of the verb's arguments (``{host}``); the others come from the query string
(GET, DELETE) or the JSON body (POST, PUT, PATCH), by name. ``routes()`` checks every path's
names against its verb's arguments and that every verb but the dry run and the guarded change
has exactly one route: those two are the API's own ``?dry_run=true`` and ``If-Match``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from ovirt_node_config.verbs import table
from ovirt_node_config.verbs.table import Verb

PREFIX = "/api/v1"
_NAME = re.compile(r"\{([a-z_]+)\}")


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # under PREFIX, with {argument} parts
    verb: Verb

    @functools.cached_property
    def names(self) -> tuple[str, ...]:
        """The arguments the path names, in order."""
        return tuple(_NAME.findall(self.path))

    @functools.cached_property
    def pattern(self) -> re.Pattern:
        parts = _NAME.split(self.path)
        return re.compile(
            "".join(re.escape(part) if n % 2 == 0 else f"(?P<{part}>[^/]+)" for n, part in enumerate(parts))
        )

    @property
    def body_args(self) -> bool:
        """Do the arguments the path does not name come in a JSON body (else in the query)?"""
        return self.method in ("POST", "PUT", "PATCH")


_DECLARED = (
    # sessions, like ovirt-node-admin login / logout
    ("POST", "/sessions", "login"),
    ("DELETE", "/sessions/current", "logout"),
    # nodes
    ("GET", "/nodes", "list_nodes"),
    ("GET", "/nodes/{host}", "show_node"),
    ("DELETE", "/nodes/{host}", "delete_node"),
    ("GET", "/bonding-types", "list_bonding_types"),
    ("PUT", "/nodes/{host}/bonding-type", "set_bonding_type"),
    ("PUT", "/nodes/{host}/network-stack", "set_network_stack"),
    ("POST", "/nodes/{host}/bonds", "create_bonding"),
    ("DELETE", "/nodes/{host}/bonds/{bond}", "delete_bonding"),
    ("POST", "/nodes/{host}/bonds/{bond}/slaves", "enslave"),
    ("POST", "/nodes/{host}/bonds/{bond}/release", "release"),
    ("PATCH", "/nodes/{host}/bonds/{bond}/options", "set_bond_options"),
    ("PUT", "/nodes/{host}/bonds/{bond}/arp-monitor", "set_arp_monitor"),
    ("PUT", "/nodes/{host}/interfaces/{interface}/address", "set_address"),
    ("PUT", "/nodes/{host}/interfaces/{interface}/mtu", "set_mtu"),
    ("PUT", "/nodes/{host}/interfaces/{interface}/ipv6", "set_ipv6"),
    ("PUT", "/nodes/{host}/interfaces/{interface}/gateway", "set_gateway"),
    ("POST", "/nodes/{host}/interfaces/{interface}/routes", "add_route"),
    ("DELETE", "/nodes/{host}/routes", "delete_route"),
    ("PUT", "/nodes/{host}/dns", "set_dns"),
    ("POST", "/nodes/{host}/vlans", "create_vlan"),
    ("DELETE", "/nodes/{host}/vlans/{name}", "delete_vlan"),
    ("POST", "/nodes/{host}/bridges", "create_bridge"),
    ("DELETE", "/nodes/{host}/bridges/{name}", "delete_bridge"),
    ("POST", "/nodes/{host}/resync", "resync"),
    ("POST", "/nodes/{host}/credential-reset", "reset_credential"),
    ("GET", "/credentials", "credential_status"),
    ("PUT", "/credentials/required", "set_credentials_required"),
    ("PUT", "/nodes/{host}/template", "apply_template"),
    ("DELETE", "/nodes/{host}/template", "detach_template"),
    ("POST", "/nodes/{host}/template-plan", "plan_template"),
    ("POST", "/template-plans", "plan_template_fleet"),
    ("GET", "/nodes/{host}/config", "preview_config"),
    ("GET", "/nodes/{host}/network", "network_state"),
    ("GET", "/nodes/{host}/history", "history"),
    ("POST", "/nodes/{host}/networks", "attach_network"),
    ("DELETE", "/nodes/{host}/networks/{network}", "detach_network"),
    # logical networks, templates, rules, rollouts
    ("GET", "/networks", "list_networks"),
    ("GET", "/networks/{name}", "show_network"),
    ("PUT", "/networks/{name}", "set_network"),
    ("DELETE", "/networks/{name}", "delete_network"),
    ("GET", "/templates", "list_templates"),
    ("PUT", "/templates/{name}", "set_template"),
    ("PUT", "/templates/{name}/nmstate", "set_template_from_nmstate"),
    ("DELETE", "/templates/{name}", "delete_template"),
    ("GET", "/rules", "list_rules"),
    ("PUT", "/rules/{name}", "set_rule"),
    ("DELETE", "/rules/{name}", "delete_rule"),
    ("GET", "/drifted", "list_drifted"),
    ("GET", "/rollouts", "list_rollouts"),
    ("POST", "/rollouts", "start_rollout"),
    ("GET", "/rollouts/{name}", "show_rollout"),
    ("POST", "/rollouts/{name}/resume", "resume_rollout"),
    ("POST", "/rollouts/{name}/abandon", "abandon_rollout"),
    # trust
    ("GET", "/claims", "list_claims"),
    ("GET", "/claims/{claim}", "show_claim"),
    ("POST", "/claims/{claim}/accept", "accept_claim"),
    ("POST", "/claims/{claim}/reject", "reject_claim"),
    ("GET", "/legacy-addresses", "list_legacy_addresses"),
    ("PUT", "/legacy-addresses/{address}", "associate_legacy_address"),
    ("GET", "/registrations", "list_registrations"),
    ("POST", "/registrations", "register_nodes"),
    ("DELETE", "/registrations/{value}", "unregister_node"),
    # accounts
    ("GET", "/accounts", "list_accounts"),
    ("POST", "/accounts", "create_account"),
    ("PUT", "/accounts/{name}/role", "set_role"),
    ("POST", "/accounts/{name}/disable", "disable_account"),
    ("POST", "/accounts/{name}/enable", "enable_account"),
    ("DELETE", "/accounts/{name}", "delete_account"),
    ("PUT", "/password", "change_password"),
    ("GET", "/refusals", "list_refusals"),
)
OWN_FORMS = ("dry_run", "if_unchanged")  # ?dry_run=true and If-Match on a node's change


@functools.cache
def routes() -> tuple[Route, ...]:
    made = tuple(Route(method, path, table.verb(name)) for method, path, name in _DECLARED)
    for route in made:
        names = {arg.name for arg in route.verb.args}
        if not set(route.names) <= names:
            raise ValueError(f"{route.method} {route.path} names what {route.verb.name} does not take")
    routed = [route.verb.name for route in made]
    missing = {verb.name for verb in table.VERBS} - set(routed) - set(OWN_FORMS)
    if missing or len(routed) != len(set(routed)):
        raise ValueError(f"verbs without exactly one route: {sorted(missing) or routed}")
    return made


def find(method: str, path: str) -> tuple[Route | None, dict[str, str], tuple[str, ...]]:
    """The route of ``method`` ``path`` (under PREFIX) and the arguments its path gives, or
    None and the methods the path allows (none: no such path)."""
    allowed = []
    for route in routes():
        found = route.pattern.fullmatch(path)
        if found:
            if route.method == method:
                return route, found.groupdict(), ()
            allowed.append(route.method)
    return None, {}, tuple(allowed)
