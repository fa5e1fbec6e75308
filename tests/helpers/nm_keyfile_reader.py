"""Read keyfiles with NetworkManager's own reader (libnm's ``NM.keyfile_read`` and ``verify()``)
and print what NetworkManager makes of them as JSON: one object per file, or its error.

Run with the system's python3, which has PyGObject (``python3-gi``) and libnm's introspection
data (``gir1.2-nm-1.0``); the test suite's virtual environment has neither.
Usage: python3 nm_keyfile_reader.py DIRECTORY FILE...
"""

import json
import sys

import gi

gi.require_version("NM", "1.0")
from gi.repository import NM, GLib  # noqa: E402


def read(directory: str, path: str) -> dict:
    keyfile = GLib.KeyFile()
    keyfile.load_from_file(path, GLib.KeyFileFlags.NONE)
    try:
        connection = NM.keyfile_read(keyfile, directory, NM.KeyfileHandlerFlags.NONE, None, None)
        connection.verify()
    except GLib.Error as error:
        return {"error": error.message}
    settings = connection.get_setting_connection()
    shown = {
        "id": settings.get_id(),
        "uuid": settings.get_uuid(),
        "type": settings.get_connection_type(),
        "interface-name": settings.get_interface_name(),
        "master": settings.get_master(),
        "slave-type": settings.get_slave_type(),
        "autoconnect": settings.get_autoconnect(),
        "autoconnect-priority": settings.get_autoconnect_priority(),
    }
    bond = connection.get_setting_bond()
    if bond:
        shown["bond"] = dict(bond.get_option(i)[1:] for i in range(bond.get_num_options()))
    wired = connection.get_setting_wired()
    if wired and wired.get_mac_address():
        shown["mac-address"] = wired.get_mac_address().lower()
    if wired and wired.get_mtu():
        shown["mtu"] = wired.get_mtu()
    vlan = connection.get_setting_vlan()
    if vlan:
        shown["vlan"] = {"parent": vlan.get_parent(), "id": vlan.get_id()}
    bridge = connection.get_setting_bridge()
    if bridge:
        shown["bridge"] = {"stp": bridge.get_stp(), "forward-delay": bridge.get_forward_delay()}
    for family, setting in (
        ("ipv4", connection.get_setting_ip4_config()),
        ("ipv6", connection.get_setting_ip6_config()),
    ):
        if setting:
            addresses = [setting.get_address(i) for i in range(setting.get_num_addresses())]
            shown[family] = {
                "method": setting.get_method(),
                "addresses": [f"{a.get_address()}/{a.get_prefix()}" for a in addresses],
                **_layer3(setting),
            }
    return shown


def _layer3(setting) -> dict:
    """Gateway, DNS, never-default and routes, each only when set."""
    shown = {
        "gateway": setting.get_gateway(),
        "dns": [setting.get_dns(i) for i in range(setting.get_num_dns())],
        "dns-search": [setting.get_dns_search(i) for i in range(setting.get_num_dns_searches())],
        "never-default": setting.get_never_default(),
        "routes": [_route(setting.get_route(i)) for i in range(setting.get_num_routes())],
    }
    return {key: value for key, value in shown.items() if value}


def _route(route) -> dict:
    table = route.get_attribute("table")
    return {
        "destination": f"{route.get_dest()}/{route.get_prefix()}",
        "next-hop": route.get_next_hop(),
        "metric": route.get_metric(),  # -1: none given
        "table": table.unpack() if table is not None else 0,
    }


if __name__ == "__main__":
    print(json.dumps({path: read(sys.argv[1], path) for path in sys.argv[2:]}))
