"""Administrators' accounts: who may administer, and how a caller proves it.

``admins`` keeps the accounts (scrypt password hashes); ``sessions`` the sessions ``login``
opens (token digests, a fixed lifetime); ``login_throttle`` backs off repeated password
failures per user and per address; ``authentication`` is the one step every interface (XML-RPC,
the console) takes before it runs a verb: a password or a session token in, an administrator
(with its role) out; ``roles`` says what each role may do; ``management`` keeps the accounts
through the API; ``refusals`` records refused logins and calls (bounded).

May import: persistence and the shared top-level modules. Imported by: verbs, console, rpc,
scripts, bench.
"""
