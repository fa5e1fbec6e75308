"""Which client a request is from behind a load balancer (rpc/http_requests.forwarded_client):
X-Forwarded-For is believed only from a trusted proxy, and only as far as the proxies wrote it."""

import pytest
from ovirt_node_config.rpc.http_messages import Request
from ovirt_node_config.rpc.http_requests import forwarded_client, trusted_networks

TRUSTED = trusted_networks("127.0.0.1, 10.9.0.0/24")


def request(peer: str, forwarded: str | None = None) -> Request:
    headers = {"x-forwarded-for": forwarded} if forwarded is not None else {}
    return Request("POST", "/RPC2", "HTTP/1.1", headers, b"", peer)


@pytest.mark.parametrize(
    "peer, forwarded, client",
    [
        ("127.0.0.1", "192.0.2.7", "192.0.2.7"),  # through the balancer
        ("127.0.0.1", "198.51.100.9, 192.0.2.7", "192.0.2.7"),  # what the client wrote itself: ignored
        ("127.0.0.1", "192.0.2.7, 10.9.0.4", "192.0.2.7"),  # two proxies of ours in a row
        ("127.0.0.1", None, "127.0.0.1"),  # the balancer's own request (its health check)
        ("127.0.0.1", "not-an-address", "127.0.0.1"),
        ("192.0.2.50", "192.0.2.7", "192.0.2.50"),  # anyone else: its own address, whatever it says
        ("127.0.0.1", "2001:db8::7", "2001:db8::7"),
    ],
)
def test_the_client_is_the_last_address_no_trusted_proxy_wrote(peer, forwarded, client):
    assert forwarded_client(request(peer, forwarded), TRUSTED) == client


def test_a_trusted_proxy_setting_that_is_no_address_is_refused_naming_it():
    with pytest.raises(ValueError, match="'lb.example' is not an address or a network"):
        trusted_networks("127.0.0.1, lb.example")
    assert trusted_networks("") == ()
