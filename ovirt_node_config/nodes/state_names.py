"""The names of a node's states, in the order views list them (what each means and the rule that
gives one: ``states``). Its own module, importing nothing, so that the command line offers them
without loading the rule and the database behind it."""

STATES = (
    "ok",
    "pending reboot",
    "out of sync",
    "not checking",
    "degraded",
    "rolled back",
    "verify failed",
    "never applied",
)
