"""Every administrator's verb, declared once.

A verb is what an administrator can ask of the server: its name (``admin.NAME`` over XML-RPC),
its arguments in order with their types and defaults, the use case that does it (a function
named ``module:function`` under ``ovirt_node_config``, found when it is first called, so that
this table can be read where the server's packages are not installed), what the use case takes
before the arguments, whether the verb changes anything, and the role it needs.

The use case decides everything (what a valid value is, every rule); the table only says how to
call it. Types name what a transport should carry, for its documentation and its parsing:
``host`` (a host name or SMBIOS UUID), ``text``, ``integer``, ``boolean``, ``list``, ``struct``,
or ``value`` (one of several types; the use case says which it takes).

What a use case takes first (``takes``): ``db`` the database, ``actor`` the administrator's name
(for the audit trail), ``trust`` the server's trust (credential key, policy), ``caller`` who
called and how (``accounts.authentication.Authenticated``), ``invocation`` all of these (the
dry run and ``if_unchanged``, which run another verb; the role that verb needs is the one that
counts).
"""

from __future__ import annotations

from dataclasses import dataclass

from ovirt_node_config.accounts.roles import ROLES  # noqa: F401 - the roles a verb may need

TYPES = ("host", "text", "integer", "boolean", "list", "struct", "value")
REQUIRED = object()  # an argument without a default


@dataclass(frozen=True)
class Arg:
    name: str
    type: str
    default: object = REQUIRED

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


@dataclass(frozen=True)
class Verb:
    name: str
    use_case: str  # "module:function" under ovirt_node_config
    args: tuple[Arg, ...] = ()
    changes: bool = True
    role: str = "operator"
    takes: tuple[str, ...] = ("db", "actor")
    # XML-RPC has no null in its core types: this verb's absent values travel as "".
    nulls_as_empty: bool = False
    doc: str = ""

    @property
    def method(self) -> str:
        """Its name over XML-RPC."""
        return f"admin.{self.name}"

    @property
    def names_a_node(self) -> bool:
        """Does it act on one node, named first (a bulk change or a dry run can then select many)?"""
        return bool(self.args) and self.args[0].type == "host"


def _read(name: str, use_case: str, *args: Arg, role: str = "viewer", doc: str = "") -> Verb:
    return Verb(name, use_case, args, changes=False, role=role, takes=("db",), doc=doc)


HOST = Arg("host", "host")
BOND = Arg("bond", "text")
MACS = Arg("macs", "list")
INTERFACE = Arg("interface", "text")
NAME = Arg("name", "text")
CLAIM = Arg("claim", "value")
DESTINATION = Arg("destination", "text")
TABLE = Arg("table", "integer", 0)
ACCOUNT = Arg("name", "text")

VERBS: tuple[Verb, ...] = (
    # Sessions, the dry run and the guarded change -------------------------------------------------
    Verb("login", "accounts.sessions:login_as", takes=("db", "caller"), role="viewer",
         doc="a session for the caller, who gave a password: its token (once) and expiry"),
    Verb("logout", "accounts.sessions:logout_as", (Arg("everywhere", "boolean", False),),
         takes=("db", "caller"), role="viewer",
         doc="end the session this call was made with (everywhere: every session of the caller)"),
    Verb("dry_run", "verbs.calling:dry_run", (Arg("method", "text"), Arg("params", "list")),
         changes=False, takes=("invocation",), role="viewer",
         doc="what a change would do, checked by every rule and rolled back, and the node's version"),
    Verb("if_unchanged", "verbs.calling:if_unchanged",
         (Arg("version", "integer"), Arg("method", "text"), Arg("params", "list")), takes=("invocation",),
         role="viewer",
         doc="a change to one node, refused (409) if the node changed since that version"),
    # Nodes --------------------------------------------------------------------------------------
    _read("list_nodes", "nodes.reads:list_nodes",
          Arg("after", "text", ""), Arg("limit", "integer", 1000), Arg("state", "text", ""),
          Arg("search", "text", ""), Arg("credential", "text", "")),
    _read("show_node", "nodes.reads:show_node", HOST),
    _read("list_bonding_types", "nodes.reads:list_bonding_types"),
    # The changes to one node (each may be dry-run) -----------------------------------------------
    Verb("set_bonding_type", "nodes.bond_options:set_bonding_type", (HOST, Arg("bonding_type", "value"))),
    Verb("set_network_stack", "nodes.lifecycle:set_network_stack", (HOST, Arg("stack", "text"))),
    Verb("create_bonding", "nodes.bonds:create_bonding",
         (HOST, NAME, Arg("interface_name", "text"), MACS, Arg("bonding_type", "value", ""))),
    Verb("delete_bonding", "nodes.bonds:delete_bonding", (HOST, BOND)),
    Verb("enslave", "nodes.bonds:enslave", (HOST, BOND, MACS)),
    Verb("release", "nodes.bonds:release", (HOST, BOND, MACS)),
    Verb("set_address", "nodes.addresses:set_address", (HOST, INTERFACE, Arg("settings", "struct")),
         nulls_as_empty=True),
    Verb("create_vlan", "nodes.host_networks:create_vlan",
         (HOST, Arg("parent", "text"), Arg("vlan_id", "integer"), Arg("name", "text", ""))),
    Verb("delete_vlan", "nodes.host_networks:delete_vlan", (HOST, NAME)),
    Verb("create_bridge", "nodes.host_networks:create_bridge",
         (HOST, NAME, Arg("ports", "list"), Arg("options", "struct", None))),
    Verb("delete_bridge", "nodes.host_networks:delete_bridge", (HOST, NAME)),
    Verb("set_mtu", "nodes.addresses:set_mtu", (HOST, INTERFACE, Arg("mtu", "value"))),
    Verb("set_ipv6", "nodes.addresses:set_ipv6", (HOST, INTERFACE, Arg("settings", "value"))),
    Verb("set_gateway", "nodes.layer3:set_gateway",
         (HOST, INTERFACE, Arg("family", "text", ""), Arg("gateway", "text", ""),
          Arg("default_route", "boolean", True)),
         doc="an interface's gateway of a family and whether it holds that family's default route"),
    Verb("add_route", "nodes.layer3:add_route",
         (HOST, INTERFACE, DESTINATION, Arg("next_hop", "text", ""), Arg("metric", "value", ""), TABLE),
         doc="a static route out of an interface"),
    Verb("delete_route", "nodes.layer3:delete_route", (HOST, DESTINATION, TABLE)),
    Verb("set_dns", "nodes.layer3:set_dns", (HOST, Arg("servers", "list"), Arg("search", "list", ())),
         doc="the node's name servers and search domains"),
    Verb("set_arp_monitor", "nodes.bond_options:set_arp_monitor",
         (HOST, BOND, Arg("address", "text"), Arg("interval_ms", "integer")), nulls_as_empty=True),
    Verb("set_bond_options", "nodes.bond_options:set_bond_options", (HOST, BOND, Arg("options", "struct"))),
    Verb("resync", "nodes.live_checks:request_resync", (HOST,),
         doc="the node's next live check applies its configuration again (apply, verify, rollback)"),
    Verb("reset_credential", "nodes.lifecycle:reset_credential", (HOST,), role="admin"),
    _read("credential_status", "trust.credential_use:credential_status",
          doc="whether credentials are required; hosts without one, with one never presented, using theirs"),
    Verb("set_credentials_required", "trust.credential_use:set_credentials_required",
         (Arg("required", "boolean"),), role="admin",
         doc="require every host's credential, even one its node never presented (off: upgraded fleets)"),
    Verb("delete_node", "nodes.lifecycle:delete_node", (HOST,), role="admin"),
    Verb("apply_template", "fleet.catalogue:apply_stored", (HOST, Arg("design", "value"))),
    Verb("detach_template", "fleet.catalogue:detach", (HOST,)),
    # Logical networks -------------------------------------------------------------------------------
    Verb("set_network", "logical_networks.catalogue:set_network", (NAME, Arg("settings", "struct")),
         doc="define a logical network, or change it on every node it is attached to"),
    _read("list_networks", "logical_networks.catalogue:list_networks"),
    _read("show_network", "logical_networks.catalogue:show_network", NAME),
    Verb("delete_network", "logical_networks.catalogue:delete_network", (NAME,)),
    Verb("attach_network", "logical_networks.attachments:attach",
         (HOST, Arg("network", "text"), INTERFACE, Arg("ipv4", "text", ""), Arg("ipv6", "text", ""),
          Arg("default_route", "boolean", False)),
         doc="attach a network to a NIC or bond: its VLAN, bridge, addresses, gateways, routes"),
    Verb("detach_network", "logical_networks.attachments:detach", (HOST, Arg("network", "text"))),
    # Templates, rules, rollouts -------------------------------------------------------------------
    Verb("plan_template", "fleet.catalogue:plan", (HOST, Arg("design", "value")),
         changes=False, role="viewer",
         doc="what a template (a struct, or a stored one's name) would make of the node"),
    Verb("plan_template_fleet", "fleet.catalogue:plan_fleet",
         (Arg("hosts", "list"), Arg("design", "value"), Arg("given", "struct", None)),
         changes=False, role="viewer", doc="plan_template over up to 1000 host names, without each config"),
    Verb("set_template", "fleet.catalogue:set_template", (NAME, Arg("document", "struct"))),
    Verb("set_template_from_nmstate", "fleet.catalogue:set_template_from_nmstate",
         (NAME, Arg("state", "struct")), doc="set_template from an NMState desired state"),
    _read("list_templates", "fleet.catalogue:list_templates"),
    Verb("delete_template", "fleet.catalogue:delete_template", (NAME,)),
    Verb("set_rule", "fleet.catalogue:set_rule", (NAME, Arg("settings", "struct"))),
    _read("list_rules", "fleet.catalogue:list_rules"),
    Verb("delete_rule", "fleet.catalogue:delete_rule", (NAME,)),
    _read("list_drifted", "fleet.catalogue:drifted"),
    Verb("start_rollout", "fleet.rollout:start",
         (NAME, Arg("template_name", "text"), Arg("hosts", "list"), Arg("canary", "integer", 1),
          Arg("max_pending", "integer", 10))),
    _read("list_rollouts", "fleet.rollout:list_rollouts"),
    _read("show_rollout", "fleet.rollout:show", NAME),
    Verb("resume_rollout", "fleet.rollout:resume", (NAME,)),
    Verb("abandon_rollout", "fleet.rollout:abandon", (NAME,)),
    _read("preview_config", "nodes.network_view:preview_config", HOST),
    _read("network_state", "nodes.network_view:network_state", HOST, Arg("format", "text", "nmstate"),
          doc="the node's network as it would get it now, as an NMState state"),
    _read("history", "nodes.reads:history", HOST, Arg("since", "text", "")),
    # Trust: claims, 2008 addresses, registrations --------------------------------------------------
    _read("list_claims", "trust.held_claims:list_claims", Arg("kind", "text", "")),
    _read("show_claim", "trust.held_claims:show_claim", CLAIM),
    Verb("accept_claim", "trust.held_claims:accept", (CLAIM,), role="admin", takes=("trust", "actor")),
    Verb("reject_claim", "trust.held_claims:reject", (CLAIM,), role="admin"),
    Verb("associate_legacy_address", "trust.registrations:associate_legacy_address",
         (Arg("host", "text"), Arg("address", "text")), role="admin"),
    _read("list_legacy_addresses", "trust.registrations:list_legacy_addresses"),
    Verb("register_nodes", "trust.registrations:register", (Arg("values", "list"),), role="admin"),
    Verb("unregister_node", "trust.registrations:unregister", (Arg("value", "text"),), role="admin"),
    _read("list_registrations", "trust.registrations:list_registrations"),
    # Accounts -------------------------------------------------------------------------------------
    _read("list_accounts", "accounts.management:list_accounts", role="admin"),
    Verb("create_account", "accounts.management:create_account",
         (ACCOUNT, Arg("password", "text"), Arg("role", "text")), role="admin"),
    Verb("set_role", "accounts.management:set_role", (ACCOUNT, Arg("role", "text")), role="admin"),
    Verb("disable_account", "accounts.management:disable_account", (ACCOUNT,), role="admin",
         doc="the account can no longer sign in; its sessions end"),
    Verb("enable_account", "accounts.management:enable_account", (ACCOUNT,), role="admin"),
    Verb("delete_account", "accounts.management:delete_account", (ACCOUNT,), role="admin"),
    Verb("change_password", "accounts.management:change_password",
         (Arg("old", "text"), Arg("new", "text")), takes=("db", "caller"), role="viewer",
         doc="the caller's own password; every other session of the caller ends"),
    _read("list_refusals", "accounts.refusals:recent", Arg("limit", "integer", 100), role="admin"),
)  # fmt: skip

BY_NAME = {verb.name: verb for verb in VERBS}


def verb(name: str) -> Verb:
    """The verb called ``name`` (``admin.NAME`` too); KeyError when there is none."""
    return BY_NAME[name.removeprefix("admin.")]


def dry_runnable() -> tuple[str, ...]:
    """The changes a dry run may try: each changes one node, named first."""
    return tuple(v.name for v in VERBS if v.changes and v.names_a_node)
