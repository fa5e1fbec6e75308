"""The table of administrators' verbs against the use cases it names and the interfaces that
read it: every verb reaches a use case that takes exactly the declared arguments, and XML-RPC,
the CLI and the console expose only what the table lists."""

import contextlib
import inspect

import pytest

from ovirt_node_config.accounts.authentication import Authenticated
from ovirt_node_config.admin_cli.commands import build_parser
from ovirt_node_config.console import actions
from ovirt_node_config.verbs import calling, table

# What a use case is handed before the verb's arguments, by name, and its parameter's name.
TAKEN = {"db": "db", "actor": "actor", "trust": "trust", "caller": "caller", "invocation": "invocation"}


@pytest.mark.parametrize("verb", table.VERBS, ids=lambda verb: verb.name)
def test_each_verb_names_a_use_case_that_takes_its_arguments(verb):
    """The table names the arguments (interfaces carry them by these names); the use case takes
    them in that order after what ``takes`` hands it, and nothing more it would not default."""
    parameters = list(inspect.signature(calling.use_case(verb)).parameters.values())
    taken, declared = parameters[: len(verb.takes)], parameters[len(verb.takes) :]
    assert [p.name for p in taken] == [TAKEN[what] for what in verb.takes]
    assert len(declared) >= len(verb.args)
    assert all(p.default is not inspect.Parameter.empty for p in declared[len(verb.args) :])
    assert {arg.type for arg in verb.args} <= set(table.TYPES)
    assert verb.role in table.ROLES


def test_an_argument_left_out_takes_the_tables_default(db):
    """``admin.start_rollout`` without canary and max_pending: the table's 1 and 10."""
    verb = table.verb("start_rollout")
    seen = []
    invocation = calling.Invocation(db, None, Authenticated("alice", role="admin"))
    calling.use_case.cache_clear()
    original = calling.use_case
    try:
        calling.use_case = lambda chosen: lambda *args: seen.append(args) or {}
        calling.call(invocation, verb, ("r1", "t1", ["node1"]))
    finally:
        calling.use_case = original
    assert seen[0][2:] == ("r1", "t1", ["node1"], 1, 10)


def test_the_dry_run_tries_each_change_to_one_node():
    assert table.dry_runnable() == tuple(v.name for v in table.VERBS if v.changes and v.names_a_node)
    assert "set_bonding_type" in table.dry_runnable() and "show_node" not in table.dry_runnable()
    assert "dry_run" not in table.dry_runnable()


def test_the_cli_calls_only_verbs_and_reaches_nearly_all():
    parser = build_parser()
    subcommands = parser._subparsers._group_actions[0].choices
    called = {sub.get_default("method") for sub in subcommands.values()}
    assert called <= {verb.method for verb in table.VERBS}
    # The dry run is the CLI's own --dry-run and bulk plan, if_unchanged its --if-version and bulk
    # apply; plan_template_fleet its template-plan --hosts.
    assert {verb.method for verb in table.VERBS} - called == {
        "admin.dry_run",
        "admin.if_unchanged",
        "admin.plan_template_fleet",
    }


def test_the_cli_offers_many_nodes_exactly_where_a_verb_changes_one_node():
    parser = build_parser()
    for name, sub in parser._subparsers._group_actions[0].choices.items():
        verb = table.verb(sub.get_default("method"))
        flags = {option for action in sub._actions for option in action.option_strings}
        if verb.changes and verb.names_a_node:
            assert {"--hosts", "--dry-run", "--yes", "--if-version"} <= flags, name
        elif name not in ("template-plan", "rollout-start"):  # they select nodes to read or roll out
            assert "--hosts" not in flags, name


class _OneConnection:
    """A database whose transactions run their work at once (what the calls do is not the point)."""

    def write(self, work):
        return work(None)

    read = write


def test_the_console_calls_only_verbs(monkeypatch):
    called = []
    monkeypatch.setattr(calling, "call", lambda invocation, verb, params: called.append(verb.name) or {})
    for name, (fields, _, declared) in actions.ACTIONS.items():
        form = {field: ["1"] for field in fields}
        before = len(called)
        # a form that reads its verb's answer stops there: its first call is recorded already
        with contextlib.suppress(AttributeError, TypeError, KeyError):
            actions.ACTIONS[name][1](_OneConnection(), "alice", "node1", form)
        assert set(called[before:]) <= set(declared), name  # the roles checked are those it needs
    assert set(called) <= set(table.BY_NAME)
    assert {"set_bonding_type", "create_bonding", "set_mtu", "apply_template"} <= set(called)
