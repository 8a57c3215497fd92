"""
moto_server as the tests run it: moto's own server, minus three costs it pays on every request.

Run like moto_server: python3 moto_server.py -H 127.0.0.1 -p PORT [--resource-authorization]
(test/support/moto.ts starts it).

moto 5.2.1's server, per request:
  - lists moto's package directory and stats its ~180 entries to ask whether the Host header
    names a service (moto/moto_server/werkzeug_app.py get_backend_for_host calls
    moto/backends.py list_of_moto_modules);
  - walks the responding class with inspect.getmembers to find its method names
    (moto/core/responses.py call_action calls method_names_from_class);
  - logs the request line to stderr (werkzeug's request log), which nobody reads here.
The first two answers cannot change while the server runs (the package on disk, the methods of a
class), so they are computed once; the third is dropped. Together they were about 30% of moto's
CPU per request (cProfile, 600 IAM calls), and moto's CPU was the largest part of the suite's.
Nothing moto decides is changed: same routing, same responses, same authorization.

One addition: POST /moto-api/config also takes moto's `iam` settings
({"iam": {"load_aws_managed_policies": true}}, read by moto each time an IAM backend is made, so
after the next reset); moto's own endpoint only takes batch, lambda and stepfunctions. A kept
server can then serve a test that attaches an AWS managed policy, and the next one without them.

--resource-authorization also loads moto_resource_auth.py (resource ARNs and IAM's condition
semantics for signed requests; see that file).
"""

import functools
import os
import sys
import threading

import werkzeug.serving
from moto import backends
from moto.core import responses
from moto.core.config import default_user_config
from moto.moto_api._internal.models import MotoAPIBackend
from moto.server import main

_MODULES = tuple(backends.list_of_moto_modules())
backends.list_of_moto_modules = lambda: _MODULES
responses.method_names_from_class = functools.lru_cache(maxsize=None)(
    responses.method_names_from_class
)
werkzeug.serving.WSGIRequestHandler.log_request = lambda self, *args, **kwargs: None

_set_config = MotoAPIBackend.set_config


def _set_config_with_iam(self, config):
    if "iam" in config:
        default_user_config["iam"] = config["iam"]
    _set_config(self, config)


MotoAPIBackend.set_config = _set_config_with_iam


def _exit_when_stdin_closes():
    # The test process holds the other end: when it exits, however it exits, so does the server.
    sys.stdin.buffer.read()
    os._exit(0)


if __name__ == "__main__":
    threading.Thread(target=_exit_when_stdin_closes, daemon=True).start()
    args = sys.argv[1:]
    if "--resource-authorization" in args:
        args.remove("--resource-authorization")
        sys.path.insert(0, __file__.rsplit("/", 1)[0])
        import moto_resource_auth  # noqa: F401  (installs its patches on import)
    sys.argv = ["moto_server", *args]
    sys.exit(main(args))
