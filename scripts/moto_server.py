"""Serve moto's DynamoDB on 127.0.0.1:PORT, one request at a time.

moto_server handles requests on parallel threads, and its conditional writes
are not atomic under concurrency: two racing conditional PutItems can both
succeed. Real DynamoDB makes each conditional write atomic, and so does this
single-threaded server, so the concurrency tests hold moto to that.

usage: python3 scripts/moto_server.py PORT
"""
import os
import sys

from moto.server import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple


def main() -> None:
    port = int(sys.argv[1])
    os.environ.setdefault("MOTO_PORT", str(port))
    app = DomainDispatcherApplication(create_backend_app)
    run_simple("127.0.0.1", port, app, threaded=False, use_reloader=False)


if __name__ == "__main__":
    main()
