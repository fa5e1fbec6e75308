"""The ``ovirt-node-admin`` subcommands of node trust (``ovirt_node_config.trust``): credentials (a
node's reset; whether every node's is required, and who still holds none: an upgraded fleet),
the claims held for an administrator, the 2008 appliances' addresses, and registrations.
Registered by ``commands.build_parser`` with its ``command`` helper; each names its verb."""

from __future__ import annotations

from ovirt_node_config.admin_cli.network_commands import Command

CREDENTIAL_FILTER = "only the nodes without a credential in use (none, or never presented), or with one"


def add(command: Command, host: tuple) -> None:
    command("node-reset-credential", "void a node's credential: its next boot enrols it anew (reinstalled)",
            "reset_credential", host)  # fmt: skip
    command(
        "credentials",
        "whether credentials are required; how many nodes hold none, one never presented, one in use",
        "credential_status",
    )
    command("credentials-required", "require every node's credential on every call (on), or serve a node "
            "whose credential was never presented without it (off: an upgraded fleet's old agents)",
            "set_credentials_required", ("required", {"choices": ("on", "off")}))  # fmt: skip
    claim = ("claim", {"metavar": "CLAIM", "help": "a claim's number, or the host name it names"})
    command("pending", "list new nodes waiting to be accepted", "list_claims", show="claims").set_defaults(
        kind="enrolment"
    )
    command(
        "claims",
        "list every claim held for an administrator (enrolments and conflicts)",
        "list_claims",
        show="claims",
    ).set_defaults(kind="")
    command("claim-show", "show a claim beside the current state", "show_claim", claim, show="claim")
    command("accept", "apply what a claim asked for (enrol a pending node)", "accept_claim", claim)
    command("reject", "drop a claim; nothing changes", "reject_claim", claim)
    address = ("address", {"metavar": "ADDRESS", "help": "the 2008 appliance's IP address"})
    command(
        "legacy-allow",
        "let the 2008 appliance at ADDRESS identify as HOST and fetch its config (no credential)",
        "associate_legacy_address",
        ("host", {"metavar": "HOST", "help": "host name"}),
        address,
    )
    command(
        "legacy-forbid",
        "no host for the 2008 appliance at ADDRESS",
        "associate_legacy_address",
        address,
    ).set_defaults(host="")
    command(
        "legacy-addresses",
        "list the addresses 2008 appliances may speak from (this list; the server's hosts file too)",
        "list_legacy_addresses",
        show="legacy",
    )
    command(
        "register",
        "register nodes by SMBIOS UUID or MAC before they boot (the 'registered' enrolment policy)",
        "register_nodes",
        ("values", {"metavar": "UUID_OR_MAC", "nargs": "+"}),
    )
    command(
        "unregister",
        "remove one registration",
        "unregister_node",
        ("value", {"metavar": "UUID_OR_MAC"}),
    )
    command(
        "registrations",
        "list the registered UUIDs and MACs",
        "list_registrations",
        show="registrations",
    )
