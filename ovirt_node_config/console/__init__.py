"""The web console: the fleet and each node's network in a browser, served by the server itself
under ``/ui/`` (server-rendered pages, Jinja2 templates, one style sheet, no script).

``app`` is the HTTP side (routes, sign-in, the session cookie, CSRF tokens, security headers);
``pages`` what each page shows; ``actions`` the administrators' changes, through the same use
cases as the admin API; ``picture`` the drawing of a node's network from the model the
configuration files are rendered from.
"""
