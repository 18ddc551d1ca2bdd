"""One job of the stream in each system's own API, and the cluster objects each system needs (pure: dicts
in, dicts out).

  lattice   a TrainingJob (bench.breezeml.ai/v1): minSize/maxSize, priority; elastic jobs injected (the
            operator's elastic mode: a resize keeps the surviving workers, the agent re-forms the group)
  peers     a PyTorchJob (kubeflow.org/v1) with elasticPolicy min/max for elastic jobs, queued by Kueue
            through a LocalQueue (label kueue.x-k8s.io/queue-name) with a WorkloadPriorityClass
            (label kueue.x-k8s.io/priority-class)

Every worker requests its GPUs plus 2 cores and 16 GiB per GPU, tolerates the bench taint, selects the
run's KWOK nodes and succeeds `duration_s` after Running (KWOK stage, annotation lattice.dev/exit-after).
"""

GPU = "nvidia.com/gpu"
NODE_SET_LABEL = "lattice.dev/node-set"
BENCH_TAINT = ("lattice.dev/bench", "true")
EXIT_AFTER = "lattice.dev/exit-after"
RUN_LABEL = "lattice.dev/bench-run"
PHASE_LABEL = "lattice.dev/bench-phase"
CPU_PER_GPU, MEMORY_GIB_PER_GPU = 2, 16
NODE_CPU, NODE_MEMORY_GIB = 32, 256  # what scripts/cluster add-nodes gives a node
# Kueue's WorkloadPriorityClass values for the mix's priorities 0-3 (only their order matters).
PRIORITY_VALUES = (0, 100, 200, 300)
PEER_JOB_LABEL = "training.kubeflow.org/job-name"


def _pod_template(job, node_set):
    g = job.gpus
    resources = {GPU: str(g), "cpu": str(CPU_PER_GPU * g), "memory": f"{MEMORY_GIB_PER_GPU * g}Gi"}
    container = {
        "name": "pytorch",  # the training operator requires this name; the operator takes any
        "image": "busybox:1.36",
        "command": ["sh", "-c", "sleep infinity"],
        "resources": {"requests": resources, "limits": dict(resources)},
    }
    return {
        "metadata": {"annotations": {EXIT_AFTER: f"{job.duration_s:g}s"}},
        "spec": {
            "containers": [container],
            "nodeSelector": {NODE_SET_LABEL: node_set},
            "tolerations": [
                {"key": BENCH_TAINT[0], "operator": "Equal", "value": BENCH_TAINT[1], "effect": "NoSchedule"}
            ],
        },
    }


def _labels(job, run_id):
    return {RUN_LABEL: run_id, PHASE_LABEL: job.phase}


def training_job(job, namespace, group, node_set, run_id, inject_elastic=True):
    spec = {
        "minSize": job.min_size,
        "maxSize": job.max_size,
        "priority": job.priority,
        "replicaSpecs": {"template": _pod_template(job, node_set)},
    }
    if inject_elastic and job.elastic:
        spec["injectLattice"] = True
    return {
        "apiVersion": f"{group}/v1",
        "kind": "TrainingJob",
        "metadata": {"name": job.name, "namespace": namespace, "labels": _labels(job, run_id)},
        "spec": spec,
    }


def pytorch_job(job, namespace, node_set, run_id, queue, priority_prefix, replicas="max"):
    """replicas: "max" (the job asks for its maxSize; Kueue admits all of it or nothing) or "min"."""
    labels = _labels(job, run_id)
    labels["kueue.x-k8s.io/queue-name"] = queue
    labels["kueue.x-k8s.io/priority-class"] = f"{priority_prefix}{job.priority}"
    count = job.max_size if replicas == "max" else job.min_size
    spec = {
        "pytorchReplicaSpecs": {
            "Worker": {
                "replicas": count,
                "restartPolicy": "OnFailure",
                "template": _pod_template(job, node_set),
            }
        },
    }
    if job.elastic:
        spec["elasticPolicy"] = {
            "minReplicas": job.min_size,
            "maxReplicas": job.max_size,
            "rdzvBackend": "c10d",
        }
    return {
        "apiVersion": "kubeflow.org/v1",
        "kind": "PyTorchJob",
        "metadata": {"name": job.name, "namespace": namespace, "labels": labels},
        "spec": spec,
    }


def kueue_objects(run_id, namespace, node_set, nodes, queue):
    """ResourceFlavor (the run's nodes), ClusterQueue with the nodes' whole capacity as quota and
    preemption of lower priorities within it, the LocalQueue jobs name, and WorkloadPriorityClasses
    <prefix>0..3. Returns (objects, priority prefix)."""
    flavor, cq, prefix = f"bench-{run_id}", f"bench-{run_id}", f"bench-{run_id}-p"
    api = "kueue.x-k8s.io/v1beta2"
    labels = {RUN_LABEL: run_id}
    objects = [
        {
            "apiVersion": api,
            "kind": "ResourceFlavor",
            "metadata": {"name": flavor, "labels": labels},
            "spec": {
                "nodeLabels": {NODE_SET_LABEL: node_set},
                "nodeTaints": [{"key": BENCH_TAINT[0], "value": BENCH_TAINT[1], "effect": "NoSchedule"}],
            },
        },
        {
            "apiVersion": api,
            "kind": "ClusterQueue",
            "metadata": {"name": cq, "labels": labels},
            "spec": {
                "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": namespace}},
                "queueingStrategy": "BestEffortFIFO",
                "preemption": {"withinClusterQueue": "LowerPriority"},
                "resourceGroups": [
                    {
                        "coveredResources": ["cpu", "memory", GPU],
                        "flavors": [
                            {
                                "name": flavor,
                                "resources": [
                                    {"name": "cpu", "nominalQuota": str(nodes * NODE_CPU)},
                                    {"name": "memory", "nominalQuota": f"{nodes * NODE_MEMORY_GIB}Gi"},
                                    {"name": GPU, "nominalQuota": str(nodes * 8)},
                                ],
                            }
                        ],
                    }
                ],
            },
        },
        {
            "apiVersion": api,
            "kind": "LocalQueue",
            "metadata": {"name": queue, "namespace": namespace, "labels": labels},
            "spec": {"clusterQueue": cq},
        },
    ]
    for p, value in enumerate(PRIORITY_VALUES):
        objects.append(
            {
                "apiVersion": api,
                "kind": "WorkloadPriorityClass",
                "metadata": {"name": f"{prefix}{p}", "labels": labels},
                "value": value,
                "description": f"bench priority {p}",
            }
        )
    return objects, prefix


def flow_schema(name, run_id, sa_namespace, sa_name, priority_level="workload-low"):
    """Counts one identity's requests apart (apiserver_flowcontrol_dispatched_requests_total{flow_schema})
    while keeping the priority level a ServiceAccount gets anyway (the bootstrap "service-accounts"
    FlowSchema, precedence 9000, sends every ServiceAccount to workload-low)."""
    return {
        "apiVersion": "flowcontrol.apiserver.k8s.io/v1",
        "kind": "FlowSchema",
        "metadata": {"name": name, "labels": {RUN_LABEL: run_id}},
        "spec": {
            "priorityLevelConfiguration": {"name": priority_level},
            "matchingPrecedence": 8000,
            "distinguisherMethod": {"type": "ByUser"},
            "rules": [
                {
                    "subjects": [
                        {
                            "kind": "ServiceAccount",
                            "serviceAccount": {"name": sa_name, "namespace": sa_namespace},
                        }
                    ],
                    "resourceRules": [
                        {
                            "verbs": ["*"],
                            "apiGroups": ["*"],
                            "resources": ["*"],
                            "clusterScope": True,
                            "namespaces": ["*"],
                        }
                    ],
                    "nonResourceRules": [{"verbs": ["*"], "nonResourceURLs": ["*"]}],
                }
            ],
        },
    }
