"""How ``ovirt-node-admin show`` prints one node: a summary, its interfaces as a tree from the
bridges down to the NICs (what each carries: MTU, addresses, gateways, default routes), its
NICs and bonds as tables, its static routes and resolver; and how ``networks`` and
``network-show`` print the logical networks."""

from __future__ import annotations

from tabulate import tabulate


def _stack(node: dict) -> str:
    """``keyfile (set by an administrator; the node reports ifcfg)``, ``ifcfg (reported)``, ..."""
    if node["network_stack_override"]:
        reported = node["reported_network_stack"] or "nothing"
        return f"{node['network_stack']} (set by an administrator; the node reports {reported})"
    if node["reported_network_stack"]:
        return f"{node['network_stack']} (reported by the node)"
    return f"{node['network_stack']} (the node does not say)"


def _lease(node: dict, nic: dict) -> str:
    """What DHCP gave the NIC at the last boot: its address, ``none``, or "" (not asked, unknown)."""
    lease = node.get("last_report", {}).get("leases", {}).get(nic["iface_name"])
    return "" if lease is None else lease or "none"


def render(node: dict) -> str:
    bonding_type = node["bonding_type"]
    summary = tabulate(
        [
            ["host", node["hostname"]],
            ["uuid", node["uuid"] or "-"],
            ["arch", node["arch"]],
            ["memory", f"{node['memory_mb']} MB"],
            ["cpus", node["cpus"]],
            [
                "bonding type",
                f"{bonding_type['label']} (mode {bonding_type['mode']})" if bonding_type else "-",
            ],
            ["network stack", _stack(node)],
            ["state", node.get("state_words", "-")],
            ["version", node["version"]],
            ["credential", node.get("credential", "-")],
            ["agent", node.get("agent_version") or "before 0.4.0 (it does not say)"],
            *_reported_bonds(node),
        ],
        tablefmt="plain",
    )
    nics = tabulate(
        [
            [
                n["mac"],
                n["iface_name"],
                n["bandwidth_mbps"] or "",
                n["boot_protocol"],
                n["ip_address"],
                n["link_state"] or "?",
                _lease(node, n),
                n["bond"],
            ]
            for n in node["nics"]
        ],
        headers=["MAC", "LAST NAME", "MBPS", "BOOT", "ADDRESS", "LINK", "LEASE", "BOND"],
    )
    bonds = tabulate(
        [
            [
                b["interface_name"],
                b["name"],
                ", ".join(b["slaves"]),
                b["boot_protocol"],
                b["ip_address"],
                b["bonding_opts"],
                "DEGRADED" if b["degraded"] else "ok",
            ]
            for b in node["bonds"]
        ],
        headers=["BOND", "NAME", "SLAVES", "BOOT", "ADDRESS", "BONDING_OPTS", "STATE"],
    )
    notes = [f"{b['interface_name']}: {note}" for b in node["bonds"] for note in b["notes"]]
    notes += [f"last boot: {warning}" for warning in node.get("last_report", {}).get("warnings", [])]
    return "\n\n".join(
        [
            summary,
            "network:\n" + "\n".join(_tree(node)),
            nics,
            bonds if node["bonds"] else "no bonds",
            *(["\n".join(notes)] if notes else []),
            *_routing(node),
            *_live_check(node),
        ]
    )


def _live_check(node: dict) -> list[str]:
    """What the node's last check of its live network found (nothing: never checked)."""
    check = node.get("live_check") or {}
    if not check.get("checked_at"):
        return []
    if check["differences"]:
        lines = [
            f"live network differs from what it applied (since {check['since']}, last checked"
            f" {check['checked_at']}):",
            *(f"  {e}" for e in check["differences"]),
        ]
    else:
        lines = [f"live network: as applied (last checked {check['checked_at']})"]
    lines += [f"  warning: {entry}" for entry in check["warnings"]]
    if check.get("resync_requested"):
        lines.append("  a resync is asked: its next check applies its configuration again")
    return ["\n".join(lines)]


def _routing(node: dict) -> list[str]:
    """The node's static routes as a table and its resolver in a line, each when it has some."""
    parts = []
    if node.get("routes"):
        rows = [
            [
                r["destination"],
                r["next_hop"] or "(on link)",
                r["interface"],
                r["metric"],
                r["table"] or "main",
            ]
            for r in node["routes"]
        ]
        parts.append(tabulate(rows, headers=["ROUTE TO", "VIA", "DEV", "METRIC", "TABLE"]))
    dns = node.get("dns", {})
    if dns.get("servers") or dns.get("search"):
        parts.append(
            f"dns: servers {', '.join(dns['servers']) or '-'}; search {', '.join(dns['search']) or '-'}"
        )
    return parts


def _reported_bonds(node: dict) -> list[list[str]]:
    """What its last boot reported of each bond, as the kernel had it."""
    rows = []
    for bond in node.get("last_report", {}).get("bonds", []):
        active = f", active {bond['active_slave']}" if bond["active_slave"] else ""
        aggregators = f", aggregators {' '.join(bond['aggregators'])}" if bond["aggregators"] else ""
        rows.append(
            [
                f"reported {bond['name']}",
                f"{bond['mode']}, {bond['slaves_up']} of {bond['slaves']} slaves up{active}{aggregators}",
            ]
        )
    return rows


def _tree(node: dict) -> list[str]:
    """The node's interfaces from the top (bridges, VLANs, bonds) down to its NICs: each bridge
    over its ports, a VLAN over its parent, a bond over its slaves. An interface drawn once is
    named again further down, not drawn again."""
    nics = {nic["iface_name"]: nic for nic in node["nics"]}
    below: dict[str, list[str]] = {}
    labels: dict[str, str] = {}
    for bridge in node.get("bridges", []):
        below[bridge["interface_name"]] = bridge["ports"]
        stp = "STP on" if bridge["stp"] else "STP off"
        labels[bridge["interface_name"]] = f"bridge, {stp}{_link_words(bridge)}"
    for vlan in node.get("vlans", []):
        below[vlan["interface_name"]] = [vlan["parent"]]
        labels[vlan["interface_name"]] = f"VLAN {vlan['vlan_id']}{_link_words(vlan)}"
    for bond in node["bonds"]:
        slaves = [nic["iface_name"] for nic in node["nics"] if nic["bond"] == bond["interface_name"]]
        below[bond["interface_name"]] = slaves
        state = ", DEGRADED" if bond["degraded"] else ""
        labels[bond["interface_name"]] = f"bond {bond['bonding_opts'] or '-'}{state}{_link_words(bond)}"
    for name, nic in nics.items():
        speed = f"{nic['bandwidth_mbps']} Mb/s" if nic["bandwidth_mbps"] else "speed unknown"
        reported = f", reports MTU {nic['reported_mtu']}" if nic.get("reported_mtu") else ""
        reported += f" (at most {nic['max_mtu']})" if reported and nic.get("max_mtu") else ""
        labels[name] = (
            f"NIC {nic['mac']}, link {nic['link_state'] or '?'}, {speed}{_link_words(nic)}{reported}"
        )
    lower = {name for names in below.values() for name in names}
    roots = [name for name in [*below, *nics] if name not in lower]
    lines: list[str] = []
    drawn: set[str] = set()

    def draw(name: str, prefix: str, branch: str, more: str) -> None:
        if name in drawn:
            lines.append(f"{prefix}{branch}{name} (above)")
            return
        drawn.add(name)
        lines.append(f"{prefix}{branch}{name}  {labels.get(name, '?')}")
        children = below.get(name, [])
        for index, child in enumerate(children):
            last = index == len(children) - 1
            draw(child, prefix + more, "└── " if last else "├── ", "    " if last else "│   ")

    for root in roots:
        draw(root, "", "", "")
    return lines


def _link_words(interface: dict) -> str:
    """``, MTU 9000, 10.0.0.5 static, 2001:db8::5/64``: what an interface carries, if anything."""
    words = []
    if interface.get("mtu"):
        words.append(f"MTU {interface['mtu']}")
    if interface.get("bridge") or interface.get("bond"):
        return "".join(f", {word}" for word in words)  # a port: no addressing of its own
    if interface.get("boot_protocol"):
        words.append(interface["ip_address"] or interface["boot_protocol"])
    if interface.get("ipv6_method") not in (None, "", "ignore"):
        words.append(interface["ipv6_address"] or f"IPv6 {interface['ipv6_method']}")
    for family in ("ipv4", "ipv6"):
        if interface.get(f"{family}_gateway"):
            words.append(f"gateway {interface[f'{family}_gateway']}")
        if interface.get(f"{family}_default_route"):
            words.append(f"{'IPv4' if family == 'ipv4' else 'IPv6'} default route")
    return "".join(f", {word}" for word in words)


def render_networks(networks: list[dict]) -> str:
    rows = [
        [n["name"], n["vlan_id"], n["mtu"], "yes" if n["bridged"] else "no", n["ipv4"], n["ipv6"],
         n["attached"], n["addresses"]]
        for n in networks
    ]  # fmt: skip
    headers = ["NETWORK", "VLAN", "MTU", "BRIDGED", "IPV4", "IPV6", "NODES", "ADDRESSES"]
    return tabulate(rows, headers=headers) if rows else "no logical networks"


def render_network(network: dict) -> str:
    vlan = f"VLAN {network['vlan_id']}" if network.get("vlan_id") else "no VLAN"
    mtu = f"MTU {network['mtu']}" if network.get("mtu") else "default MTU"
    bridged = "bridged (a VM network)" if network["bridged"] else "not bridged"
    lines = [f"{network['name']}: {vlan}, {mtu}, {bridged}"]
    for family in ("ipv4", "ipv6"):
        subnet = network.get(family)
        if subnet:
            words = [subnet["subnet"], f"gateway {subnet.get('gateway', '-')}"]
            if subnet.get("pool"):
                use = network["pools"].get(family, {})
                words.append(
                    f"pool {', '.join(subnet['pool'])} ({use.get('given', 0)} of {use.get('size', 0)} given)"
                )
            if subnet.get("dns"):
                words.append(f"dns {', '.join(subnet['dns'])}")
            if subnet.get("routes"):
                words.append(f"{len(subnet['routes'])} routes")
            lines.append(f"{family}: " + "; ".join(words))
    rows = [[a["host"], a["on"], a["ipv4"], a["ipv6"], "yes" if a["default_route"] else ""]
            for a in network["attachments"]]  # fmt: skip
    lines += [
        "",
        tabulate(rows, headers=["HOST", "ON", "IPV4", "IPV6", "DEFAULT ROUTE"])
        if rows
        else "attached nowhere",
    ]
    return "\n".join(lines)
