"""The administrators' verbs, declared once: ``table`` names each verb, its arguments and their
types, the use case that does it, whether it changes anything and the role it needs; ``calling``
runs one for an authenticated administrator (its role held to the verb's, binding the
arguments, the dry run, the answer's form); ``rest_routes`` gives each verb its HTTP method and
path in the REST API and ``openapi`` writes that API's document. Every interface reads the table:
the XML-RPC ``admin.*`` methods (``rpc/admin_methods.py``), the REST API (``rpc/rest_api.py``),
the CLI's subcommands (``admin_cli/commands.py``), the console's forms (``console/actions.py``).

May import: ``table`` nothing of the package but ``accounts.roles`` (the CLI reads it on an
administrator's machine);
``calling`` the rooms whose use cases the table names (accounts, trust, nodes, fleet), found by
name when a verb is first called, and persistence. Imported by: rpc, console, admin_cli.
"""
