"""The two systems the benchmark compares, each installed into the same cluster, run as local processes
with ServiceAccount identities and RBAC from their own manifests, and removed again:

  LatticeSystem  this operator (TrainingJob, its chart's RBAC)
  PeerSystem     Kubeflow training operator v1 (PyTorchJob) + Kueue (peers_kubeflow.py)

Both expose: install(), start(), processes() {name: LocalProcess}, manifest(job), jobs_path, stage(obj),
flow_schemas(), job_label (the pods' job-name label), stop(), uninstall()."""

import os

import peers_manifests as pm
from peers_kube import apply, delete_labelled, namespace, wait_sa
from peers_kubeflow import PeerSystem, delete_peer_crds  # noqa: F401 -- the driver takes both systems from here
from peers_process import free_ports, service_account_kubeconfig
from scale_kube import SOURCE_DIR, kubectl, run
from scale_observe import metric_sum, scrape
from scale_setup import Operator, delete_crd_if_unused, install_crd

GROUP = "bench.breezeml.ai"


class LatticeSystem:
    name, title = "lattice", "Lattice operator"

    def __init__(self, ctx, binary, extra_args, inject_elastic=True):
        self.ctx, self.binary, self.extra_args = ctx, binary, list(extra_args)
        self.inject_elastic = inject_elastic
        self.sys_ns = f"lattice-peers-{ctx.run_id}-lattice"
        self.sa = "lattice-operator"
        self.job_label = f"{GROUP}/job-name"
        self.jobs_path = f"/apis/{GROUP}/v1/namespaces/{ctx.ns}/trainingjobs"
        self.schema = f"bench-{ctx.run_id}-lattice"
        self.operator = None

    def install(self):
        c = self.ctx
        install_crd(GROUP)
        namespace(self.sys_ns, c.run_id)
        chart = os.path.join(SOURCE_DIR, "helm", "lattice-operator")
        rendered = run(
            ["helm", "template", "bench", chart, "--namespace", self.sys_ns, "--set", f"group={GROUP}",
             "--set", f"monitorNamespace={c.ns}",
             "--show-only", "templates/rbac.yaml", "--show-only", "templates/serviceaccount.yaml"]
        ).stdout  # fmt: skip
        kubectl("apply", "-f", "-", input=rendered)
        # The chart names its cluster-scoped RBAC after the release namespace (ours alone).
        cluster_name = f"lattice-operator-{self.sys_ns}"
        kubectl("label", f"clusterrole/{cluster_name}", f"clusterrolebinding/{cluster_name}",
                f"{pm.RUN_LABEL}={c.run_id}", "--overwrite")  # fmt: skip
        apply([pm.flow_schema(self.schema, c.run_id, self.sys_ns, self.sa)])
        wait_sa(self.sys_ns, self.sa)

    def start(self):
        c = self.ctx
        kubeconfig = service_account_kubeconfig(
            os.path.join(c.out_dir, "lattice.kubeconfig"), self.sys_ns, self.sa
        )
        self.operator = Operator(
            self.binary, GROUP, c.ns, os.path.join(c.out_dir, "lattice.log"), self.extra_args,
            kubeconfig=kubeconfig, ports=tuple(free_ports(3)),
        )  # fmt: skip
        self.operator.name = "lattice-operator"
        self.operator.start(c.ns)

    def processes(self):
        return {"lattice-operator": self.operator} if self.operator else {}

    def metrics_url(self):
        return f"http://127.0.0.1:{self.operator.metrics_port}/metrics"

    def pods_created(self):
        """Pod creates the API server has answered 201 so far, from the operator's own request
        counter: the same instrument as the plain-pod ceilings, which count answers at the client."""
        sample = scrape(self.operator.metrics_port, timeout=2)
        return metric_sum(sample, "lattice_api_requests_total", verb="POST", resource="pods", code="201")

    def manifest(self, job):
        c = self.ctx
        return pm.training_job(job, c.ns, GROUP, c.node_set, c.run_id, self.inject_elastic)

    @staticmethod
    def stage(obj):
        return (obj.get("status") or {}).get("stage") or "New"

    def flow_schemas(self):
        return {"lattice-operator": self.schema}

    def stop(self):
        return {"lattice-operator": self.operator.stop()} if self.operator else {}

    def uninstall(self):
        c = self.ctx
        delete_labelled(["flowschemas"], f"{pm.RUN_LABEL}={c.run_id}")
        kubectl("delete", "clusterrole,clusterrolebinding", "-l", f"{pm.RUN_LABEL}={c.run_id}",
                "--ignore-not-found", check=False)  # fmt: skip
        kubectl("delete", "namespace", self.sys_ns, "--ignore-not-found", "--wait=false", check=False)
        delete_crd_if_unused(GROUP, c.ns)
