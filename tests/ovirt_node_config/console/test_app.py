"""The web console over HTTP against a real server on loopback, as a browser without scripts
uses it (tests/helpers/console_client.py): sign-in and its cookie, the login throttle, CSRF and
cross-site refusals, changes audited as through the admin API, refusals beside their field,
sign-out, paging and filters, and pages that load nothing from elsewhere. On both databases;
the same in Chromium: test_browser.py."""

import hashlib
import ssl
from datetime import UTC, datetime, timedelta

import pytest
from console_client import ConsoleClient
from support import RunningServer, add_admin, admin_proxy, make_report, self_signed_certificate

from ovirt_node_config.accounts import sessions
from ovirt_node_config.inventory.report import parse_report
from ovirt_node_config.persistence import admin_store
from ovirt_node_config.persistence.inventory_store import identify

MACS = ("52:54:00:10:00:01", "52:54:00:10:00:02", "52:54:00:10:00:03")


@pytest.fixture
def fleet(server, database_url, db):
    for index in range(60):
        macs = [f"52:54:00:20:{index:02x}:{n:02x}" for n in range(2)]
        identify(db, parse_report(make_report(f"web{index:02d}.rack1.example", macs=macs)))
    identify(db, parse_report(make_report("hv1.rack2.example", macs=MACS)))
    return add_admin(database_url)


def signed_in(server, fleet) -> ConsoleClient:
    client = ConsoleClient(server.url)
    assert client.sign_in(*fleet).status == 303
    return client


def test_signing_in_opens_a_session_held_in_a_strict_cookie(server, fleet):
    client = ConsoleClient(server.url)
    first = client.get("/ui/")
    assert first.status == 303 and first.location == "/ui/login"
    assert client.get("/").location == "/ui/"
    answer = client.sign_in(*fleet)
    assert answer.status == 303 and answer.location == "/ui/"
    cookie = next(value for name, value in answer.headers.items() if name == "Set-Cookie")
    assert cookie.startswith("onc_console=onc_") and "; HttpOnly" in cookie and "; SameSite=Strict" in cookie
    assert "; Path=/ui/" in cookie and "Secure" not in cookie  # plain HTTP on loopback
    page = client.get("/ui/")
    assert page.status == 200 and "61 nodes" in page.text and "alice" in page.text


def test_wrong_passwords_are_refused_then_throttled_like_the_api(server, fleet):
    client = ConsoleClient(server.url)
    answers = [client.sign_in("alice", "wrong") for _ in range(4)]
    assert [a.status for a in answers[:3]] == [401, 401, 401]
    assert "Wrong administrator name or password." in answers[0].text
    assert answers[3].status == 401 and client.sign_in("alice", "wrong").status == 429
    throttled = client.sign_in(*fleet)  # even the right password waits: the same throttle
    assert throttled.status == 429 and int(throttled.headers["Retry-After"]) >= 1
    assert "Too many failed sign-ins" in throttled.text


def test_a_bond_made_in_a_form_is_audited_as_through_the_api(server, fleet):
    client = signed_in(server, fleet)
    page = client.get("/ui/node/hv1.rack2.example")
    made = client.submit(page, "/create-bond", name="bond0", nics=list(MACS[:2]), type="Link Aggregation",
                         bridge="ovirtmgmt")  # fmt: skip
    assert made.status == 303 and "bond0%20created%20with%20bridge%20ovirtmgmt" in made.location
    shown = client.get(made.location)
    assert "Done: bond bond0 created with bridge ovirtmgmt on top." in shown.text
    svg = shown.doc.cssselect("svg.picture")[0]
    assert {g.get("data-name") for g in svg.cssselect("g.box")} == {
        "eth0",
        "eth1",
        "eth2",
        "bond0",
        "ovirtmgmt",
    }
    assert len(svg.cssselect("path.line.slave")) == 2 and len(svg.cssselect("path.line.port")) == 1
    # after it: the next bond's name is free, another type is said to change bond0 too, and
    # its slaves are shown with no address of their own
    form = shown.form("/create-bond")
    assert form.fields["name"] == "bond1"
    assert "another type here changes bond0 to it as well" in shown.doc.get_element_by_id("cb-type-note").text
    (nics,) = [
        table
        for table in shown.doc.cssselect("table")
        if table.cssselect("caption")[0].text.startswith("NICs")
    ]
    ipv4 = {
        row.cssselect("th")[0].text: row.cssselect("td")[-2].text_content()
        for row in nics.cssselect("tbody tr")
    }
    assert ipv4 == {"eth0": "none: slave of bond0", "eth1": "none: slave of bond0", "eth2": "dhcp "}
    history = admin_proxy(server, *fleet).admin.history("hv1.rack2.example")
    assert [(e["actor"], e["action"]) for e in history[:3]] == [
        ("alice", "create_bridge"), ("alice", "create_bonding"), ("alice", "set_bonding_type"),
    ]  # fmt: skip


def test_a_refusal_is_shown_beside_the_field_it_names_and_changes_nothing(server, fleet, snapshot):
    client = signed_in(server, fleet)
    page = client.get("/ui/node/hv1.rack2.example")
    client.submit(page, "/create-bond", name="bond0", nics=list(MACS[:2]), type="802.3ad")
    page = client.get("/ui/node/hv1.rack2.example")
    before = snapshot()
    refused = client.submit(page, "/bond-options", arp_interval="100", arp_ip_target="192.0.2.1")
    assert refused.status == 409 and snapshot() == before
    field = refused.doc.get_element_by_id(refused.doc.cssselect("input[name=arp_interval]")[0].get("id"))
    error = field.getnext()
    assert error.tag == "p" and "error" in error.get("class")
    assert "arp_interval" in error.text and field.get("aria-describedby") == error.get("id")
    assert field.get("value") == "100"  # what was typed stays
    api = admin_proxy(server, *fleet)
    with pytest.raises(Exception) as caught:  # the API refuses it in the same words
        api.admin.set_bond_options(
            "hv1.rack2.example", "bond0", {"arp_interval": 100, "arp_ip_target": ["192.0.2.1"]}
        )
    assert error.text in caught.value.faultString


def test_forged_and_tokenless_posts_are_refused(server, fleet, snapshot):
    client = signed_in(server, fleet)
    page = client.get("/ui/node/hv1.rack2.example")
    token = page.form("/create-bond").fields["csrf"]
    before = snapshot()
    path = "/ui/node/hv1.rack2.example/create-bond"
    fields = {"name": "bond0", "nics": list(MACS[:2]), "type": "802.3ad"}
    forged = client.request(path, {**fields, "csrf": token}, {"Origin": "http://evil.example"})
    assert forged.status == 403 and "cross-site" in forged.text
    site = client.request(path, {**fields, "csrf": token}, {"Sec-Fetch-Site": "cross-site"})
    assert site.status == 403
    assert client.request(path, fields).status == 403  # no token
    other = signed_in(server, fleet)
    assert other.request(path, {**fields, "csrf": token}).status == 403  # another session's token
    assert snapshot() == before


def test_signing_out_ends_the_session_itself(server, fleet):
    client = signed_in(server, fleet)
    kept = [cookie.value for cookie in client.jar if cookie.name == "onc_console"][0]
    out = client.submit(client.get("/ui/"), "/ui/logout")
    assert out.status == 303 and out.location == "/ui/login?signed_out=True"
    stolen = ConsoleClient(server.url)
    answer = stolen.request("/ui/", headers={"Cookie": f"onc_console={kept}"})
    assert answer.status == 303 and answer.location == "/ui/login?expired=True"


def test_the_fleet_pages_on_and_filters(server, fleet):
    client = signed_in(server, fleet)
    first = client.get("/ui/")
    assert first.doc.cssselect("p.counted")[0].text.startswith("Counts as of ")  # kept a few seconds
    names = [a.text for a in first.doc.cssselect("table.nodes tbody th a")]
    assert len(names) == 50 and names[0] == "hv1.rack2.example" and names == sorted(names)
    following = client.get(first.doc.cssselect("a[rel=next]")[0].get("href").replace("?", "/ui/?", 1))
    assert [a.text for a in following.doc.cssselect("table.nodes tbody th a")][0] > names[-1]
    searched = client.get("/ui/?q=web0")
    assert [a.text for a in searched.doc.cssselect("table.nodes tbody th a")] == [
        f"web0{i}.rack1.example" for i in range(10)
    ]
    never = client.get("/ui/?state=never+applied&q=rack2")
    assert [a.text for a in never.doc.cssselect("table.nodes tbody th a")] == ["hv1.rack2.example"]
    assert client.get("/ui/?state=degraded").doc.cssselect("p.note")[0].text == "No node matches."


def test_pages_load_nothing_from_elsewhere(server, fleet):
    client = signed_in(server, fleet)
    for path in ("/ui/login", "/ui/", "/ui/node/hv1.rack2.example", "/ui/rules"):
        page = client.get(path)
        assert page.status == 200
        policy = page.headers["Content-Security-Policy"]
        assert "default-src 'none'" in policy and "style-src 'self'" in policy and "script" not in policy
        assert page.headers["Cache-Control"] == "no-store"
        for element in page.doc.iter():
            for attribute in ("src", "href", "action"):
                value = element.get(attribute)
                assert value is None or value.startswith(("/ui/", "?")), (path, attribute, value)
        assert not page.doc.cssselect("script")
    style = client.get("/ui/static/console.css")
    assert style.status == 200 and "url(" not in style.text and "@import" not in style.text


def test_head_is_get_without_the_body_and_the_icon_is_the_consoles(server, fleet):
    """Link checkers and monitors ask HEAD; a browser asks for the icon a page names, never for
    /favicon.ico outside the console."""
    client = signed_in(server, fleet)
    for path in ("/ui/login", "/ui/", "/ui/node/hv1.rack2.example", "/ui/static/console.css"):
        head = client.request(path, method="HEAD")
        assert (head.status, head.text) == (200, ""), path
        assert int(head.headers["Content-Length"]) > 0 and head.headers["Cache-Control"]
    assert client.request("/ui/static/console.css", method="HEAD").headers["Content-Length"] == str(
        len(client.get("/ui/static/console.css").text.encode())
    )
    page = client.get("/ui/")
    (icon,) = page.doc.cssselect("link[rel=icon]")
    shown = client.get(icon.get("href"))
    assert shown.status == 200 and shown.headers["Content-Type"] == "image/svg+xml"
    assert shown.text.startswith("<svg") and "<script" not in shown.text
    put = client.request("/ui/", method="PUT")
    assert put.status == 405 and put.headers["Allow"] == "GET, HEAD, POST"


def test_an_unknown_node_or_form_says_so(server, fleet, snapshot):
    client = signed_in(server, fleet)
    assert client.get("/ui/node/nobody.example").status == 404
    page = client.get("/ui/node/hv1.rack2.example")
    before = snapshot()
    token = page.form("/create-bond").fields["csrf"]
    odd = client.request("/ui/node/hv1.rack2.example/format-disks", {"csrf": token})
    assert odd.status == 400 and "no such form" in odd.text and snapshot() == before
    assert "Traceback" not in odd.text


def test_under_tls_the_cookie_is_secure(database_url, tmp_path):
    cert, key = self_signed_certificate(tmp_path)
    server = RunningServer(
        database_url, tmp_path / "tls.log", ("--tls-cert", str(cert), "--tls-key", str(key))
    )
    try:
        client = ConsoleClient(server.url, ssl.create_default_context(cafile=str(cert)))
        answer = client.sign_in(*add_admin(database_url))
        assert answer.status == 303 and "; Secure" in answer.headers["Set-Cookie"]
        assert answer.headers["Strict-Transport-Security"] == "max-age=31536000"
        host = server.url.split("://", 1)[1].rstrip("/")
        plain_origin = client.request("/ui/logout", {"csrf": "x"}, {"Origin": f"http://{host}"})
        assert plain_origin.status == 403  # http://this-host is another origin than https://this-host
    finally:
        server.stop()


def test_the_node_page_compares_the_file_it_would_get_with_the_one_it_applied(server, fleet, db):
    names = {mac: f"eth{n}" for n, mac in enumerate(MACS)}
    node = server.proxy()
    node.identify(make_report("hv1.rack2.example", macs=MACS))
    applied = node.get_config("hv1.rack2.example", names)
    node.report_status(
        "hv1.rack2.example", {"outcome": "applied", "digest": hashlib.sha256(applied.encode()).hexdigest()}
    )
    client = signed_in(server, fleet)
    runs = client.get("/ui/node/hv1.rack2.example")
    assert "The node runs this file." in runs.text and not runs.doc.cssselect("pre.diff")
    client.submit(runs, "/interface", interface="eth2", mtu="9000")
    changed = client.get("/ui/node/hv1.rack2.example")
    diff = changed.doc.cssselect("pre.diff")[0].text_content()
    assert diff.startswith("--- applied\n+++ now\n")
    assert "+set /files/etc/sysconfig/network-scripts/ifcfg-eth2/MTU 9000" in diff
    assert "pending reboot" in changed.doc.cssselect("h1 .state")[0].text


def test_bad_values_in_a_link_are_refused_in_words_and_a_done_line_is_never_forged(server, fleet):
    client = signed_in(server, fleet)
    bad = client.get("/ui/?state=sleeping")
    assert bad.status == 400 and "invalid state: must be one of ok, pending reboot" in bad.text
    assert client.get("/ui/node/not%20a%20host").status == 400
    forged = client.get("/ui/node/hv1.rack2.example?done=call%20555-0100%20now")
    assert forged.status == 200 and "555-0100" not in forged.text and not forged.doc.cssselect("p.done")
    page = client.get("/ui/node/hv1.rack2.example")
    made = client.submit(page, "/bonding-type", type="Failover")
    assert made.status == 303 and "Done:" in client.get(made.location).text
    elsewhere = made.location.replace("hv1.rack2.example", "web07.rack1.example")
    moved = client.get(elsewhere)  # a signed line of one node's page, shown on another's
    assert moved.status == 200 and "Done:" not in moved.text


def test_a_rollout_stopped_by_a_rollback_is_seen_and_resumed_from_the_console(server, fleet):
    api = admin_proxy(server, *fleet)
    design = {
        "name": "pair",
        "bonding_type": "802.3ad",
        "bonds": [{"name": "bond0", "nics": {"count": 2, "name": "eth[01]"}}],
    }
    api.admin.set_template("pair", design)
    node = server.proxy()
    node.identify(make_report("hv1.rack2.example", macs=MACS))
    api.admin.start_rollout("r1", "pair", ["hv1.rack2.example"], 1, 1)
    node.report_status("hv1.rack2.example", {"outcome": "rolled_back", "reason": "lost the server"})
    client = signed_in(server, fleet)
    rules = client.get("/ui/rules")
    row = rules.doc.cssselect("#rollouts-h + table tbody tr")[0]
    assert [cell.text_content().strip() for cell in row] == [
        "r1",
        "pair",
        "stopped by hv1.rack2.example: rolled back",
        "0",
        "0",
        "0",
        "1",
        "0",
    ]
    assert [cell.text for cell in rules.doc.cssselect("#templates-h + table tbody th")] == ["pair"]
    page = client.get("/ui/rollout/r1")
    assert page.doc.cssselect("table tbody td")[0].text == "failed"
    resumed = client.submit(page, "/ui/rollout/r1/resume")
    assert resumed.status == 303
    assert "Done: rollout r1 resumed." in client.get(resumed.location).text
    assert api.admin.show_rollout("r1")["state"] in ("running", "done")
    again = client.request("/ui/rollout/r1/resume", {"csrf": page.form("/abandon").fields["csrf"]})
    assert again.status == 409 and "r1" in again.text  # the use case's refusal, in its words


def test_a_session_past_its_time_is_over_in_the_console_too(server, fleet, db):
    """A session opened (as admin.login opens one) with its end already past: its cookie leads
    to the sign-in page, which says the session ended."""
    token = sessions.TOKEN_PREFIX + "x" * 43
    ended = datetime.now(UTC) - timedelta(minutes=1)
    db.write(
        lambda conn: admin_store.open_session(
            conn, fleet[0], hashlib.sha256(token.encode()).hexdigest(), ended
        )
    )
    client = ConsoleClient(server.url)
    answer = client.request("/ui/", headers={"Cookie": f"onc_console={token}"})
    assert answer.status == 303 and answer.location == "/ui/login?expired=True"
    assert "Your session ended: sign in again." in client.get(answer.location).text


def test_a_stored_template_is_previewed_then_applied_from_the_node_page(server, fleet, snapshot):
    api = admin_proxy(server, *fleet)
    pair = {"name": "pair", "bonding_type": "802.3ad",
            "bonds": [{"name": "bond0", "nics": {"count": 2, "name": "eth[01]"}}],
            "bridges": [{"name": "ovirtmgmt", "ports": ["bond0"]}]}  # fmt: skip
    api.admin.set_template("pair", pair)
    api.admin.set_template(
        "wide", {**pair, "name": "wide", "bonds": [{"name": "bond0", "nics": {"count": 4}}]}
    )
    client = signed_in(server, fleet)
    before = snapshot()
    wide = client.get("/ui/node/hv1.rack2.example?plan=wide")
    assert "bond0 wants 4 NICs; 3 qualify" in wide.doc.cssselect("section.plan p.error")[0].text
    assert not wide.doc.cssselect("form[action$='/apply-template']")  # nothing to apply
    preview = client.get("/ui/node/hv1.rack2.example?plan=pair")
    diff = preview.doc.cssselect("section.plan pre.diff")[0].text_content()
    assert "+/sbin/modprobe bonding mode=4" in diff and "ifcfg-bond0/BRIDGE ovirtmgmt" in diff
    assert snapshot() == before  # a preview changes nothing
    applied = client.submit(preview, "/apply-template")
    assert applied.status == 303 and "Done: template pair applied." in client.get(applied.location).text
    shown = api.admin.show_node("hv1.rack2.example")
    assert [b["interface_name"] for b in shown["bonds"]] == ["bond0"] and shown["bridges"][0][
        "interface_name"
    ] == "ovirtmgmt"
    assert api.admin.history("hv1.rack2.example")[0]["action"] == "template_applied"
    assert client.get("/ui/node/hv1.rack2.example?plan=nonesuch").status == 404


def test_a_bonds_primary_is_chosen_among_its_slaves(server, fleet):
    client = signed_in(server, fleet)
    page = client.get("/ui/node/hv1.rack2.example")
    client.submit(page, "/create-bond", name="bond0", nics=list(MACS[:2]), type="Failover")
    page = client.get("/ui/node/hv1.rack2.example")
    offered = [
        option.text
        for option in page.doc.cssselect("form[action$='/bond-options'] select[name=primary] option")
    ]
    assert offered == ["none", "eth0", "eth1"]
    done = client.submit(page, "/bond-options", primary="eth1")
    assert done.status == 303
    shown = admin_proxy(server, *fleet).admin.show_node("hv1.rack2.example")["bonds"][0]
    assert shown["options"]["primary"] == "eth1" and "primary=eth1" in shown["bonding_opts"]


def test_a_form_of_a_page_loaded_before_another_change_overwrites_nothing(server, fleet, snapshot):
    """Two administrators on one node: the second posts a form of the page she loaded before the
    first changed the node; it is refused (409) and nothing is overwritten. Loaded again, it goes."""
    client = signed_in(server, fleet)
    page = client.get("/ui/node/hv1.rack2.example")
    admin_proxy(server, *fleet).admin.set_bonding_type("hv1.rack2.example", "Link Aggregation")
    before = snapshot()
    stale = client.submit(page, "/bonding-type", type="Failover")
    assert stale.status == 409 and "changed since version" in stale.text
    assert snapshot() == before
    fresh = client.submit(client.get("/ui/node/hv1.rack2.example"), "/bonding-type", type="Failover")
    assert fresh.status == 303
    assert admin_proxy(server, *fleet).admin.show_node("hv1.rack2.example")["bonding_type"]["mode"] == 1


def test_networks_are_attached_from_the_node_page_and_listed_on_their_own(server, fleet):
    """A network defined through the API, attached and detached with the node page's forms: the
    networks page lists it with its pool's use, the picture names it on the VLAN it made."""
    settings = {
        "vlan_id": 300,
        "ipv4": {"subnet": "10.30.0.0/24", "gateway": "10.30.0.1", "pool": ["10.30.0.10-10.30.0.20"]},
    }
    admin_proxy(server, *fleet).admin.set_network("vmnet", settings)
    client = signed_in(server, fleet)
    page = client.get("/ui/node/hv1.rack2.example")
    attached = client.submit(page, "/attach-network", network="vmnet", interface="eth2", default_route="on")
    assert attached.status == 303, attached.text
    shown = client.get(attached.location)
    assert "Done: network vmnet attached on eth2.300: 10.30.0.10." in shown.text
    (row,) = [r for r in shown.doc.cssselect("table.networks tbody tr") if r.cssselect("th")]
    assert [cell.text_content() for cell in row.cssselect("td")[:5]] == [
        "eth2",
        "eth2.300",
        "10.30.0.10",
        "none",
        "yes",
    ]
    box = next(g for g in shown.doc.cssselect("svg.picture g.box") if g.get("data-name") == "eth2.300")
    assert box.cssselect("text.network")[0].text == "vmnet"
    listed = client.get("/ui/networks")
    assert listed.status == 200 and "(1 of 11 given)" in listed.text and "hv1.rack2.example" in listed.text
    detached = client.submit(shown, "/detach-network", network="vmnet")
    assert "Done: network vmnet detached, 10.30.0.10 freed." in client.get(detached.location).text
    refused = client.submit(client.get("/ui/node/hv1.rack2.example"), "/attach-network", network="vmnet",
                            interface="eth2", ipv4="10.31.0.5")  # fmt: skip
    assert refused.status == 409 and "10.31.0.5 is not in 10.30.0.0/24" in refused.text
