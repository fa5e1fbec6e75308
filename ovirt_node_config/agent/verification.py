"""Does the running network match the configuration just applied? (the agent's last check)

After the restart the agent compares :class:`~.desired_network.DesiredNetwork` with what the
kernel reports (``kernel_state``): every bond exists with its mode, its options and exactly its
slaves (by permanent MAC: a slave shows the bond's MAC); every bond and plain NIC has the
addressing it was given (a static address exactly, none none; DHCP below); every
default and static route as written, a default route the one the kernel uses (the lowest
metric of its family); with keyfiles, NetworkManager has each interface connected with the
profile written for it and holds the name servers on the resolver's interface. Each
difference is one sentence naming the interface, what the kernel has and what was written.

Warnings do not fail a boot: a slave whose link is down (a bond is degraded, not misapplied), an
interface NetworkManager cannot activate for want of a carrier, an interface left at DHCP that
got no lease (``eth1: no DHCP lease``: no DHCP server answers on a port nobody configured yet;
waited for until the timeout, then said; the path to the server is the agent's own check),
an 802.3ad bond whose slaves sit in different aggregators (no LACP partner answered: each port
is an individual link). The kernel gets ``timeout`` seconds to settle (a DHCP lease, NetworkManager
activating slaves, LACP converging); the verdict is the last reading.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ovirt_node_config.agent import kernel_routes, kernel_state
from ovirt_node_config.agent.desired_network import DesiredNetwork, DesiredRoute
from ovirt_node_config.agent.kernel_routes import KernelRoute
from ovirt_node_config.agent.kernel_state import KernelBond, KernelLink
from ovirt_node_config.network import bonding

POLL_S = 0.25


@dataclass(frozen=True)
class Observed:
    """One reading of the running network."""

    bonds: dict[str, KernelBond | None]
    addresses: dict[str, list[str]] | None
    nm_devices: dict[str, tuple[str, str]] | None = None
    links: dict[str, KernelLink | None] = field(default_factory=dict)
    addresses6: dict[str, list[str]] | None = None
    routes: list[KernelRoute] | None = None  # None: not read (no route is wanted) or unreadable
    routes_read: bool = True  # False: no command to read them with (a scratch root)
    dns: list[str] | None = None  # the name servers NetworkManager holds for the resolver's device


@dataclass
class Verdict:
    differences: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    converging: bool = False  # a warning that more time may clear (LACP still negotiating)
    leases: dict[str, str] = field(default_factory=dict)  # DHCP interface -> its address ("" none)

    @property
    def settled(self) -> bool:
        return not self.differences and not self.converging


def judge(desired: DesiredNetwork, observed: Observed) -> Verdict:
    verdict = Verdict()
    for name, wanted in sorted(desired.bonds.items()):
        _judge_bond(name, wanted, observed.bonds.get(name), verdict)
    for name, wanted in sorted(desired.addresses.items()):
        _judge_address(name, wanted, observed.addresses, verdict)
        if wanted.method == "dhcp" and observed.addresses is not None:
            verdict.leases[name] = next(iter(observed.addresses.get(name) or []), "")
    followers = _followers(desired, observed)
    for name, wanted in sorted(desired.links.items()):
        _judge_link(name, wanted, observed, verdict, name in desired.addresses, name in followers)
    if desired.profiles:
        awaiting = {
            name
            for name, wanted in desired.addresses.items()
            if wanted.method == "dhcp" and observed.addresses is not None and not observed.addresses.get(name)
        }
        _judge_profiles(desired, observed.nm_devices, verdict, _released(desired, observed), awaiting)
    if desired.routes:
        _judge_routes(desired.routes, observed, verdict)
    if desired.dns is not None:
        _judge_dns(*desired.dns, observed.dns, verdict)
    return verdict


def _judge_bond(name: str, wanted, found: KernelBond | None, verdict: Verdict) -> None:
    differences = verdict.differences
    if found is None:
        differences.append(f"{name}: no such bond in the kernel")
        return
    mode = bonding.MODES[wanted.mode]
    if found.mode != mode:
        differences.append(f"{name}: mode is {found.mode}, not {mode}")
    for option, value in wanted.options.items():
        have = found.options.get(option)
        if _option_differs(option, have, value):
            differences.append(
                f"{name}: {option} is {have if have not in (None, '') else 'unset'}, not {value}"
            )
    by_mac = {slave.permanent_mac: slave for slave in found.slaves}
    for slave, mac in sorted(wanted.slaves.items()):
        if mac.lower() not in by_mac:
            differences.append(f"{name}: {slave} ({mac.lower()}) is not a slave")
    wanted_macs = {mac.lower() for mac in wanted.slaves.values()}
    for slave in found.slaves:
        if slave.permanent_mac not in wanted_macs:
            differences.append(
                f"{name}: {slave.name} ({slave.permanent_mac}) is a slave but was not written as one"
            )
    for slave in found.slaves:
        if slave.permanent_mac in wanted_macs and slave.mii_status != "up":
            verdict.warnings.append(f"{name}: slave {slave.name} link {slave.mii_status or 'unknown'}")
    aggregators = {slave.aggregator for slave in found.slaves if slave.mii_status == "up"}
    if mode == "802.3ad" and len(aggregators) > 1:
        verdict.converging = True
        ids = ", ".join(f"{slave.name} {slave.aggregator}" for slave in found.slaves)
        verdict.warnings.append(
            f"{name}: slaves in different 802.3ad aggregators ({ids}): no LACP partner answers, "
            "each slave is a link of its own"
        )


def _option_differs(option: str, have: str | None, value: str) -> bool:
    if option == "arp_ip_target":
        return sorted((have or "").split(",")) != sorted(value.split(","))
    return have != value


def _judge_address(name: str, wanted, addresses: dict[str, list[str]] | None, verdict: Verdict) -> None:
    if addresses is None:
        verdict.differences.append("the interfaces' addresses cannot be read (ip -j addr)")
        return
    if name not in addresses:
        verdict.differences.append(f"{name}: no such interface")
        return
    have = addresses[name]
    shown = ", ".join(have) or "no IPv4 address"
    if wanted.method == "static" and wanted.address not in have:
        verdict.differences.append(f"{name}: has {shown}, not {wanted.address}")
    elif wanted.method == "dhcp" and not have:
        # no DHCP server may answer on a port nobody configured yet: said, and waited for
        verdict.warnings.append(f"{name}: no DHCP lease")
        verdict.converging = True
    elif wanted.method == "none" and have:
        verdict.differences.append(f"{name}: has {shown}, but was written without IPv4")


def _released(desired: DesiredNetwork, observed: Observed) -> set[str]:
    """The slaves written for a bond that the kernel's bond does not hold (``ip link set eth2
    nomaster``, ``nmcli device disconnect eth2``): the bond's entry names each; the MTU the
    kernel restores on release and the profile NetworkManager then drops are not said again."""
    released = set()
    for name, wanted in desired.bonds.items():
        found = observed.bonds.get(name)
        held = {slave.permanent_mac for slave in found.slaves} if found else set()
        released |= {slave for slave, mac in wanted.slaves.items() if mac.lower() not in held}
    return released


def _followers(desired: DesiredNetwork, observed: Observed) -> set[str]:
    """Interfaces whose MTU is the kernel's consequence of another's: a released slave, a slave
    at its bond's MTU, a VLAN at its parent's, a bridge at its port's, when that other's MTU is
    not as written itself. ``ip link set bond0 mtu 1500`` is one difference (bond0's), not one
    for each slave and VLAN the kernel moved with it."""

    def mtu_differs(name: str) -> bool:
        wanted, found = desired.links.get(name), observed.links.get(name)
        return bool(wanted and found and wanted.mtu is not None and found.mtu != wanted.mtu)

    leaders: dict[str, list[str]] = {}
    for bond, wanted in desired.bonds.items():
        for slave in wanted.slaves:
            leaders.setdefault(slave, []).append(bond)
    for name, wanted in desired.links.items():
        if wanted.vlan is not None:
            leaders.setdefault(name, []).append(wanted.vlan[0])
        if wanted.bridge is not None:
            leaders.setdefault(wanted.bridge, []).append(name)
    followers = _released(desired, observed)
    for name, others in leaders.items():
        found = observed.links.get(name)
        if found is not None and any(
            mtu_differs(other) and observed.links[other].mtu == found.mtu for other in others
        ):
            followers.add(name)
    return followers


def _judge_link(
    name: str, wanted, observed: Observed, verdict: Verdict, addressed: bool, follower: bool = False
) -> None:
    """MTU (unless ``follower``: another's MTU moved it, see :func:`_followers`), bridge port,
    VLAN id and parent, static IPv6: each as written (bonds' existence and every address
    family's method are judged above)."""
    if name not in observed.links:
        return  # not read: an older reading
    found = observed.links[name]
    differences = verdict.differences
    if found is None:
        if wanted.kind != "bond" and not addressed:  # else said by the bond's or address's judge
            differences.append(f"{name}: no such interface")
        return
    if wanted.mtu is not None and found.mtu != wanted.mtu and not follower:
        differences.append(f"{name}: MTU is {found.mtu}, not {wanted.mtu}")
    if wanted.bridge is not None and found.bridge != wanted.bridge:
        now = f"a port of {found.bridge}" if found.bridge else "no bridge's port"
        differences.append(f"{name}: is {now}, not a port of {wanted.bridge}")
    if wanted.vlan is not None and (found.vlan_parent, found.vlan_id) != wanted.vlan:
        differences.append(
            f"{name}: is VLAN {found.vlan_id or '-'} on {found.vlan_parent or '-'}, "
            f"not VLAN {wanted.vlan[1]} on {wanted.vlan[0]}"
        )
    if wanted.ipv6 is not None:
        have = (observed.addresses6 or {}).get(name, [])
        if wanted.ipv6 not in have:
            differences.append(f"{name}: has {', '.join(have) or 'no IPv6 address'}, not {wanted.ipv6}")


def _judge_profiles(
    desired: DesiredNetwork,
    devices: dict[str, tuple[str, str]] | None,
    verdict: Verdict,
    released: set[str] = frozenset(),
    awaiting_lease: set[str] = frozenset(),
) -> None:
    """Each interface connected with the profile written for it (a released slave's is said by
    its bond; one still without the DHCP lease it asks for, by its address)."""
    if devices is None:
        verdict.differences.append("NetworkManager did not say which profiles are active (nmcli device)")
        return
    for interface, profile in sorted(desired.profiles.items()):
        if interface in released:
            continue
        state, active = devices.get(interface, ("absent", ""))
        if state == "unavailable":  # no carrier: an unplugged cable, not a configuration's fault
            verdict.warnings.append(f"{interface}: NetworkManager has it unavailable (no carrier)")
        elif interface in awaiting_lease and (state.startswith("connecting") or state == "disconnected"):
            continue  # still asking DHCP, or gave up for now: the address's warning says so
        elif state != "connected" or active != profile:
            now = f"{state} with {active}" if active and active != "--" else state
            verdict.differences.append(
                f"{interface}: NetworkManager has it {now}, not connected with {profile}"
            )


def _judge_routes(wanted: list[DesiredRoute], observed: Observed, verdict: Verdict) -> None:
    """Every route as written (a default route the one the kernel uses: the lowest metric)."""
    if not observed.routes_read:
        verdict.warnings.append("routes not verified: no command reads this root's routes")
        return
    if observed.routes is None:
        verdict.differences.append("the routes cannot be read (ip -j route)")
        return
    for route in wanted:
        same = [r for r in observed.routes if (r.destination, r.table) == (route.destination, route.table)]
        ours = [r for r in same if _matches(route, r)]
        if not ours:
            found = "; the kernel has " + ", ".join(map(_words, same)) if same else ""
            verdict.differences.append(f"{route.device}: no route {_words(route)}{found}")
        elif route.destination in ("0.0.0.0/0", "::/0"):
            first = min(same, key=lambda r: r.metric or 0)
            if not _matches(route, first):
                verdict.differences.append(
                    f"{route.device}: the default route in use is {_words(first)}, not {_words(route)}"
                )


def _matches(wanted: DesiredRoute, found: KernelRoute) -> bool:
    return (
        found.device == wanted.device
        and (wanted.gateway is None or found.gateway == wanted.gateway)
        and (wanted.metric is None or found.metric == wanted.metric)
    )


def _words(route: DesiredRoute | KernelRoute) -> str:
    """``to 198.51.100.0/24 via 192.0.2.254 dev ovirtmgmt metric 100 table 100``, as ip says it."""
    destination = "default" if route.destination in ("0.0.0.0/0", "::/0") else route.destination
    words = [f"to {destination}"]
    if route.gateway:
        words.append(f"via {route.gateway}")
    words.append(f"dev {route.device}")
    if route.metric is not None:
        words.append(f"metric {route.metric}")
    if route.table:
        words.append(f"table {route.table}")
    return " ".join(words)


def _judge_dns(device: str, servers: tuple[str, ...], held: list[str] | None, verdict: Verdict) -> None:
    if held is None:
        verdict.differences.append(f"{device}: NetworkManager did not say which name servers it holds")
        return
    missing = [server for server in servers if server not in held]
    if missing:
        verdict.differences.append(
            f"{device}: NetworkManager holds name servers {', '.join(held) or 'none'}, "
            f"not {', '.join(missing)}"
        )


def read(
    root,
    desired: DesiredNetwork,
    run: Callable[[list[str]], str | None],
    ip_command: list[str] | None,
    route_commands: tuple[list[str], ...] | None = None,
) -> Observed:
    """One reading of everything ``desired`` names (routes with ``route_commands``: none under a
    scratch root, whose routes are not this host's)."""
    return Observed(
        bonds={
            name: kernel_state.bond(root, name, list(wanted.options))
            for name, wanted in desired.bonds.items()
        },
        **_addresses(run, ip_command, bool(desired.addresses or any(x.ipv6 for x in desired.links.values()))),
        links={name: kernel_state.link(root, name) for name in desired.links},
        nm_devices=(
            kernel_state.nm_devices(run(["nmcli", "-t", "-f", kernel_state.NM_DEVICE_FIELDS, "device"]))
            if desired.profiles
            else None
        ),
        routes=kernel_routes.routes([run(c) for c in route_commands])
        if desired.routes and route_commands
        else None,
        routes_read=route_commands is not None,
        dns=kernel_routes.nm_dns(
            run(["nmcli", "-t", "-f", kernel_routes.DNS_FIELDS, "device", "show", desired.dns[0]])
        )
        if desired.dns
        else None,
    )


def _addresses(run: Callable[[list[str]], str | None], ip_command: list[str] | None, needed: bool) -> dict:
    """IPv4 and IPv6 addresses from one ``ip -j addr`` (None each when it could not be read, or
    there is no command to read them with)."""
    if not needed:
        return {"addresses": {}, "addresses6": {}}
    ip_json = run(ip_command) if ip_command else None
    return {
        "addresses": kernel_state.addresses(ip_json),
        "addresses6": kernel_state.addresses(ip_json, "inet6"),
    }


def settle(
    desired: DesiredNetwork,
    observe: Callable[[], Observed],
    timeout: float,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Verdict:
    """Readings until one has no difference and nothing converging, or ``timeout`` seconds have
    passed; the last one's verdict (a slave's link down does not wait: it is the node's state)."""
    deadline = clock() + timeout
    while True:
        verdict = judge(desired, observe())
        if verdict.settled or clock() >= deadline:
            return verdict
        sleep(min(POLL_S, max(0.0, deadline - clock())))
