#!/usr/bin/env python
"""The student image's HEALTHCHECK on the local base: the running Jupyter server answers /api.

Docker runs the probe as the container's configured user (root when DockerSpawner starts it as
root), so the server's runtime folder is looked up in NB_USER's home, as docker-stacks' probe does.
Standard library only: it must not depend on what the image installs on top.
"""

import json
import os
import sys
import urllib.request
from pathlib import Path

home = Path("/home") / os.environ.get("NB_USER", "jovyan")
runtime = Path(os.environ.get("JUPYTER_RUNTIME_DIR", home / ".local/share/jupyter/runtime"))
servers = sorted(runtime.glob("*server-*.json"), key=lambda p: p.stat().st_mtime)
if not servers:
    sys.exit(f"no Jupyter server is running (nothing in {runtime})")
url = json.loads(servers[-1].read_text())["url"].rstrip("/") + "/api"
with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(url, timeout=5) as response:
    print(url, response.status)
