"""The peers: Kubeflow training operator v1 (PyTorchJob) and Kueue (queueing, priorities, preemption),
built by scripts/build-peer-bins; their CRDs, RBAC and webhooks from the same module sources, their
webhooks called at https://127.0.0.1:PORT, each a local process with its own ServiceAccount."""

import json
import os
import subprocess
import time

import peers_certs
import peers_manifests as pm
from peers_kube import apply, delete_labelled, load_manifests, namespace, wait_established, wait_sa
from peers_process import LocalProcess, free_ports, service_account_kubeconfig
from scale_kube import BenchError, kubectl

QUEUE = "bench"


class PeerSystem:
    """training-operator + Kueue. Each keeps its own certificate management (open-policy-agent
    cert-controller); the Secret it starts from is made here so its certificate also names 127.0.0.1."""

    name, title = "peers", "training-operator + Kueue"
    KUEUE_SERVICE, KUEUE_SECRET = "kueue-webhook-service", "kueue-webhook-server-cert"
    TO_SERVICE, TO_SECRET, TO_WEBHOOK = (
        "training-operator",
        "training-operator-webhook-cert",
        ("validator.training-operator.kubeflow.org"),
    )
    TO_CERT_DIR = "/tmp/k8s-webhook-server/serving-certs"
    KUEUE_CONVERTED = ("localqueues", "clusterqueues", "workloads", "cohorts", "multikueueclusters")

    def __init__(
        self, ctx, training_operator_dir, kueue_dir, replicas="max", block_admission=True, name="peers"
    ):
        self.ctx, self.to_dir, self.kueue_dir = ctx, training_operator_dir, kueue_dir
        self.replicas, self.block_admission = replicas, block_admission
        self.name = name
        self.title = "training-operator + Kueue" + ("" if block_admission else " (blockAdmission off)")
        self.sys_ns = f"lattice-peers-{ctx.run_id}-{name}"
        self.prefix = f"bench-{ctx.run_id}-"
        self.job_label = pm.PEER_JOB_LABEL
        self.jobs_path = f"/apis/kubeflow.org/v1/namespaces/{ctx.ns}/pytorchjobs"
        self.procs = {}
        self.priority_prefix = None
        (self.to_webhook_port, self.to_metrics_port, self.to_probe_port, self.kueue_webhook_port,
         self.kueue_metrics_port, self.kueue_probe_port, self.kueue_visibility_port) = free_ports(7)  # fmt: skip
        self.crds = []

    # -- install
    def _rbac(self, files, component, sa):
        """The manifests' RBAC bound to our ServiceAccount: cluster-scoped names prefixed with the run,
        namespaced objects moved to the peers' namespace (kube-system ones stay)."""
        own_roles, out = set(), []
        objects = load_manifests(*files)
        for obj in objects:
            if obj["kind"] in ("ClusterRole", "Role"):
                own_roles.add((obj["kind"], obj["metadata"]["name"]))
        for obj in objects:
            meta, kind = obj["metadata"], obj["kind"]
            meta.setdefault("labels", {})[pm.RUN_LABEL] = self.ctx.run_id
            if kind == "ServiceAccount":
                meta["name"], meta["namespace"] = sa, self.sys_ns
            elif kind in ("ClusterRole", "ClusterRoleBinding"):
                meta["name"] = f"{self.prefix}{component}-{meta['name']}"
            elif meta.get("namespace") != "kube-system":
                meta["namespace"] = self.sys_ns
            if kind in ("RoleBinding", "ClusterRoleBinding"):
                ref = obj["roleRef"]
                if (ref["kind"], ref["name"]) in own_roles and ref["kind"] == "ClusterRole":
                    ref["name"] = f"{self.prefix}{component}-{ref['name']}"
                obj["subjects"] = [{"kind": "ServiceAccount", "name": sa, "namespace": self.sys_ns}]
            if kind == "RoleBinding" and meta["namespace"] == "kube-system":
                meta["name"] = f"{self.prefix}{component}-{meta['name']}"
            out.append(obj)
        return out

    def _webhooks(self, objects, name_for, port):
        for obj in objects:
            obj["metadata"]["name"] = name_for(obj)
            obj["metadata"].setdefault("labels", {})[pm.RUN_LABEL] = self.ctx.run_id
            for hook in obj.get("webhooks", []):
                path = hook["clientConfig"]["service"].get("path", "/")
                hook["clientConfig"] = {"url": f"https://127.0.0.1:{port}{path}"}
                selector = hook.get("namespaceSelector")
                if hook["name"] in ("mpod.kb.io", "vpod.kb.io", "mdeployment.kb.io", "vdeployment.kb.io",
                                    "mstatefulset.kb.io", "vstatefulset.kb.io"):  # fmt: skip
                    # Kueue's kustomization: every namespace but kube-system and Kueue's own.
                    selector = {"matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "NotIn",
                                                      "values": ["kube-system", self.sys_ns]}]}  # fmt: skip
                if selector:
                    hook["namespaceSelector"] = selector
        return objects

    def install(self):
        c, m_to, m_k = (
            self.ctx,
            os.path.join(self.to_dir, "manifests"),
            os.path.join(self.kueue_dir, "manifests"),
        )
        namespace(self.sys_ns, c.run_id)
        # CRDs: the training operator's six kinds (it runs every scheme by default) and Kueue's, whose
        # served-but-not-stored versions convert through Kueue's webhook.
        crds = load_manifests(
            *sorted(os.path.join(m_to, "crds", f) for f in os.listdir(os.path.join(m_to, "crds")) if f.startswith("kubeflow")),
            *sorted(os.path.join(m_k, "crd", f) for f in os.listdir(os.path.join(m_k, "crd"))),
        )  # fmt: skip
        for crd in crds:
            if (
                crd["spec"]["names"]["plural"] in self.KUEUE_CONVERTED
                and crd["spec"]["group"] == "kueue.x-k8s.io"
            ):
                crd["spec"]["conversion"] = {
                    "strategy": "Webhook",
                    "webhook": {
                        "clientConfig": {"url": f"https://127.0.0.1:{self.kueue_webhook_port}/convert"},
                        "conversionReviewVersions": ["v1"],
                    },
                }
        self.crds = [crd["metadata"]["name"] for crd in crds]
        wait_not_terminating(self.crds)  # an earlier run's deletion of them must finish first
        apply(crds)
        wait_established(self.crds)
        rbac = self._rbac(
            [os.path.join(m_to, "rbac", f) for f in ("service-account.yaml", "role.yaml", "cluster-role-binding.yaml")],
            "training-operator", "training-operator",
        ) + self._rbac(
            [os.path.join(m_k, "rbac", f) for f in (
                "service_account.yaml", "role.yaml", "role_binding.yaml", "leader_election_role.yaml",
                "leader_election_role_binding.yaml", "manager_secrets_role.yaml", "manager_secrets_role_binding.yaml",
                "metrics_auth_role.yaml", "metrics_auth_role_binding.yaml")]
            + [os.path.join(m_k, "visibility", "role_binding.yaml")],
            "kueue", "kueue-controller-manager",
        )  # fmt: skip
        apply(rbac)
        labels = {pm.RUN_LABEL: c.run_id}
        self.to_pair = peers_certs.make_pair("training-operator-ca", f"{self.TO_SERVICE}.{self.sys_ns}.svc")
        self.kueue_pair = peers_certs.make_pair("kueue-ca", f"{self.KUEUE_SERVICE}.{self.sys_ns}.svc")
        apply([peers_certs.secret(self.TO_SECRET, self.sys_ns, self.to_pair, labels),
               peers_certs.secret(self.KUEUE_SECRET, self.sys_ns, self.kueue_pair, labels)])  # fmt: skip
        to_hooks = self._webhooks(
            load_manifests(os.path.join(m_to, "webhook", "manifests.yaml")),
            lambda o: self.TO_WEBHOOK,
            self.to_webhook_port,
        )
        kueue_hooks = self._webhooks(
            load_manifests(os.path.join(m_k, "webhook", "manifests.yaml")),
            lambda o: "kueue-" + o["metadata"]["name"], self.kueue_webhook_port,
        )  # fmt: skip
        apply(to_hooks + kueue_hooks)
        apply([
            pm.flow_schema(f"{self.prefix}training-operator", c.run_id, self.sys_ns, "training-operator"),
            pm.flow_schema(f"{self.prefix}kueue", c.run_id, self.sys_ns, "kueue-controller-manager"),
        ])  # fmt: skip
        wait_sa(self.sys_ns, "training-operator")
        wait_sa(self.sys_ns, "kueue-controller-manager")

    def kueue_config(self, cert_dir):
        """Kueue's default configuration (config/components/manager/controller_manager_config.yaml of
        the module) with its ports on loopback, our namespace, and waitForPodsReady as Kueue's docs set
        it up for all-or-nothing training jobs ("Sequential Admission with Ready Pods")."""
        frameworks = [
            "batch/job", "kubeflow.org/mpijob", "ray.io/rayjob", "ray.io/raycluster", "ray.io/rayservice",
            "jobset.x-k8s.io/jobset", "kubeflow.org/paddlejob", "kubeflow.org/pytorchjob", "kubeflow.org/tfjob",
            "kubeflow.org/xgboostjob", "kubeflow.org/jaxjob", "workload.codeflare.dev/appwrapper",
            "trainer.kubeflow.org/trainjob", "pod", "deployment", "statefulset", "leaderworkerset.x-k8s.io/leaderworkerset",
        ]  # fmt: skip
        return {
            "apiVersion": "config.kueue.x-k8s.io/v1beta2",
            "kind": "Configuration",
            "namespace": self.sys_ns,
            "health": {"healthProbeBindAddress": f"127.0.0.1:{self.kueue_probe_port}"},
            "metrics": {"bindAddress": f"127.0.0.1:{self.kueue_metrics_port}"},
            "webhook": {"port": self.kueue_webhook_port, "host": "127.0.0.1", "certDir": cert_dir},
            "leaderElection": {
                "leaderElect": True,
                "resourceName": "c1f6bfd2.kueue.x-k8s.io",
                "resourceNamespace": self.sys_ns,
            },
            "controller": {
                "groupKindConcurrency": {
                    "Job.batch": 5,
                    "Pod": 5,
                    "Workload.kueue.x-k8s.io": 5,
                    "LocalQueue.kueue.x-k8s.io": 1,
                    "Cohort.kueue.x-k8s.io": 1,
                    "ClusterQueue.kueue.x-k8s.io": 1,
                    "ResourceFlavor.kueue.x-k8s.io": 1,
                }  # fmt: skip
            },
            "clientConnection": {"qps": 50, "burst": 100},
            "internalCertManagement": {
                "enable": True,
                "webhookServiceName": self.KUEUE_SERVICE,
                "webhookSecretName": self.KUEUE_SECRET,
            },
            "waitForPodsReady": {
                "timeout": "10m",
                "blockAdmission": self.block_admission,
                "requeuingStrategy": {"timestamp": "Eviction", "backoffLimitCount": 5},
            },
            "integrations": {"frameworks": frameworks},
            # The visibility API (pending workloads, read-only; an aggregated API server inside Kueue) needs
            # in-cluster credentials for its delegated authentication, which a local process has not: off.
            # Scheduling, queueing and preemption do not use it.
            "featureGates": {"VisibilityOnDemand": False},
        }

    def start(self):
        c = self.ctx
        to_kc = service_account_kubeconfig(os.path.join(c.out_dir, "training-operator.kubeconfig"), self.sys_ns,
                                           "training-operator")  # fmt: skip
        kueue_kc = service_account_kubeconfig(os.path.join(c.out_dir, "kueue.kubeconfig"), self.sys_ns,
                                              "kueue-controller-manager")  # fmt: skip
        # In a cluster the Secret is mounted as the webhook server's certificate directory, and each
        # rotator waits for tls.crt to appear there: write it as the mount would. The training operator's
        # rotator and webhook server use the fixed /tmp/k8s-webhook-server/serving-certs.
        cert_dir = os.path.join(c.out_dir, "kueue-certs")
        peers_certs.write_mount(cert_dir, self.kueue_pair)
        peers_certs.write_mount(self.TO_CERT_DIR, self.to_pair)
        config_path = os.path.join(c.out_dir, "kueue-config.json")
        with open(config_path, "w") as f:
            json.dump(self.kueue_config(cert_dir), f, indent=1)
        objects, self.priority_prefix = pm.kueue_objects(c.run_id, c.ns, c.node_set, c.nodes, QUEUE)
        # Kueue first: its webhooks (Workloads, PyTorchJobs, pods) must answer before jobs are applied.
        kueue = LocalProcess(
            "kueue",
            [os.path.join(self.kueue_dir, "kueue"), f"--config={config_path}",
             f"--visibility-server-port={self.kueue_visibility_port}"],
            os.path.join(c.out_dir, "kueue.log"), kueue_kc, f"http://127.0.0.1:{self.kueue_probe_port}/readyz",
        )  # fmt: skip
        self.procs["kueue"] = kueue  # stopped at the end even if it never gets ready
        kueue.start()
        # The training operator's default flags (all schemes, 1 worker thread, QPS 20/burst 30), watching the
        # bench namespace like this operator; its webhook server on loopback.
        to = LocalProcess(
            "training-operator",
            [os.path.join(self.to_dir, "training-operator"), f"--namespace={c.ns}",
             f"--metrics-bind-address=127.0.0.1:{self.to_metrics_port}",
             f"--health-probe-bind-address=127.0.0.1:{self.to_probe_port}",
             f"--webhook-server-port={self.to_webhook_port}", f"--webhook-service-name={self.TO_SERVICE}",
             f"--webhook-secret-name={self.TO_SECRET}"],
            os.path.join(c.out_dir, "training-operator.log"), to_kc, f"http://127.0.0.1:{self.to_probe_port}/readyz",
            env={"MY_POD_NAMESPACE": self.sys_ns},
        )  # fmt: skip
        self.procs["training-operator"] = to
        to.start()
        apply(objects)
        self._wait_queue_active()

    def _wait_queue_active(self, timeout=60):
        result = kubectl(
            "wait",
            "--for=condition=Active",
            f"clusterqueue/bench-{self.ctx.run_id}",
            f"--timeout={timeout}s",
            check=False,
        )
        if result.returncode != 0:
            raise BenchError(f"the ClusterQueue is not Active: {result.stderr.strip()}")

    def processes(self):
        return dict(self.procs)

    def metrics_url(self):
        return f"http://127.0.0.1:{self.to_metrics_port}/metrics"

    def manifest(self, job):
        c = self.ctx
        return pm.pytorch_job(job, c.ns, c.node_set, c.run_id, QUEUE, self.priority_prefix, self.replicas)

    @staticmethod
    def stage(obj):
        """Completed / Failed / Running / Waiting (suspended by Kueue) / New, from the conditions."""
        conds = {c["type"]: c.get("status") for c in (obj.get("status") or {}).get("conditions") or []}
        if conds.get("Succeeded") == "True":
            return "Completed"
        if conds.get("Failed") == "True":
            return "Failed"
        if (obj.get("spec", {}).get("runPolicy") or {}).get("suspend"):
            return "Waiting"
        if conds.get("Running") == "True":
            return "Running"
        return "New"

    def flow_schemas(self):
        return {"training-operator": f"{self.prefix}training-operator", "kueue": f"{self.prefix}kueue"}

    def stop(self):
        return {name: p.stop() for name, p in self.procs.items()}

    def uninstall(self):
        """Webhooks first (a pod webhook whose server is gone would fail every pod create), then the
        queues, RBAC, namespace and CRDs."""
        c = self.ctx
        label = f"{pm.RUN_LABEL}={c.run_id}"
        delete_labelled(
            ["validatingwebhookconfigurations", "mutatingwebhookconfigurations"], label, wait=True
        )
        for name in (f"bench-{c.run_id}",):
            kubectl("delete", "clusterqueue", name, "--ignore-not-found", "--wait=false", check=False)
        delete_labelled(["flowschemas", "clusterroles", "clusterrolebindings"], label)
        kubectl("delete", "rolebinding", "-n", "kube-system", "-l", label, "--ignore-not-found", check=False)
        kubectl("delete", "namespace", self.sys_ns, "--ignore-not-found", "--wait=false", check=False)


def wait_not_terminating(crd_names, timeout=180):
    deadline = time.time() + timeout
    for name in crd_names:
        while True:
            out = kubectl("get", "crd", name, "--ignore-not-found", "-o", "jsonpath={.metadata.deletionTimestamp}",
                          check=False).stdout.strip()  # fmt: skip
            if not out:
                break
            if time.time() > deadline:
                raise BenchError(f"crd/{name} still terminating after {timeout}s")
            release_kueue_objects(None)  # what an earlier run left with a finalizer holds it
            time.sleep(1)


def release_kueue_objects(namespace):
    """Kueue's objects left after Kueue stopped (a failed run) keep finalizers only Kueue removes, and
    would hold their CRD in Terminating forever: drop the finalizers and delete them."""
    for kind, ns in (("workloads", namespace), ("localqueues", namespace), ("clusterqueues", None),
                     ("resourceflavors", None), ("workloadpriorityclasses", None)):  # fmt: skip
        scope = ["-n", ns] if ns else []
        select = scope or ["-l", pm.RUN_LABEL]  # cluster-scoped: the bench's only
        names = kubectl("get", f"{kind}.kueue.x-k8s.io", *select, "-o", "name", check=False).stdout.split()
        for name in names:
            kubectl(
                "patch", name, *scope, "--type=merge", "-p", '{"metadata":{"finalizers":null}}', check=False
            )
        if names:
            kubectl("delete", *names, *scope, "--ignore-not-found", "--wait=false", check=False)


def delete_peer_crds(run_id):
    """The peers' CRDs, once no other peers run's namespace is left (their objects go with them)."""
    others = kubectl("get", "namespaces", "-l", pm.RUN_LABEL, "-o", "name", check=False).stdout.split()
    if any("-peers" in n.split("lattice-peers-", 1)[-1] and run_id not in n for n in others):
        return False
    names = kubectl("get", "crd", "-o", "name", check=False).stdout.split()
    doomed = [n for n in names if n.endswith(".kueue.x-k8s.io") or n.endswith(".kubeflow.org")]
    # Kueue is stopped by now: a conversion webhook pointing at it fails every read of its kinds, and
    # the API server's watch cache of them retries that every second while the CRD stays, so the CRDs
    # convert nothing any more and the objects' finalizers are dropped, else their deletion hangs.
    kueue = [n for n in doomed if n.endswith(".kueue.x-k8s.io")]
    for name in kueue:
        kubectl("patch", name, "--type=merge", "-p", '{"spec":{"conversion":{"strategy":"None","webhook":null}}}',
                check=False)  # fmt: skip
    if kueue:
        release_kueue_objects(None)
    if doomed:
        subprocess.run(
            ["kubectl", "delete", "--wait=false", "--ignore-not-found", *doomed], capture_output=True
        )
    return True
