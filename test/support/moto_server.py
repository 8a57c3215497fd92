"""
moto_server as the tests run it: moto's own server, minus four costs it pays on every request.

Run like moto_server: python3 moto_server.py -H 127.0.0.1 -p PORT
(test/support/moto.ts starts it).

moto 5.2.1's server, per request:
  - lists moto's package directory and stats its ~180 entries to ask whether the Host header
    names a service (moto/moto_server/werkzeug_app.py get_backend_for_host calls
    moto/backends.py list_of_moto_modules);
  - walks the responding class with inspect.getmembers to find its method names
    (moto/core/responses.py call_action calls method_names_from_class);
  - logs the request line to stderr (werkzeug's request log), which nobody reads here;
  - closes the connection after the response (werkzeug's server does, always), so every request
    is a new connection, and a new thread, on both sides.
The first two answers cannot change while the server runs (the package on disk, the methods of a
class), so they are computed once; the third is dropped. Together they were about 30% of moto's
CPU per request (cProfile, 600 IAM calls), and moto's CPU was the largest part of the suite's.
Connections are kept alive (see below): moto's CPU per request over HTTP falls by a sixth, and
the test processes connect once per client. Nothing moto decides is changed: same routing, same
responses, same authorization.

Two additions to POST /moto-api/config (moto's own endpoint only takes batch, lambda and
stepfunctions), so that a kept server can serve the next test file whatever it asks:
  - moto's `iam` settings ({"iam": {"load_aws_managed_policies": true}}, read by moto each time an
    IAM backend is made, so after the next reset);
  - {"resource_authorization": true|false}: moto_resource_auth.py's resource ARNs and IAM's
    condition semantics for signed requests on or off (see that file); off at start.
"""

import functools
import io
import os
import selectors
import sys
import threading
import types

import werkzeug.serving
from moto import backends
from moto.core import responses
from moto.core.config import default_user_config
from moto.moto_api._internal.models import MotoAPIBackend
from moto.server import main

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import moto_resource_auth  # noqa: E402  (installs its switchable additions on import)

_MODULES = tuple(backends.list_of_moto_modules())
backends.list_of_moto_modules = lambda: _MODULES
responses.method_names_from_class = functools.lru_cache(maxsize=None)(
    responses.method_names_from_class
)
werkzeug.serving.WSGIRequestHandler.log_request = lambda self, *args, **kwargs: None

# Keep-alive. werkzeug answers every request with "Connection: close" because, after the
# response, it drains whatever is left to read on the socket, which on a kept connection would
# be the next request. Here a request's body is read whole before moto sees it (its
# Content-Length says how much; a request without one has none), so nothing is left to drain:
# the drain is skipped and the connection kept, unless the body is chunked or the client asked
# to close. A connection per client instead of one per request: moto's CPU per request over
# HTTP 3.8 -> 3.3 ms (300 GetUser calls), and the test processes connect once per client.
_make_environ = werkzeug.serving.WSGIRequestHandler.make_environ
_send_header = werkzeug.serving.WSGIRequestHandler.send_header


_request = threading.local()  # the request this thread serves: is its connection kept?


def _make_environ_body_read(self):
    environ = _make_environ(self)
    self.keep_alive = _request.keep_alive = "wsgi.input_terminated" not in environ  # not chunked
    if self.keep_alive:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        environ["wsgi.input"] = io.BytesIO(self.rfile.read(length) if length > 0 else b"")
    return environ


def _send_header_kept(self, keyword, value):
    if keyword.lower() == "connection" and value == "close" and self.keep_alive:
        if not self.close_connection:  # http.server read "Connection: close" from the client
            return
    _send_header(self, keyword, value)


class _NoDrainSelector:
    def register(self, *args):
        pass

    def select(self, timeout=None):
        return []

    def close(self):
        pass


werkzeug.serving.WSGIRequestHandler.keep_alive = False
# werkzeug writes a response's headers and body separately: on a kept connection Nagle's
# algorithm would hold the body until the client's delayed ACK (~40 ms a request).
werkzeug.serving.WSGIRequestHandler.disable_nagle_algorithm = True
werkzeug.serving.WSGIRequestHandler.make_environ = _make_environ_body_read
werkzeug.serving.WSGIRequestHandler.send_header = _send_header_kept
werkzeug.serving.selectors = types.SimpleNamespace(
    DefaultSelector=lambda: (
        _NoDrainSelector() if getattr(_request, "keep_alive", False) else selectors.DefaultSelector()
    ),
    EVENT_READ=selectors.EVENT_READ,
)

_set_config = MotoAPIBackend.set_config


def _set_config_with_additions(self, config):
    if "iam" in config:
        default_user_config["iam"] = config["iam"]
    if "resource_authorization" in config:
        moto_resource_auth.ENABLED = config["resource_authorization"] is True
    _set_config(self, config)


MotoAPIBackend.set_config = _set_config_with_additions


def _exit_when_stdin_closes():
    # The test process holds the other end: when it exits, however it exits, so does the server.
    sys.stdin.buffer.read()
    os._exit(0)


if __name__ == "__main__":
    threading.Thread(target=_exit_when_stdin_closes, daemon=True).start()
    args = sys.argv[1:]
    moto_resource_auth.ENABLED = False  # until a test file asks (MotoServer.prepare)
    sys.argv = ["moto_server", *args]
    sys.exit(main(args))
