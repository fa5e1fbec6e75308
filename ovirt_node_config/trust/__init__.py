"""Node identity and trust: who a calling node is, what it may change, and what is held back.

- ``credentials``: the per-node secret issued at enrolment and checked on every boot call.
- ``claims``: the pure rules that decide, from the stored state and a checked report, whether a
  report is the node's own to apply, needs its credential, or is a conflicting claim to hold.
- ``enrolment``: those rules in identify's transaction, the enrolment policy, the enrolment
  rate (``enrolment_rate``); what else runs with an applied report is handed in by the caller.
- ``held_claims``: the administrators' answers to held claims (list, show, accept, reject).
- ``registrations``: nodes registered before they boot, and the 2008 appliances' addresses.

May import: persistence, inventory and the shared modules; neither fleet nor the answers kept
for a node's next boot (the boot wing hands ``enrolment.identify`` what to run after a sync).
Imported by: boot, verbs, rpc, scripts.
"""
