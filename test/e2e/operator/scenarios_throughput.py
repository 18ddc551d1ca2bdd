"""Throughput reports: the operator reads each running injected job's rate from its agent's status
port and shows it in status.throughput; reports of another size, stale ones and non-positive rates
are ignored.

KWOK runs no containers, so a fake agent stands in: one HTTP server on 0.0.0.0:<port> answering
per local address (getsockname tells which 127.0.0.x was asked), and the workers' status.podIP
patched to 127.0.0.x addresses (all of 127/8 is loopback on Linux). The EndpointSlice controller
then warns that it cannot publish those addresses for the workers Service: expected, harmless."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from e2e_jobs import env_of, training_job
from e2e_kube import expect, kubectl
from e2e_operator import free_port
from e2e_scenario import Scenario

POLL = "1s"


class FakeAgents:
    """GET /throughput answered with documents[local IP] (404 for an address without one); every
    asked address is recorded."""

    def __init__(self, port):
        self.documents = {}
        self.asked = []
        agents = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                ip = self.connection.getsockname()[0]
                agents.asked.append(ip)
                doc = agents.documents.get(ip)
                body = json.dumps(doc).encode() if doc is not None and self.path == "/throughput" else b"{}"
                self.send_response(200 if doc is not None else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args):
                pass

        self.server = ThreadingHTTPServer(("0.0.0.0", port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def serve(self, ip, workers, rate, measured_at):
        self.documents[ip] = {
            "generation": 1,
            "workers": workers,
            "report": {
                "generation": 1,
                "workers": workers,
                "processes": workers,
                "samplesPerSecond": rate,
                "windowSeconds": 60.0,
                "measuredAt": measured_at,
            },
        }

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def set_pod_ip(ns, name, ip):
    """Gives a KWOK pod a loopback IP (all of 127/8 is lo), where the fake agent answers."""
    patch = {"status": {"podIP": ip, "podIPs": [{"ip": ip}]}}
    kubectl("patch", "pod", name, "-n", ns, "--subresource=status", "--type=merge", "-p", json.dumps(patch))


def keeping_pod_ips(ns, ips, probe):
    """probe, polled while the pods keep their loopback IPs: kwok writes a pod's status again on its own
    updates (a resize of the job, for one) and may put its own IP back, which the operator would then
    ask in vain."""

    def polled(*args):
        for name, ip in ips.items():
            if kubectl("get", "pod", name, "-n", ns, "-o", "jsonpath={.status.podIP}").stdout.strip() != ip:
                set_pod_ip(ns, name, ip)
        return probe(*args)

    return polled


def ignored_lines(op):
    """The operator's 'throughput report ignored' messages so far."""
    found = []
    for line in op.log_lines():
        if "throughput report ignored" in line:
            try:
                found.append(json.loads(line).get("msg", line))
            except ValueError:
                found.append(line)
    return found


def scenario_throughput():
    port = free_port()
    agents = FakeAgents(port)
    try:
        with Scenario("throughput") as s:
            op = s.start_operator(
                extra_args=[
                    "--throughput-poll-interval",
                    POLL,
                    "--agent-status-port",
                    str(port),
                    "--throughput-probe-timeout",
                    "1s",
                ]
            )
            s.apply(training_job("steady", s.ns, min_size=2, max_size=2, inject=True))
            s.wait("steady Running with 2 Running workers", lambda st: st.settled("steady", "Running", 2), 60)
            workers = s.state().workers("steady")
            for pod in workers:
                env = env_of(pod["spec"]["containers"][0])
                expect(
                    env.get("LATTICE_AGENT_STATUS_PORT") == str(port),
                    f"{pod['metadata']['name']}: LATTICE_AGENT_STATUS_PORT={env.get('LATTICE_AGENT_STATUS_PORT')}",
                )
            ips = {}
            for i, pod in enumerate(workers):
                name = pod["metadata"]["name"]
                ips[name] = f"127.0.0.{11 + i}"
                set_pod_ip(s.ns, name, ips[name])
            first = ips["steady-worker-0"]

            def wait_ignored(what, text):
                s.wait(
                    what,
                    keeping_pod_ips(s.ns, ips, lambda _: any(text in line for line in ignored_lines(op))),
                    30,
                )
                expect(not s.state().status("steady").get("throughput"), f"{what}: status.throughput was set")
                print("ok", what)

            agents.serve(first, 3, 500.0, time.time())
            wait_ignored(
                "a report of 3 workers for a job of 2 is ignored", "measured at 3 workers, the job runs 2"
            )
            agents.serve(first, 2, 500.0, time.time() - 7200)
            wait_ignored("a report 2h old is ignored", "older than the maximum age")
            agents.serve(first, 2, 0.0, time.time())
            wait_ignored("a rate of 0 is ignored", "the rate is not a positive number")
            asked = set(agents.asked)
            expect(asked == {first}, f"the operator asked {asked}, want only worker 0 at {first}")

            agents.serve(first, 2, 512.5, time.time())
            status = s.wait(
                "status.throughput shows the reported rate",
                keeping_pod_ips(s.ns, ips, lambda st: st.status("steady").get("throughput")),
                30,
            )
            expect(
                status.get("samplesPerSecond") == 512.5
                and status.get("workers") == 2
                and status.get("nodes") == 2,
                f"status.throughput: {status}",
            )
            print("ok status.throughput:", status)
    finally:
        agents.close()


def scenario_throughput_growth():
    """The planner grows a job by its reports: at 1 and 2 workers the same rate (no speed-up), the
    job stays at 2 workers although 2 nodes are free; once the rate at 2 workers doubles (linear), it
    grows to maxSize 4. Blockers free the nodes one by one: "one" (1 node) after 25s, "two" (2 nodes)
    after 70s."""
    port = free_port()
    agents = FakeAgents(port)
    try:
        with Scenario("throughput-growth") as s:
            s.start_operator(
                extra_args=["--throughput-poll-interval", POLL, "--agent-status-port", str(port)]
            )
            s.apply(training_job("one", s.ns, min_size=1, max_size=1, exit_after="25s"))
            s.apply(training_job("two", s.ns, min_size=2, max_size=2, exit_after="70s"))
            s.wait(
                "the blockers Running on 3 nodes",
                lambda st: st.settled("one", "Running", 1) and st.settled("two", "Running", 2),
                60,
            )
            s.apply(training_job("flat", s.ns, min_size=1, max_size=4, inject=True))
            s.wait("flat admitted at 1 worker", lambda st: st.settled("flat", "Running", 1), 60)
            ip = "127.0.0.21"
            ips = {"flat-worker-0": ip}
            set_pod_ip(s.ns, "flat-worker-0", ip)

            def shown(workers, rate):
                def pred(st):
                    t = st.status("flat").get("throughput") or {}
                    return t.get("workers") == workers and t.get("samplesPerSecond") == rate and t

                return pred

            agents.serve(ip, 1, 100.0, time.time())
            s.wait("flat's rate at 1 worker in its status", keeping_pod_ips(s.ns, ips, shown(1, 100)), 30)
            s.wait(
                "flat grown to 2 workers once one finished",
                keeping_pod_ips(s.ns, ips, lambda st: st.settled("flat", "Running", 2)),
                60,
            )
            agents.serve(ip, 2, 100.0, time.time())
            s.wait("flat's rate at 2 workers in its status", keeping_pod_ips(s.ns, ips, shown(2, 100)), 30)
            s.wait("two finished", keeping_pod_ips(s.ns, ips, lambda st: st.stage("two") == "Completed"), 90)
            time.sleep(20)  # rescale interval 5s, plan debounce, poll 1s: growth would show by now
            st = s.state()
            expect(
                st.settled("flat", "Running", 2),
                f"flat reports no speed-up at 2 workers but runs {st.size('flat')} (want 2): {st.summary()}",
            )
            print("ok no speed-up beyond 1 worker: flat stays at 2 with 2 nodes free")
            agents.serve(ip, 2, 200.0, time.time())
            s.wait(
                "flat grown to maxSize 4 once its rate scales linearly",
                keeping_pod_ips(s.ns, ips, lambda st: st.settled("flat", "Running", 4)),
                60,
            )
            print("ok a linear rate at 2 workers: flat grows to 4")
    finally:
        agents.close()
