"""The web console: the fleet and each node's network in a browser, served by the server itself
under ``/ui/`` (server-rendered pages, Jinja2 templates, one style sheet, no script).

``app`` is the HTTP side (routes, sign-in and the session cookie through
``accounts.authentication``, CSRF tokens, security headers); ``pages`` what each page shows;
``actions`` the forms, each calling verbs of ``verbs.table``; ``picture`` the drawing of a
node's network from the model the configuration files are rendered from.

May import: verbs, fleet, nodes, accounts, persistence, network and the shared modules.
Imported by: rpc (the server hands it every request under ``/ui/``), bench.
"""
