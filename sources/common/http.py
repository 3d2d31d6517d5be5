"""One HTTP session policy for every connector: retries with backoff on 5xx, timeouts
and connection resets; 429 honours ``Retry-After``."""

from __future__ import annotations

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

DEFAULT_TIMEOUT_S = 30.0


class _TimeoutAdapter(HTTPAdapter):
    def __init__(self, *args, timeout: float = DEFAULT_TIMEOUT_S, **kwargs) -> None:
        self._timeout = timeout
        super().__init__(*args, **kwargs)

    def send(self, request, **kwargs):  # type: ignore[override]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self._timeout
        return super().send(request, **kwargs)


class _Session(requests.Session):
    """A session whose own ``verify`` (a CA file, or False) is not overridden by
    ``REQUESTS_CA_BUNDLE`` / ``CURL_CA_BUNDLE``, which plain ``requests`` lets win."""

    def merge_environment_settings(self, url, proxies, stream, verify, cert):  # type: ignore[override]
        settings = super().merge_environment_settings(url, proxies, stream, verify, cert)
        if verify is None and self.verify is not True:
            settings["verify"] = self.verify
        return settings


def retry_policy(total: int = 8, backoff_factor: float = 0.5) -> Retry:
    return Retry(
        total=total,
        connect=total,
        read=total,
        status=total,
        backoff_factor=backoff_factor,
        backoff_jitter=0.25,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=None,  # retry POST too: every call we make is a read
        respect_retry_after_header=True,
        raise_on_status=False,
    )


def make_session(verify: str | bool = True, timeout: float = DEFAULT_TIMEOUT_S) -> requests.Session:
    """A ``requests.Session`` with psops's retry policy mounted for http and https."""
    session = _Session()
    adapter = _TimeoutAdapter(max_retries=retry_policy(), timeout=timeout)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.verify = verify
    return session
