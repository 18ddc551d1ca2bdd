"""A controller as a local process (its log in a file, ready when an HTTP(S) probe answers 200), a
ServiceAccount identity for it (kubeconfig with a token from the TokenRequest API), and free ports."""

import http.client
import json
import os
import socket
import ssl

from scale_kube import kubectl
from scale_process import ManagedProcess


def free_ports(count):
    """`count` distinct free loopback ports (the kernel's ephemeral ones)."""
    socks, ports = [], []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
            ports.append(s.getsockname()[1])
    finally:
        for s in socks:
            s.close()
    return ports


def probe(url, timeout=2):
    """True when GET url answers 200 (https without certificate checks: a local probe)."""
    scheme, _, rest = url.partition("://")
    hostport, _, path = rest.partition("/")
    host, _, port = hostport.partition(":")
    try:
        if scheme == "https":
            conn = http.client.HTTPSConnection(
                host, int(port), timeout=timeout, context=ssl._create_unverified_context()
            )
        else:
            conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
        conn.request("GET", "/" + path)
        ok = conn.getresponse().status == 200
        conn.close()
        return ok
    except (OSError, http.client.HTTPException):
        return False


def service_account_kubeconfig(path, namespace, name, hours=12):
    """Writes a kubeconfig for ServiceAccount namespace/name (the admin kubeconfig's server and CA, a
    bound token): the controller runs with exactly the RBAC its manifests grant."""
    token = kubectl("create", "token", name, "-n", namespace, f"--duration={hours}h").stdout.strip()
    config = json.loads(kubectl("config", "view", "--raw", "--minify", "-o", "json").stdout)
    cluster = config["clusters"][0]["cluster"]
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "bench", "cluster": cluster}],
        "users": [{"name": name, "user": {"token": token}}],
        "contexts": [{"name": "bench", "context": {"cluster": "bench", "user": name}}],
        "current-context": "bench",
    }
    with open(path, "w") as f:
        json.dump(doc, f)
    os.chmod(path, 0o600)
    return path


class LocalProcess(ManagedProcess):
    """One controller process: started with its own environment (KUBECONFIG = its identity), stopped with
    SIGTERM (SIGKILL after 30 s)."""

    def __init__(self, name, args, log_path, kubeconfig, ready_url, env=None, cwd=None):
        self.name, self.args, self.log_path = name, list(args), log_path
        self.kubeconfig, self.ready_url = kubeconfig, ready_url
        self.extra_env, self.cwd = dict(env or {}), cwd
        self.process = None
        self.stop_seconds = None

    def start(self, timeout=180):
        self.launch(self.args, self.log_path, {**self.extra_env, "KUBECONFIG": self.kubeconfig}, self.cwd)
        self.wait_ready(
            lambda: probe(self.ready_url), timeout, f"{self.name} ({self.ready_url})", self.log_path
        )
        return self
