"""The web console in a real browser: Debian's Chromium, headless, driven by Selenium through
Debian's ChromeDriver, against a real server on loopback holding a fleet of 3,000 nodes, one of
them degraded (a bond that lost a slave when its NIC went). Signed in with the keyboard alone,
the operator finds the degraded node, bonds two of its NICs in 802.3ad with ovirtmgmt on top,
sees the ARP refusal beside its field, is refused a form another site makes the browser post,
and signs out. Screenshots of each step are saved in test-artefacts/console/ (outside git) to be
looked at.

Chromium reaches nothing but this server and the test's own "other site" on 127.0.0.2: every
name resolves to nothing but those two addresses (``--host-resolver-rules``), and its background
services are off."""

import contextlib
import hashlib
import http.server
import os
import shutil
import threading
from pathlib import Path

import pytest
from support import add_admin, add_bond, make_report, require

from ovirt_node_config.bench.fleet import make_fleet
from ovirt_node_config.bench.runner import preload
from ovirt_node_config.nodes import reads

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
ARTEFACTS = Path(os.environ.get("OVIRT_NODE_CONFIG_ARTEFACTS", "test-artefacts")) / "console"
HOST = "hv7.rack4.example"
MACS = [f"52:54:00:30:00:0{n}" for n in range(4)]
WAIT_S = 20


@pytest.fixture
def browser():
    if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
        require("Chromium and ChromeDriver (Debian: chromium, chromium-driver) are not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--window-size=1280,1400",
        "--no-first-run", "--no-default-browser-check", "--disable-background-networking", "--disable-sync",
        "--disable-component-update", "--disable-extensions", "--disable-default-apps",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE 127.0.0.2",
    ):  # fmt: skip
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(WAIT_S)
    yield driver
    driver.quit()


@pytest.fixture
def degraded_fleet(server, database_url, db):
    """3,000 nodes as if each had booted once, and HOST: booted, applied, then one of its bonded
    NICs gone (a bond with one slave is degraded)."""
    preload(database_url, make_fleet(3000, seed=7))
    node = server.proxy()
    node.identify(make_report(HOST, macs=tuple(MACS)))
    add_bond(db, HOST, "bond0", MACS[:2])
    text = node.get_config(HOST, {mac: f"eth{n}" for n, mac in enumerate(MACS)})
    node.report_status(HOST, {"outcome": "applied", "digest": hashlib.sha256(text.encode()).hexdigest()})
    report = make_report(HOST, macs=(MACS[0], MACS[2], MACS[3]))
    report["nics"] = [{**nic, "iface_name": f"eth{[0, 2, 3][n]}"} for n, nic in enumerate(report["nics"])]
    node.identify(report)
    return add_admin(database_url)


@contextlib.contextmanager
def another_site(target: str, fields: dict):
    """A page of another origin (127.0.0.2, a port of its own) holding a form that posts
    ``fields`` to ``target``: what a forged cross-site request looks like to a browser."""
    inputs = "".join(f'<input type="hidden" name="{name}" value="{value}">' for name, value in fields.items())
    form = f'<form method="post" action="{target}">{inputs}<button>Win</button></form>'
    page = f"<!doctype html><title>win</title>{form}"

    class Page(http.server.BaseHTTPRequestHandler):
        timeout = 5  # a connection Chromium opens ahead and never uses is dropped, not waited on

        def do_GET(self):  # noqa: N802 - the name http.server calls
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(page.encode())

        def log_message(self, *args):
            pass

    site = http.server.ThreadingHTTPServer(("127.0.0.2", 0), Page)  # Chromium opens several
    threading.Thread(target=site.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.2:{site.server_address[1]}/"
    finally:
        site.shutdown()
        site.server_close()


def test_an_operator_bonds_a_degraded_nodes_nics_and_meets_a_refusal(
    server, degraded_fleet, browser, request, db
):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as shown
    from selenium.webdriver.support.ui import Select, WebDriverWait

    wait = WebDriverWait(browser, WAIT_S)
    shots = ARTEFACTS / request.node.callspec.id
    shots.mkdir(parents=True, exist_ok=True)
    base = server.url.rstrip("/")

    def screenshot(name: str) -> None:
        assert browser.save_screenshot(str(shots / f"{name}.png"))

    def labelled_everywhere() -> None:
        """Every visible field has a label (keyboard and screen-reader use)."""
        for field in browser.find_elements(By.CSS_SELECTOR, "input:not([type=hidden]), select"):
            assert browser.find_elements(By.CSS_SELECTOR, f"label[for='{field.get_attribute('id')}']"), field

    browser.get(base + "/")
    wait.until(shown.title_contains("Sign in"))
    labelled_everywhere()
    screenshot("1-sign-in")
    name, password = degraded_fleet
    assert browser.switch_to.active_element.get_attribute("id") == "user"  # focus starts there
    browser.switch_to.active_element.send_keys(name, Keys.TAB, password, Keys.ENTER)
    wait.until(shown.title_contains("Fleet"))
    assert "3001 nodes" in browser.find_element(By.TAG_NAME, "h1").text

    Select(browser.find_element(By.ID, "state")).select_by_visible_text("degraded")
    browser.find_element(By.CSS_SELECTOR, "form.search button").click()
    wait.until(shown.url_contains("state=degraded"))
    rows = browser.find_elements(By.CSS_SELECTOR, "table.nodes tbody tr")
    assert [row.find_element(By.TAG_NAME, "a").text for row in rows] == [HOST]
    labelled_everywhere()
    screenshot("2-fleet-degraded")
    rows[0].find_element(By.TAG_NAME, "a").click()
    wait.until(shown.title_contains(HOST))
    labelled_everywhere()

    bond_form = browser.find_element(By.CSS_SELECTOR, "form[action$='/create-bond']")
    for label in bond_form.find_elements(By.CSS_SELECTOR, "fieldset.choices label"):
        if label.text.split()[0] in ("eth2", "eth3"):
            label.click()  # a label checks its box
    bond_form.find_element(By.ID, "cb-name").clear()
    bond_form.find_element(By.ID, "cb-name").send_keys("bond1")
    Select(bond_form.find_element(By.ID, "cb-type")).select_by_visible_text("Link Aggregation (802.3ad)")
    bond_form.find_element(By.ID, "cb-bridge").send_keys("ovirtmgmt")
    bond_form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    done = wait.until(shown.presence_of_element_located((By.CSS_SELECTOR, "p.done")))
    assert done.text == "Done: bond bond1 created with bridge ovirtmgmt on top."
    drawn = {
        box.get_attribute("data-name") for box in browser.find_elements(By.CSS_SELECTOR, "svg.picture g.box")
    }
    assert drawn == {"eth0", "eth2", "eth3", "bond0", "bond1", "ovirtmgmt"}
    assert len(browser.find_elements(By.CSS_SELECTOR, "svg.picture path.line.port")) == 1
    down = browser.find_element(By.CSS_SELECTOR, "svg.picture desc").get_attribute("textContent")
    assert "bond bond1 of eth2, eth3" in down and "bridge ovirtmgmt over bond1" in down
    assert "1 slave, degraded" in browser.find_element(By.CSS_SELECTOR, "svg g.box[data-name=bond0]").text
    browser.find_element(By.ID, "picture-h").location_once_scrolled_into_view  # noqa: B018 - scrolls
    screenshot("3-bonded-with-bridge")

    options = browser.find_element(
        By.XPATH, "//form[.//input[@name='bond' and @value='bond1']][contains(@action, 'bond-options')]"
    )
    options.find_element(By.CSS_SELECTOR, "input[name=arp_interval]").send_keys("100")
    options.find_element(By.CSS_SELECTOR, "input[name=arp_ip_target]").send_keys("192.0.2.1")
    options.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait.until(shown.presence_of_element_located((By.CSS_SELECTOR, "div.problem")))
    field = browser.find_element(By.CSS_SELECTOR, "input[name=arp_interval][aria-invalid=true]")
    beside = browser.find_element(By.ID, field.get_attribute("aria-describedby"))
    assert "arp_interval" in beside.text and beside.is_displayed()
    assert beside.location["y"] - field.location["y"] < 60  # right under the field, not elsewhere
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", field)
    screenshot("4-arp-refused-beside-the-field")

    before = reads.show_node(db, HOST)["bonds"]
    with another_site(base + f"/ui/node/{HOST}/delete-bond", {"bond": "bond1"}) as evil:
        browser.get(evil)
        browser.find_element(By.TAG_NAME, "button").click()  # a forged form, posted from elsewhere
        wait.until(shown.presence_of_element_located((By.TAG_NAME, "pre")))
        assert "cross-site requests are refused" in browser.find_element(By.TAG_NAME, "pre").text
    assert reads.show_node(db, HOST)["bonds"] == before
    browser.get(base + f"/ui/node/{HOST}")
    wait.until(shown.title_contains(HOST))

    loaded = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert loaded and all(url.startswith(base + "/ui/") for url in loaded), loaded

    browser.find_element(By.CSS_SELECTOR, "form.signout button").click()
    wait.until(shown.title_contains("Sign in"))
    assert "You signed out." in browser.find_element(By.CSS_SELECTOR, "p.note").text
    browser.get(base + "/ui/")
    wait.until(shown.title_contains("Sign in"))  # the session is over, not only forgotten
    screenshot("5-signed-out")
