"""The API server as the benchmark talks to it: kubectl/helm subprocesses for setup, and a small
HTTPS client (standard library, the admin kubeconfig's client certificate) for what must be fast:
creating objects by the thousand and watching pods and TrainingJobs with our own clock."""

import base64
import http.client
import json
import os
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import urllib.parse

SOURCE_DIR = os.environ.get("LATTICE_SOURCE_DIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", "..")
)


class BenchError(RuntimeError):
    """The benchmark cannot go on (cluster unreachable, a setup step failed, a timeout)."""


def run(args, check=True, input=None, timeout=600, env=None):
    result = subprocess.run(args, capture_output=True, text=True, input=input, timeout=timeout, env=env)
    if check and result.returncode != 0:
        raise BenchError(f"`{' '.join(args)}` failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    return result


def kubectl(*args, check=True, input=None, timeout=600):
    return run(["kubectl"] + list(args), check=check, input=input, timeout=timeout)


def scripts_cluster(*args, timeout=1800):
    """scripts/cluster of this checkout (add-nodes, delete-nodes)."""
    return run([os.path.join(SOURCE_DIR, "scripts", "cluster")] + list(args), timeout=timeout)


class Api:
    """Keep-alive HTTPS connections to the API server, one per thread, authenticated with the
    kubeconfig's client certificate (what `kubectl config view --raw` shows for its context)."""

    def __init__(self, timeout=60):
        config = json.loads(kubectl("config", "view", "--raw", "--minify", "-o", "json").stdout)
        cluster = config["clusters"][0]["cluster"]
        user = config["users"][0]["user"]
        url = urllib.parse.urlparse(cluster["server"])
        if url.scheme != "https":
            raise BenchError(f"expected an https API server, got {cluster['server']}")
        self.host, self.port = url.hostname, url.port or 443
        self.timeout = timeout
        self._dir = tempfile.TemporaryDirectory(prefix="lattice-bench-")
        self.context = ssl.create_default_context(cafile=self._write(cluster, "certificate-authority"))
        cert, key = self._write(user, "client-certificate"), self._write(user, "client-key")
        if not (cert and key):
            raise BenchError("the kubeconfig has no client certificate (the local cluster's admin has one)")
        self.context.load_cert_chain(cert, key)
        self._local = threading.local()

    def _write(self, section, field):
        if section.get(field):
            return section[field]
        data = section.get(field + "-data")
        if not data:
            return None
        path = os.path.join(self._dir.name, field)
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
        return path

    def _connection(self, fresh=False):
        conn = getattr(self._local, "conn", None)
        if conn is None or fresh:
            if conn is not None:
                conn.close()
            conn = http.client.HTTPSConnection(
                self.host, self.port, context=self.context, timeout=self.timeout
            )
            self._local.conn = conn
        return conn

    def request(self, method, path, body=None, content_type="application/json"):
        """(status, decoded JSON or text). One retry on a dropped keep-alive connection."""
        data = None if body is None else (body if isinstance(body, (bytes, str)) else json.dumps(body))
        headers = {"Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = content_type
        for attempt in (0, 1):
            conn = self._connection(fresh=attempt > 0)
            try:
                conn.request(method, path, body=data, headers=headers)
                response = conn.getresponse()
                text = response.read().decode(errors="replace")
                break
            except (TimeoutError, http.client.HTTPException, ConnectionError, OSError):
                if attempt:
                    raise
        try:
            return response.status, json.loads(text)
        except ValueError:
            return response.status, text

    def create(self, path, obj):
        status, answer = self.request("POST", path, obj)
        if status not in (200, 201):
            raise BenchError(f"POST {path} answered {status}: {str(answer)[:400]}")
        return answer

    def close(self):
        self._dir.cleanup()


class Watch(threading.Thread):
    """List, then watch a collection, calling handler(kind, obj, t) for every object with t the
    time.monotonic() at which the line arrived ("ADDED"/"MODIFIED"/"DELETED"; "SYNCED" once
    after the first list with obj None; "RELISTED" with the set of listed names after a relist).
    Restarts where it stopped; relists after 410 Gone."""

    def __init__(self, api, path, handler, name, from_now=False):
        """from_now: skip what exists (the first list only reads the collection's resourceVersion)."""
        super().__init__(name=name, daemon=True)
        self.api, self.path, self.handler, self.from_now = api, path, handler, from_now
        self.stopping = threading.Event()
        self.synced = threading.Event()
        self.error = None
        self.restarts = 0
        self.relists = 0

    def stop(self):
        self.stopping.set()
        sock = getattr(self, "_sock", None)
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def _list(self):
        items, token, sep = [], "", "&" if "?" in self.path else "?"
        if self.from_now and not self.synced.is_set():
            status, answer = self.api.request("GET", f"{self.path}{sep}limit=1")
            if status != 200:
                raise BenchError(f"list {self.path} answered {status}: {str(answer)[:300]}")
            self.handler("SYNCED", None, time.monotonic())
            self.synced.set()
            return answer["metadata"]["resourceVersion"]
        while True:  # pages of 500, as client-go's reflector
            path = f"{self.path}{sep}limit=500" + (f"&continue={urllib.parse.quote(token)}" if token else "")
            status, answer = self.api.request("GET", path)
            if status != 200:
                raise BenchError(f"list {self.path} answered {status}: {str(answer)[:300]}")
            items += answer.get("items", [])
            token = answer["metadata"].get("continue")
            if not token:
                break
        now = time.monotonic()
        for item in items:
            self.handler("ADDED", item, now)
        if self.synced.is_set():  # a relist: whatever is not listed any more was deleted meanwhile
            self.handler("RELISTED", {i["metadata"]["name"] for i in items}, now)
        else:
            self.handler("SYNCED", None, now)
            self.synced.set()
        return answer["metadata"]["resourceVersion"]

    def _watch(self, rv):
        """Reads one watch request's stream; returns the last resourceVersion, or None on 410."""
        sep = "&" if "?" in self.path else "?"
        path = f"{self.path}{sep}watch=1&allowWatchBookmarks=true&timeoutSeconds=300&resourceVersion={rv}"
        conn = http.client.HTTPSConnection(
            self.api.host, self.api.port, context=self.api.context, timeout=330
        )
        try:
            conn.request("GET", path, headers={"Accept": "application/json"})
            response = conn.getresponse()
            self._sock = conn.sock
            if response.status == 410:
                return None
            if response.status != 200:
                raise BenchError(f"watch {self.path} answered {response.status}")
            while not self.stopping.is_set():
                line = response.readline()
                now = time.monotonic()
                if not line:
                    return rv
                event = json.loads(line)
                kind, obj = event.get("type"), event.get("object") or {}
                if kind == "ERROR":
                    if obj.get("code") == 410:
                        return None
                    raise BenchError(f"watch {self.path}: {obj}")
                rv = obj.get("metadata", {}).get("resourceVersion", rv)
                if kind != "BOOKMARK":
                    self.handler(kind, obj, now)
            return rv
        finally:
            self._sock = None
            conn.close()

    def run(self):
        rv = None
        while not self.stopping.is_set():
            try:
                if rv is None:
                    if self.synced.is_set():
                        self.relists += 1
                    rv = self._list()
                rv = self._watch(rv)
                self.restarts += 1
            except Exception as e:  # noqa: BLE001 -- kept for the report, retried
                if self.stopping.is_set():
                    return
                self.error = f"{type(e).__name__}: {e}"
                self.restarts += 1
                time.sleep(1)
