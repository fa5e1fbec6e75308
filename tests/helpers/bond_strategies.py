"""Hypothesis strategies for bond options: ones the kernel honours in a mode, and anything at all."""

from hypothesis import strategies as st

from ovirt_node_config.network import bonding
from ovirt_node_config.network.bonding import BondOptions

IFACE_NAMES = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}", fullmatch=True)
ARP_TARGETS = st.lists(
    st.ip_addresses(v=4).map(str).filter(lambda ip: not ip.startswith("0.") and ip != "255.255.255.255"),
    min_size=1,
    max_size=bonding.MAX_ARP_TARGETS,
    unique=True,
).map(tuple)
MILLISECONDS = st.integers(1, bonding.MAX_INTERVAL_MS)


@st.composite
def valid_options(draw, mode: int, slaves: tuple[str, ...]) -> BondOptions:
    """Options a bond of ``mode`` over ``slaves`` may have: every accepted option, maybe set."""
    accepted = set(bonding.accepted_options(mode))
    values: dict = {}

    def maybe(name, strategy):
        if name in accepted and draw(st.booleans()):
            values[name] = draw(strategy)

    if "arp_interval" in accepted and draw(st.booleans()):
        values["arp_interval"] = draw(MILLISECONDS)
        values["arp_ip_target"] = draw(ARP_TARGETS)
        maybe("arp_validate", st.sampled_from(bonding.CHOICES["arp_validate"]))
    else:
        maybe("miimon", MILLISECONDS.filter(lambda ms: ms <= 10_000))
        miimon = values.get("miimon", bonding.DEFAULT_MIIMON_MS)
        maybe("updelay", st.integers(0, 20).map(lambda n: n * miimon))
        maybe("downdelay", st.integers(0, 20).map(lambda n: n * miimon))
    for name in ("fail_over_mac", "lacp_rate", "xmit_hash_policy"):
        maybe(name, st.sampled_from(bonding.CHOICES[name]))
    if slaves:
        maybe("primary", st.sampled_from(slaves))
    return BondOptions(**values)


@st.composite
def mode_slaves_options(draw) -> tuple[int, tuple[str, ...], BondOptions]:
    mode = draw(st.sampled_from(sorted(bonding.MODES)))
    slaves = tuple(draw(st.lists(IFACE_NAMES, min_size=bonding.MIN_SLAVES, max_size=4, unique=True)))
    return mode, slaves, draw(valid_options(mode, slaves))


def _anything(good):
    hostile = st.one_of(st.none(), st.text(max_size=12), st.integers(-5, 10**8), st.just("fast x=1"))
    return st.one_of(good, hostile)


ANY_OPTIONS = st.builds(
    BondOptions,
    miimon=_anything(MILLISECONDS),
    updelay=_anything(st.sampled_from([0, 100, 150])),
    downdelay=_anything(st.sampled_from([0, 100, 150])),
    arp_interval=_anything(MILLISECONDS),
    arp_ip_target=st.one_of(ARP_TARGETS, st.lists(st.text(max_size=16), max_size=3).map(tuple)),
    arp_validate=_anything(st.sampled_from(bonding.CHOICES["arp_validate"])),
    primary=_anything(IFACE_NAMES),
    fail_over_mac=_anything(st.sampled_from(bonding.CHOICES["fail_over_mac"])),
    lacp_rate=_anything(st.sampled_from(bonding.CHOICES["lacp_rate"])),
    xmit_hash_policy=_anything(st.sampled_from(bonding.CHOICES["xmit_hash_policy"])),
)
