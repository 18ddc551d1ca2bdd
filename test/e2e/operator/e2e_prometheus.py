"""promtool and a real Prometheus server (Debian's `prometheus` package) as local processes."""

import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.parse

from e2e_kube import ScenarioError, expect, print_section, run, wait_until
from e2e_operator import LOG_DIR, free_port, http_get


def promtool_check_metrics(text):
    """(ok, output) of `promtool check metrics` on an exposition (lint problems make it fail)."""
    expect(shutil.which("promtool"), "promtool not found (Debian package prometheus; scripts/setup-deps)")
    result = run(["promtool", "check", "metrics"], check=False, input=text)
    return result.returncode == 0, (result.stdout + result.stderr).strip()


class Prometheus:
    """A Prometheus scraping `targets` (host:port list) every second, with its own config, data
    directory and port. Use as a context manager."""

    def __init__(self, name, targets, scrape_interval="1s"):
        expect(
            shutil.which("prometheus"), "prometheus not found (Debian package prometheus; scripts/setup-deps)"
        )
        self.name = name
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix=f"lattice-e2e-prom-{name}-")
        self.log_path = os.path.join(LOG_DIR, f"{name}-prometheus.log")
        config = {
            "global": {"scrape_interval": scrape_interval, "evaluation_interval": scrape_interval},
            "scrape_configs": [
                {"job_name": "lattice-operator", "static_configs": [{"targets": list(targets)}]}
            ],
        }
        self.config_path = os.path.join(self.dir, "prometheus.yml")
        with open(self.config_path, "w") as f:
            json.dump(config, f)  # YAML is a superset of JSON
        self.process = None

    def __enter__(self):
        os.makedirs(LOG_DIR, exist_ok=True)
        log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [
                "prometheus",
                f"--config.file={self.config_path}",
                f"--storage.tsdb.path={self.dir}/data",
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--log.level=warn",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        deadline = time.time() + 60
        while http_get(self.url("/-/ready"))[0] != 200:
            if self.process.poll() is not None or time.time() > deadline:
                raise ScenarioError(f"prometheus did not become ready:\n{self.log_tail()}")
            time.sleep(0.3)
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            print_section(f"prometheus log {self.log_path}", self.log_tail())
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.dir, ignore_errors=True)
        return False

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def log_tail(self, lines=40):
        try:
            return "\n".join(open(self.log_path, errors="replace").read().splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def api(self, path):
        status, body = http_get(self.url(path))
        expect(status == 200, f"prometheus {path}: {status} {body[:300]}")
        answer = json.loads(body)
        expect(answer.get("status") == "success", f"prometheus {path}: {answer}")
        return answer["data"]

    def query(self, expr):
        """Instant query: [(labels, float)]."""
        data = self.api("/api/v1/query?" + urllib.parse.urlencode({"query": expr}))
        expect(data["resultType"] == "vector", f"{expr}: result type {data['resultType']}")
        return [(r["metric"], float(r["value"][1])) for r in data["result"]]

    def scrape_health(self):
        """{scrapeUrl: (health, lastError)} of every active target."""
        data = self.api("/api/v1/targets")
        return {t["scrapeUrl"]: (t["health"], t.get("lastError", "")) for t in data["activeTargets"]}

    def wait_scraped(self, timeout=30):
        return wait_until(
            "prometheus to scrape every target successfully",
            lambda: (lambda h: h and all(v[0] == "up" for v in h.values()) and h)(self.scrape_health()),
            timeout=timeout,
            interval=0.5,
        )

    def wait_query(self, expr, want, timeout=30):
        """Until the single-series result of `expr` equals `want`; returns it."""
        last = {}

        def probe():
            result = self.query(expr)
            last["result"] = result
            return len(result) == 1 and result[0][1] == want

        try:
            wait_until(f"{expr} == {want}", probe, timeout=timeout, interval=0.5)
        except ScenarioError as e:
            raise ScenarioError(f"{e}; last result {last.get('result')}") from e
        return want
