"""What ``ovirt-node-admin`` prints: a result as a table (the default), JSON, or bare values.

``-o table`` draws each kind of result its own way (a node as a tree of its interfaces, lists as
tables); ``-o json`` prints the server's answer as it came; ``-o value`` prints bare values, one
row per line, for shell loops. ``-c COLUMN`` keeps the named keys of a record or of every row of a
list, in the order given, for all three.
"""

from __future__ import annotations

import json

from tabulate import tabulate

from ovirt_node_config.admin_cli import node_output

FORMATS = ("table", "json", "value")


def emit(
    result: object, show: str, output: str = "table", columns: list[str] | None = None, diffs: bool = False
) -> str:
    """The text to print for ``result`` (of the kind ``show``); ``diffs``: template plans with
    their diffs."""
    if columns:
        result = _keep(result, columns)
        if output == "table" and isinstance(result, list):
            return tabulate([[_flat(row.get(c)) for c in columns] for row in result], headers=columns)
        if output == "table" and isinstance(result, dict):
            return tabulate([[key, _flat(value)] for key, value in result.items()], tablefmt="plain")
    if output == "json":
        return json.dumps(result, indent=2, sort_keys=not columns)
    if output == "value":
        return _values(result)
    if show == "template-plan":
        return template_plans(result if isinstance(result, list) else [result], diffs)
    return render(result, show)


def template_plans(plans: list[dict], diffs: bool) -> str:
    """One line per node (what its file would gain and lose, or why the template fails there),
    each node's diff after it with ``diffs``, and the counts."""
    lines, counts = [], {"would change": 0, "no change": 0, "fails": 0}
    for plan in plans:
        if plan.get("fails"):
            counts["fails"] += 1
            lines.append(f"{plan['host']}  fails: {plan['fails']}")
            continue
        diff = plan["diff"].splitlines()
        added = sum(line.startswith("+") and not line.startswith("+++") for line in diff)
        removed = sum(line.startswith("-") and not line.startswith("---") for line in diff)
        counts["would change" if diff else "no change"] += 1
        lines.append(f"{plan['host']}  " + (f"+{added} -{removed} lines" if diff else "no change"))
        if diffs and diff:
            lines += [f"    {line}" for line in diff]
    summary = ", ".join(f"{count} {what}" for what, count in counts.items() if count)
    return "\n".join([*lines, "", summary])


def _keep(result: object, columns: list[str]) -> object:
    rows = result if isinstance(result, list) else [result]
    if not all(isinstance(row, dict) for row in rows):
        return result
    unknown = [c for c in columns if rows and all(c not in row for row in rows)]
    if unknown:
        known = sorted({key for row in rows for key in row})
        raise ValueError(f"no column {', '.join(unknown)}; columns: {', '.join(known)}")
    kept = [{c: row.get(c) for c in columns} for row in rows]
    return kept if isinstance(result, list) else kept[0]


def _values(result: object) -> str:
    if isinstance(result, list):
        return "\n".join(
            " ".join(_flat(v) for v in row.values()) if isinstance(row, dict) else _flat(row)
            for row in result
        )
    if isinstance(result, dict):
        return "\n".join(_flat(value) for value in result.values())
    return str(result).rstrip("\n")


def render(result: object, show: str) -> str:
    if show == "text":
        return str(result).rstrip("\n")
    if show == "nodes":
        columns = [
            "hostname",
            "state",
            "last_seen",
            "uuid",
            "arch",
            "memory_mb",
            "bonding_type",
            "nic_count",
            "bond_count",
            "credential",
            "agent_version",
        ]
        headers = ["HOST", "STATE", "LAST SEEN", "UUID", "ARCH", "MEMORY MB", "BONDING TYPE", "NICS", "BONDS"]
        headers += ["CREDENTIAL", "AGENT"]
        rows = [[row.get(c, "") for c in columns] for row in result]
        return tabulate(rows, headers=headers) if rows else "no nodes"
    if show == "types":
        rows = [[t["label"], t["mode"], t["kernel_name"], ", ".join(t["options"])] for t in result]
        return tabulate(rows, headers=["BONDING TYPE", "MODE", "KERNEL NAME", "BOND OPTIONS"])
    if show == "history":
        rows = [
            [e["at"], e["actor"], e["action"], "\n".join(changes(e["before"], e["after"]))] for e in result
        ]
        return tabulate(rows, headers=["WHEN", "WHO", "WHAT", "CHANGES"]) if rows else "no changes recorded"
    if show == "node":
        return node_output.render(result)
    if show in ("networks", "network"):
        return (
            node_output.render_networks(result) if show == "networks" else node_output.render_network(result)
        )
    if show == "bulk":
        rows = [[node["host"], node["status"], "\n".join(node["detail"])] for node in result["nodes"]]
        counts = ", ".join(f"{count} {status}" for status, count in result["counts"].items())
        return tabulate(rows, headers=["HOST", "RESULT", "WHAT"]) + f"\n\n{counts}"
    if show == "templates":
        rows = [[t["name"], t["rules"], t["nodes"], _parts(t["document"])] for t in result]
        return tabulate(rows, headers=["TEMPLATE", "RULES", "NODES", "WHAT"]) if rows else "no templates"
    if show == "rules":
        rows = [
            [r["priority"], r["name"], r["template"], _shown(r["match"]) if r["match"] else "every node",
             f"{r['placed']}" + (f" of {r['max_count']}" if r["max_count"] is not None else "")]
            for r in result
        ]  # fmt: skip
        return (
            tabulate(rows, headers=["PRIORITY", "RULE", "TEMPLATE", "MATCH", "PLACED"])
            if rows
            else "no rules"
        )
    if show == "rollouts":
        rows = [[r["name"], r["template"], r["state"], _counts(r["counts"])] for r in result]
        return tabulate(rows, headers=["ROLLOUT", "TEMPLATE", "STATE", "NODES"]) if rows else "no rollouts"
    if show == "rollout":
        head = f"{result['name']} ({result['template']}): {result['state']}"
        head += f", stopped by {result['stopped_reason']}" if result.get("stopped_reason") else ""
        head += f"; canary {result['canary']}, at most {result['max_pending']} pending"
        head += f"; {_counts(result['counts'])}"
        rows = [[n["hostname"], n["status"], n["reason"] or ""] for n in result.get("nodes", [])]
        return head + ("\n\n" + tabulate(rows, headers=["HOST", "STATUS", "WHY"]) if rows else "")
    if show == "drifted":
        rows = [[d["host"], d["template"], "\n".join(d["changes"])] for d in result]
        return (
            tabulate(rows, headers=["HOST", "TEMPLATE", "CHANGED BY HAND"]) if rows else "no node has drifted"
        )
    if show == "deleted":
        return f"deleted {result['deleted']}: " + _what_goes(result)
    if show == "claims":
        columns = ["id", "kind", "hostname", "uuid", "address", "via", "at", "description"]
        rows = [[claim.get(c, "") for c in columns] for claim in result]
        headers = ["CLAIM", "KIND", "HOST", "UUID", "FROM", "PATH", "WHEN", "WHAT IT WOULD DO"]
        return tabulate(rows, headers=headers) if rows else "no claims"
    if show == "claim":
        return _render_claim(result)
    if show == "registrations":
        rows = [[entry["kind"], entry["value"]] for entry in result]
        return tabulate(rows, headers=["KIND", "VALUE"]) if rows else "no registrations"
    if show == "yaml":
        import yaml  # only this command needs it

        return yaml.safe_dump(result, sort_keys=False).rstrip("\n")
    if show == "accounts":
        rows = [[a["name"], a["role"], "yes" if a["enabled"] else "no", a["created_at"]] for a in result]
        return tabulate(rows, headers=["NAME", "ROLE", "ENABLED", "CREATED"]) if rows else "no accounts"
    if show == "refusals":
        rows = [[r["at"], r["actor"], r["address"], r["what"], r["why"]] for r in result]
        return tabulate(rows, headers=["WHEN", "WHO", "FROM", "WHAT", "WHY"]) if rows else "no refusals"
    if show == "legacy":
        rows = [[entry["address"], entry["hostname"]] for entry in result]
        return tabulate(rows, headers=["ADDRESS", "HOST"]) if rows else "no addresses"
    if isinstance(result, dict):
        return tabulate([[key, _flat(value)] for key, value in result.items()], tablefmt="plain")
    return str(result)


def _counts(counts: dict) -> str:
    return ", ".join(f"{count} {status}" for status, count in counts.items() if count) or "no nodes"


def _parts(document: dict) -> str:
    """``bond0 (2 NICs) storage (VLAN 200) ovirtmgmt (bridge)``: what a template builds."""
    parts = [f"{bond['name']} (bond)" for bond in document.get("bonds", [])]
    parts += [
        f"{vlan.get('name') or vlan['parent'] + '.' + str(vlan['id'])} (VLAN {vlan['id']})"
        for vlan in document.get("vlans", [])
    ]
    parts += [f"{bridge['name']} (bridge)" for bridge in document.get("bridges", [])]
    return ", ".join(parts) or "no interfaces"


def deletion_summary(node: dict) -> str:
    """What deleting ``node`` (a ``show`` answer) takes with it."""
    names = {
        "nics": [nic["iface_name"] or nic["mac"] for nic in node["nics"]],
        "bonds": [bond["interface_name"] for bond in node["bonds"]],
        "vlans": [vlan["interface_name"] for vlan in node.get("vlans", [])],
        "bridges": [bridge["interface_name"] for bridge in node.get("bridges", [])],
    }
    return f"{node['hostname']} ({node['uuid'] or 'no UUID'}): " + _what_goes(names) + ", its history stays"


def _what_goes(names: dict) -> str:
    parts = [
        f"{len(names[kind])} {kind if len(names[kind]) != 1 else kind[:-1]} ({', '.join(names[kind])})"
        for kind in ("nics", "bonds", "vlans", "bridges")
        if names.get(kind)
    ]
    return "; ".join(parts) or "no interfaces"


def changes(before: object, after: object, prefix: str = "") -> list[str]:
    """What differs between two recorded states, one ``key: before -> after`` line per value
    (nested keys joined with dots); a state that appears or goes is shown whole."""
    if isinstance(before, dict) and isinstance(after, dict):
        lines = []
        for key in [*before, *(k for k in after if k not in before)]:
            lines += changes(before.get(key), after.get(key), f"{prefix}{key}.")
        return lines
    if before == after:
        return []
    name = prefix.rstrip(".") or "state"
    return [f"{name}: {_shown(before)} -> {_shown(after)}"]


def _shown(value: object) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, dict):
        return " ".join(f"{key}={_shown(item)}" for key, item in value.items())
    return _flat(value) or '""'


def _render_claim(claim: dict) -> str:
    """The claim beside what is stored now."""
    claimed, current = claim["claimed"], claim["current"]
    head = (
        f"claim {claim['id']} ({claim['kind']}): {claim['description']}; "
        f"from {claim['address']} by {claim['via']} at {claim['at']}"
    )

    def nics(side: dict) -> str:
        return ", ".join(f"{nic['iface_name']} {nic['mac']}" for nic in side.get("nics", [])) or "-"

    rows = [
        ["host name", claimed["hostname"], current.get("hostname", "(not stored)")],
        ["UUID", claimed["uuid"] or "-", current.get("uuid") or "-"],
        ["NICs", nics(claimed), nics(current)],
    ]
    lines = [head, "", tabulate(rows, headers=["", "CLAIMED", "STORED NOW"])]
    others = claim.get("macs_of_other_hosts", [])
    if others:
        lines += ["", "MACs it names that other hosts hold:"]
        lines += [f"  {entry['mac']}  {entry['hostname']}" for entry in others]
    return "\n".join(lines)


def _flat(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):  # bond options, as the kernel writes them
        return " ".join(
            f"{k}={','.join(map(str, v)) if isinstance(v, list) else v}" for k, v in value.items()
        )
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)
