"""The ``ovirt-node-admin`` subcommands of accounts (``accounts.management``): list, create with a
role, change a role, disable, enable, delete (an admin's), change one's own password (anyone's),
and the refusals recorded (an admin's). Registered by ``commands.build_parser`` with its
``command`` helper; each names its verb. A new password is read from
``$OVIRT_NODE_CONFIG_NEW_PASSWORD`` or asked twice at a terminal, never taken on the command
line (where ``ps`` and shell histories would show it)."""

from __future__ import annotations

from ovirt_node_config.accounts.roles import ROLES
from ovirt_node_config.admin_cli.network_commands import Command

ACCOUNT = ("name", {"metavar": "NAME", "help": "the account's name"})
ROLE = ("role", {"metavar": "ROLE", "choices": ROLES, "help": "viewer, operator or admin"})


def add(command: Command) -> None:
    command("accounts", "list the accounts with their roles", "list_accounts", show="accounts")
    command("account-create", "create an account with a role (its password: asked, or "
            "$OVIRT_NODE_CONFIG_NEW_PASSWORD)", "create_account", ACCOUNT, ROLE)  # fmt: skip
    command("account-role", "give an account another role", "set_role", ACCOUNT, ROLE)
    command("account-disable", "stop an account signing in; its sessions end", "disable_account", ACCOUNT)
    command("account-enable", "let a disabled account sign in again", "enable_account", ACCOUNT)
    command("account-delete", "delete an account and its sessions", "delete_account", ACCOUNT)
    command("passwd", "change your own password (the new one: asked, or $OVIRT_NODE_CONFIG_NEW_PASSWORD); "
            "your other sessions end", "change_password")  # fmt: skip
    command("refusals", "the newest refused logins and calls: who, from where, what, why",
            "list_refusals", show="refusals").add_argument(
        "--limit", type=int, default=100, metavar="N", help="at most N (1-1000, default 100)")  # fmt: skip
