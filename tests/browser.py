"""Headless Chromium for the tests that open the published HTML files (tests/test_report.py,
tests/test_vintage_offline.py): found on PATH, as `.ci/run` installs it, and never skipped."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest

NAMES = ("chromium", "chromium-browser", "google-chrome")
# What Chromium itself asks for at start-up whatever the page (component updates, sign-in),
# which no flag of Chromium 156 turns off; a page's own request for these hosts is not told apart.
BROWSER_OWN_HOSTS = ("update.googleapis.com", "accounts.google.com", "clients2.google.com")


def chromium() -> str:
    """The browser's path; the test fails, saying how to install it, when there is none."""
    for name in NAMES:
        found = shutil.which(name)
        if found:
            return found
    pytest.fail(
        f"headless Chromium is needed and none of {', '.join(NAMES)} is on PATH: "
        "apt-get update && apt-get install -y chromium (as .ci/run does)",
        pytrace=False,
    )


@dataclass
class _Proxy:
    """A socket posing as Chromium's proxy: every request for another host comes here (the
    resolver knows no host either), so what it received is what the page asked of the network."""

    server: socket.socket
    requests: list[str] = field(default_factory=list)

    @classmethod
    def start(cls) -> _Proxy:
        server = socket.create_server(("127.0.0.1", 0))
        proxy = cls(server)
        threading.Thread(target=proxy._serve, daemon=True).start()
        return proxy

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:  # closed
                return
            with connection:
                connection.settimeout(2)
                try:
                    first = connection.recv(4096).split(b"\r\n", 1)[0]
                except OSError:
                    first = b""
                self.requests.append(first.decode("latin-1") or "(connection without a request)")

    @property
    def port(self) -> int:
        return self.server.getsockname()[1]


def open_offline(page: Path, profile: Path) -> tuple[str, list[str]]:
    """The DOM headless Chromium rendered from `page` with the network blocked, and every
    request it tried to send to another host ("GET http://..." or "CONNECT host:443 ..."),
    Chromium's own start-up requests left out."""
    proxy = _Proxy.start()
    try:
        done = subprocess.run(
            [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
             "--disable-domain-reliability", "--disable-default-apps", "--disable-component-extensions-with-background-pages",
             "--disable-features=NetworkTimeServiceQuerying,OptimizationHints,MediaRouter,Translate,AutofillServerCommunication", "--disable-client-side-phishing-detection", "--no-pings",
             f"--user-data-dir={profile}", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
             f"--proxy-server=http://127.0.0.1:{proxy.port}", "--proxy-bypass-list=<-loopback>",
             "--virtual-time-budget=3000", "--dump-dom", page.resolve().as_uri()],
            capture_output=True, text=True, timeout=90,
        )  # fmt: skip  # several items to a line, grouped as they read
        assert done.returncode == 0, done.stderr[-2000:]
        asked = [
            r for r in proxy.requests if not any(f" {host}:" in r or f"//{host}/" in r for host in BROWSER_OWN_HOSTS)
        ]
        return done.stdout, asked
    finally:
        proxy.server.close()
