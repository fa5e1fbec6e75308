"""A small HTTP client for the web console as a browser without scripts uses it: it keeps
cookies (``http.cookiejar``), does not follow redirects by itself, reads pages with lxml and
fills in and sends their forms (the hidden CSRF token included)."""

from __future__ import annotations

import http.cookiejar
import ssl
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

import lxml.html


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Page:
    status: int
    headers: object
    text: str
    url: str

    @property
    def doc(self):
        return lxml.html.fromstring(self.text) if self.text else None

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")

    def form(self, action_ending: str):
        """The page's form whose action ends with ``action_ending``."""
        found = [f for f in self.doc.forms if (f.action or "").endswith(action_ending)]
        assert found, f"no form posting to …{action_ending} on {self.url}"
        return found[0]


class ConsoleClient:
    def __init__(self, base_url: str, context: ssl.SSLContext | None = None):
        self.base = base_url.rstrip("/")
        self.jar = http.cookiejar.CookieJar()
        handlers = [urllib.request.HTTPCookieProcessor(self.jar), _NoRedirects()]
        if context is not None:
            handlers.append(urllib.request.HTTPSHandler(context=context))
        self.opener = urllib.request.build_opener(*handlers)

    def request(
        self,
        path: str,
        data: dict | list | None = None,
        headers: dict | None = None,
        method: str | None = None,
    ) -> Page:
        body = None if data is None else urllib.parse.urlencode(data, doseq=True).encode()
        wanted = urllib.request.Request(self.base + path, data=body, headers=headers or {}, method=method)
        if body is not None:
            wanted.add_header("Content-Type", "application/x-www-form-urlencoded")
        try:
            with self.opener.open(wanted, timeout=30) as answer:
                return Page(answer.status, answer.headers, answer.read().decode(), path)
        except urllib.error.HTTPError as error:
            return Page(error.code, error.headers, error.read().decode(), path)

    def get(self, path: str) -> Page:
        return self.request(path)

    def submit(self, page: Page, action_ending: str, **values) -> Page:
        """Send the form as a browser would: its own fields (hidden ones, selected options,
        checked boxes) with ``values`` over them (a list for several checked boxes)."""
        form = page.form(action_ending)
        fields = [(name, value) for name, value in form.form_values() if name not in values]
        for name, value in values.items():
            fields += [(name, item) for item in value] if isinstance(value, list) else [(name, value)]
        return self.request(urllib.parse.urlsplit(form.action).path, fields)

    def sign_in(self, user: str, password: str) -> Page:
        return self.submit(self.get("/ui/login"), "/ui/login", user=user, password=password)
