"""Fleet networks: a template (one network design) whose NICs are chosen on each node by what the
node reported, applied through the same use cases, rules and audit as an administrator's
changes. ``template`` reads a design, ``nic_selection`` picks a node's NICs for it, ``applying``
makes a node's inventory say it, in one transaction, or plans it (rolled back, with the file
that would result)."""
