"""schemathesis hooks for the Afterword fuzz suite (loaded through SCHEMATHESIS_HOOKS).

- every request goes out with one of the configured tokens (admin most often, then gm, viewer,
  none, a wrong one), so the auth answers are fuzzed too;
- some requests get a hostile encoding: a body that is not UTF-8, a text/plain body, a JSON
  body with a charset the server does not speak, a NUL byte in the path;
- `error_envelope`: every 4xx is `{error: {code, message}}` and every 400 names the field(s);
- a status histogram of every response is written to $AFTERWORD_FUZZ_HISTOGRAM at exit.
"""

import atexit
import json
import os
import random
import threading
from collections import Counter

import schemathesis

_rng = random.Random(int(os.environ.get("AFTERWORD_FUZZ_SEED", "1")))
_lock = threading.Lock()
_statuses: Counter = Counter()
_by_route: dict = {}
_server_errors: list = []

_tokens = [
    (55, os.environ.get("AFTERWORD_FUZZ_ADMIN_TOKEN")),
    (20, os.environ.get("AFTERWORD_FUZZ_GM_TOKEN")),
    (10, os.environ.get("AFTERWORD_FUZZ_VIEWER_TOKEN")),
    (10, None),
    (5, "not-a-token-of-this-service"),
]


def _pick_token():
    with _lock:
        roll = _rng.uniform(0, 100)
    for weight, token in _tokens:
        if roll < weight:
            return token
        roll -= weight
    return None


def _roll():
    with _lock:
        return _rng.random()


@schemathesis.hook
def before_call(context, case, kwargs):
    headers = case.headers if isinstance(case.headers, dict) else {}
    token = _pick_token()
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    else:
        headers.pop("Authorization", None)
    case.headers = headers
    if case.method.upper() in ("POST", "PUT"):
        r = _roll()
        if r < 0.03:
            # Not UTF-8: a Latin-1 byte and a lone continuation byte inside a JSON string.
            kwargs["data"] = b'{"turns": [{"turnId": "t1", "text": "caf\xe9 \x80"}], "context": {"x": "\xff"}}'
            headers["Content-Type"] = "application/json"
        elif r < 0.05:
            kwargs["data"] = b"turns=1"
            headers["Content-Type"] = "text/plain"
        elif r < 0.06:
            kwargs["data"] = b"\xff\xfe{\x00}\x00"
            headers["Content-Type"] = "application/json; charset=utf-16"
        elif r < 0.07:
            kwargs["data"] = b'{"a": 1'
            headers["Content-Type"] = "application/json"


@schemathesis.hook
def after_call(context, case, response):
    key = f"{case.method.upper()} {case.operation.path}"
    with _lock:
        _statuses[response.status_code] += 1
        route = _by_route.setdefault(key, Counter())
        route[response.status_code] += 1
        if response.status_code >= 500 and len(_server_errors) < 50:
            _server_errors.append(
                {
                    "route": key,
                    "status": response.status_code,
                    "url": response.request.url,
                    "body": (response.request.body or b"")[:500].decode("utf-8", "replace")
                    if isinstance(response.request.body, bytes)
                    else str(response.request.body)[:500],
                    "response": response.content[:500].decode("utf-8", "replace"),
                }
            )


def _write_histogram():
    path = os.environ.get("AFTERWORD_FUZZ_HISTOGRAM")
    if not path:
        return
    with _lock:
        data = {
            "requests": sum(_statuses.values()),
            "statuses": {str(k): v for k, v in sorted(_statuses.items())},
            "routes": {k: {str(s): n for s, n in sorted(v.items())} for k, v in sorted(_by_route.items())},
            "serverErrors": _server_errors,
        }
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2)


atexit.register(_write_histogram)


@schemathesis.check
def error_envelope(ctx, response, case):
    """Every 4xx carries {error: {code, message}}; every 400 names the field(s) in error.issues."""
    status = response.status_code
    if status < 400 or status >= 500:
        return None
    try:
        body = json.loads(response.content)
    except ValueError:
        raise AssertionError(f"{status} without a JSON body: {response.content[:200]!r}")
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        raise AssertionError(f"{status} without an error envelope: {response.content[:200]!r}")
    if not isinstance(error.get("code"), str) or not error["code"]:
        raise AssertionError(f"{status} error without a code: {response.content[:200]!r}")
    if not isinstance(error.get("message"), str):
        raise AssertionError(f"{status} error without a message: {response.content[:200]!r}")
    if status == 400:
        issues = error.get("issues")
        if not isinstance(issues, list) or not issues:
            raise AssertionError(f"400 {error['code']} names no field: {response.content[:300]!r}")
        for issue in issues:
            if not isinstance(issue, dict) or not isinstance(issue.get("field"), str) or not issue["field"]:
                raise AssertionError(f"400 {error['code']} with an issue that names no field: {response.content[:300]!r}")
    return None
