"""Fleet networks: a template (one network design) whose NICs are chosen on each node by what the
node reported, applied through the same use cases, rules and audit as an administrator's
changes. ``template`` reads a design, ``nic_selection`` picks a node's NICs for it, ``applying``
makes a node's inventory say it, in one transaction, or plans it (rolled back, with the file
that would result); ``planning`` plans many nodes in memory; ``placement`` and ``catalogue``
keep templates and the rules that give them to new nodes; ``rollout`` rolls one out in waves.

May import: nodes, inventory, persistence, config_file, network and the shared modules.
Imported by: boot (placement at a first boot, rollouts on a boot report), verbs, console, rpc.
"""
