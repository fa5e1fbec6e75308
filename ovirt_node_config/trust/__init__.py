"""Node identity and trust: who a calling node is, what it may change, and what is held back.

- ``credentials``: the per-node secret issued at enrolment and checked on every boot call.
- ``claims``: the pure rules that decide, from the stored state and a checked report, whether a
  report is the node's own to apply, needs its credential, or is a conflicting claim to hold.
- ``enrolment``: those rules in identify's transaction, the enrolment policy, and the
  administrators' answers to held claims (accept, reject).
"""
