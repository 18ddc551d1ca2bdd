"""The TrainingJob API (breezeml.ai/v1) as an OpenAPI v3 structural schema.

Field names, defaults and descriptions follow the product spec
(docs/spec.md, "API Reference"); runPolicy follows Kubeflow's RunPolicy where
the spec is silent, and the status follows DESIGN.md ("TrainingJob
semantics"). The pod template placeholder POD_TEMPLATE is replaced by
generate_crd.py with the Kubernetes PodTemplateSpec schema.
"""

import limits_header

POD_TEMPLATE = "__pod_template_spec__"
# Key of a node's CEL rules: generate_crd.py writes them as x-kubernetes-validations
# inside a Helm condition on the API server's version.
CEL_RULES = "__cel_rules__"

INT32_MAX = 2**31 - 1
JSON_INTEGER_MAX = 2**53 - 1  # as json_integer_max in training_job_limits.hpp
LIMITS = limits_header.read_limits()

# Integers the operator writes and never reads back: their ranges are set
# here, not in the decoder's header. Every other integer of the schema (the
# pod template aside) must have its range in k8s/codec/training_job_limits.hpp;
# test/chart checks both.
WRITTEN_ONLY = {
    "status.conditions[].observedGeneration": (0, JSON_INTEGER_MAX),
    "status.throughput.workers": (1, INT32_MAX),
    "status.throughput.nodes": (1, INT32_MAX),
}


def _integer(field, description, **extra):
    """An integer with the range the operator honours for `field` (a path as in LIMITS)."""
    low, high = LIMITS[field] if field in LIMITS else WRITTEN_ONLY[field]
    fits32 = -(2**31) <= low and high <= INT32_MAX
    return dict(
        type="integer",
        format="int32" if fits32 else "int64",
        minimum=low,
        maximum=high,
        description=description,
        **extra,
    )


def _time(description):
    # Times are RFC3339 UTC; nullable so the operator can clear them (the spec
    # says requeueTime/cooldownTime are reset to nil) with an explicit null.
    return dict(type="string", format="date-time", nullable=True, description=description)


RUN_POLICY = dict(
    type="object",
    description=(
        "RunPolicy encapsulates various runtime policies of the distributed training job, "
        "for example, how to clean up resources and how long the job can stay active."
    ),
    properties=dict(
        cleanPodPolicy=dict(
            type="string",
            enum=["All", "Running", "None"],
            description=(
                "CleanPodPolicy defines the policy to kill pods after the job completes: "
                "All deletes every pod of the job, Running deletes the pods still running, "
                "None keeps them. Unset means Running (Kubeflow's default is None), so a finished job never "
                "keeps GPUs busy."
            ),
        ),
        ttlSecondsAfterFinished=_integer(
            "spec.runPolicy.ttlSecondsAfterFinished",
            "TTLSecondsAfterFinished is the TTL to clean up the job after it finishes "
            "(Completed or Failed). Unset: the job is never deleted automatically; 0: it "
            "is eligible for deletion right after it finishes.",
        ),
        activeDeadlineSeconds=_integer(
            "spec.runPolicy.activeDeadlineSeconds",
            "Specifies the duration in seconds relative to the startTime that the job "
            "may be active before the system tries to terminate it; value must be a "
            "positive integer.",
        ),
        backoffLimit=_integer(
            "spec.runPolicy.backoffLimit", "Optional number of retries before marking this job failed."
        ),
        suspend=dict(
            type="boolean",
            default=False,
            description=(
                "Suspend specifies whether the TrainingJob should be suspended: true "
                "deletes its pods and keeps it out of the autoscaler's plan; setting it "
                "back to false queues the job again. Default: false."
            ),
        ),
    ),
)

REPLICA_SPEC = dict(
    type="object",
    required=["template"],
    description=(
        "ReplicaSpec (value). Specifies configuration for containers. It no longer handles "
        "the number of nodes. The lattice operator will generate replica numbers dynamically"
    ),
    properties=dict(
        template=POD_TEMPLATE,
    ),
)

SPEC = dict(
    type="object",
    required=["replicaSpecs"],
    description="TrainingJobSpec defines the desired state of TrainingJob",
    properties=dict(
        runPolicy=RUN_POLICY,
        replicaSpecs=REPLICA_SPEC,
        minSize=_integer(
            "spec.minSize",
            "The following two parameters configure elastic behavior of the job. We only "
            "consider running the job with [MinSize, MaxSize] nodes. If unspecified, they are "
            "set to [1,1]. minSize must be at least 1.",
            default=1,
        ),
        maxSize=_integer(
            "spec.maxSize",
            "Upper bound of the job's size (see minSize): the job runs with at most maxSize "
            "workers. Must be at least minSize. If unspecified, set to 1.",
            default=1,
        ),
        injectLattice=dict(
            type="boolean",
            default=False,
            description=(
                "We use this part of the spec as a way to determine whether we should inject "
                "the Lattice Agent and Lattice Addons using the Lattice Installer. Currently, "
                "enabling this imposes the requirement that the container used must have python "
                "and pip installed and MUST have an explicit command in the yaml file, not use "
                "the implicit command in the docker. If unspecified, set to false"
            ),
        ),
        framework=dict(
            type="string",
            enum=["pytorch"],
            default="pytorch",
            description=(
                "The framework of the TrainingJob Will be sent to agent as an ENV variable Default: pytorch"
            ),
        ),
        priority=_integer(
            "spec.priority",
            "Priority of the job as an integer. A job with higher priority will always be "
            "scheduled first. A job with higher priority can take over resources from lower "
            "ones preemptively. Default: 0",
            default=0,
        ),
    ),
)

CONDITION = dict(
    type="object",
    required=["type", "status"],
    description="A condition of the job, following the Kubernetes API conventions.",
    properties=dict(
        type=dict(
            type="string",
            description="Type of the condition, e.g. Created, Running, Succeeded, Failed, Invalid.",
        ),
        status=dict(
            type="string",
            enum=["True", "False", "Unknown"],
            description="Status of the condition: True, False or Unknown.",
        ),
        reason=dict(
            type="string", description="One-word CamelCase reason for the condition's last transition."
        ),
        message=dict(type="string", description="Human-readable message with details about the transition."),
        lastUpdateTime=_time("The last time this condition was updated."),
        lastTransitionTime=_time("Last time the condition transitioned from one status to another."),
        observedGeneration=_integer(
            "status.execStatus.conditions[].observedGeneration",
            "The .metadata.generation that the condition was set based upon.",
        ),
    ),
)

# The job-level conditions again at .status.conditions, in the shape of
# Kubernetes' metav1.Condition (as controller-gen writes it), which generic
# tools read: `kubectl wait --for=condition=Running`, Argo CD health checks.
STANDARD_CONDITION = dict(
    type="object",
    required=["lastTransitionTime", "message", "reason", "status", "type"],
    description=(
        "A condition of the job in the shape of Kubernetes' metav1.Condition: the job-level "
        "conditions of status.execStatus.conditions (Created, Queued, Running, Restarting, "
        "Suspended, Succeeded, Failed, Invalid)."
    ),
    properties=dict(
        type=dict(
            type="string",
            maxLength=316,
            pattern=(
                r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
                r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$"
            ),
            description="Type of the condition in CamelCase, e.g. Running.",
        ),
        status=dict(
            type="string",
            enum=["True", "False", "Unknown"],
            description="Status of the condition: True, False or Unknown.",
        ),
        observedGeneration=_integer(
            "status.conditions[].observedGeneration",
            "The .metadata.generation that the condition was set based upon.",
        ),
        lastTransitionTime=dict(
            type="string",
            format="date-time",
            description="Last time the condition transitioned from one status to another.",
        ),
        reason=dict(
            type="string",
            minLength=1,
            maxLength=1024,
            pattern=r"^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$",
            description="One-word CamelCase reason for the condition's last transition.",
        ),
        message=dict(
            type="string",
            maxLength=32768,
            description="Human-readable message with details about the transition; may be empty.",
        ),
    ),
)

REPLICA_STATUS = dict(
    type="object",
    description="ReplicaStatus represents the current observed state of the job's worker pods.",
    properties=dict(
        active=_integer("status.execStatus.replicaStatuses{}.active", "The number of actively running pods."),
        succeeded=_integer(
            "status.execStatus.replicaStatuses{}.succeeded",
            "The number of pods which reached phase Succeeded.",
        ),
        failed=_integer(
            "status.execStatus.replicaStatuses{}.failed", "The number of pods which reached phase Failed."
        ),
        selector=dict(
            type="string",
            description="A label selector (in string form) that selects the job's worker pods.",
        ),
    ),
)

EXEC_STATUS = dict(
    type="object",
    description=(
        "Note: execution status handles single-job scheduling information after the "
        "autoscaling algorithm has determined intended replicaSpecs for it. The reconciler "
        "will try to control the exec status to match the indended status determined by the "
        "autoscaler"
    ),
    properties=dict(
        conditions=dict(
            type="array",
            description="Conditions is an array of current observed job conditions.",
            items=CONDITION,
            **{"x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"]},
        ),
        replicaStatuses=dict(
            type="object",
            description="ReplicaStatuses is a map from replica type (Worker) to its observed status.",
            additionalProperties=REPLICA_STATUS,
        ),
        startTime=_time("Represents the time when the job was acknowledged by the job controller."),
        completionTime=_time("Represents the time when the job was completed."),
        lastReconcileTime=_time("Represents the last time when the job was reconciled."),
    ),
)

STATUS = dict(
    type="object",
    description="TrainingJobStatus defines the observed state of TrainingJob",
    properties=dict(
        execStatus=EXEC_STATUS,
        currentSize=_integer(
            "status.currentSize",
            "CurrentSize: how many workers should a job run with; Stage: whether the job is "
            "waiting, running, or has finished. These are the *intended* status of the jobs. "
            "At runtime, we reconcile jobs to meet such status.",
        ),
        stage=dict(
            type="string",
            enum=["Waiting", "Running", "Completed", "Failed"],
            description=(
                "Stage of the job as intended by the autoscaler: Waiting (queued, no workers), "
                "Running (admitted with currentSize workers), Completed or Failed."
            ),
        ),
        submitTime=_time(
            "For autoscaling: SubmitTime: the time when the job was submitted to the cluster. "
            "Note - it is different from the StartTime in LagacyStatus. Submitted jobs might "
            "not be started. It is represented in RFC3339 form and is in UTC."
        ),
        queuedTime=_time(
            "For autoscaling: QueuedTime: the time when the job was put into the waiting "
            "list/running list. By default it is the same as SubmitTime. However, if the job "
            "failed to be scheduled to specific nodes, the value will be reset. We use this "
            "timestamp to allow FIFO."
        ),
        lastExecTime=_time("Time when the job was last executed"),
        completionTime=_time("Time when the job was completed"),
        requeueTime=_time(
            "Time when we want to remove the job from the running list if some pod is still "
            "pending Every time the autoscaler touches currentSize or Stage, we need to reset "
            "it to nil. We set this when we see some pod are seen pending for the first time. "
            "Nil by default"
        ),
        cooldownTime=_time(
            "Time before which the trainingjob is on cooldown It is used when we decide to "
            "remove the schedule-failure job from the running list We only attempt to requeue "
            "the job once we pass the cooldown time Nil by default"
        ),
        conditions=dict(
            type="array",
            description=(
                "The job-level conditions in the standard Kubernetes shape, for generic tools: "
                "`kubectl wait --for=condition=Running tj/NAME`. The same conditions as "
                "status.execStatus.conditions."
            ),
            items=STANDARD_CONDITION,
            **{"x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"]},
        ),
        reason=dict(
            type="string",
            description=(
                "One-word CamelCase reason for the job's stage, e.g. why it waits or why it runs "
                "below maxSize (shown by `kubectl get tj -o wide`)."
            ),
        ),
        message=dict(
            type="string",
            description="Human-readable details of reason, e.g. what would have to change for the job to run.",
        ),
        gpus=dict(
            type="object",
            description="GPUs of the job (the operator's GPU resource, nvidia.com/gpu by default).",
            properties=dict(
                held=_integer("status.gpus.held", "GPUs the job's current workers hold."),
                wanted=_integer(
                    "status.gpus.wanted",
                    "GPUs the job wants: its maxSize worth while it runs, its minSize worth (what it needs "
                    "to start) otherwise.",
                ),
            ),
        ),
        queuePosition=_integer(
            "status.queuePosition",
            "Position of a waiting job in the autoscaler's queue (1: admitted next); unset while "
            "the job runs or has finished.",
        ),
        throughput=dict(
            type="object",
            description=(
                "The job's training rate as its agent measured it (injectLattice jobs), at the size and "
                "placement the job runs at; unset until the first sound report at that size. The "
                "autoscaler fits the job's scaling from these reports."
            ),
            properties=dict(
                samplesPerSecond=dict(
                    type="number",
                    format="double",
                    description="Samples per second of the whole job, in steady state.",
                ),
                workers=_integer("status.throughput.workers", "Workers (pods) the rate was measured at."),
                nodes=_integer("status.throughput.nodes", "Nodes those workers ran on."),
                measuredAt=_time("End of the measurement window."),
            ),
        ),
    ),
)

TRAINING_JOB = dict(
    type="object",
    description="TrainingJob is the Schema for the trainingjobs API",
    properties=dict(
        apiVersion=dict(
            type="string",
            description=("APIVersion defines the versioned schema of this representation of an object."),
        ),
        kind=dict(
            type="string",
            description="Kind is a string value representing the REST resource this object represents.",
        ),
        metadata=dict(type="object"),
        spec=SPEC,
        status=STATUS,
    ),
)

# Cross-field rules in CEL (Kubernetes 1.25+; fieldPath and reason 1.28+). The
# chart emits them only when the target cluster supports them (see
# generate_crd.py); the operator checks the same rules again (job_validation)
# and reports an Invalid condition on older API servers.
SPEC_CEL_RULES = [
    dict(
        rule="!has(self.minSize) || !has(self.maxSize) || self.maxSize >= self.minSize",
        message="spec.maxSize must be greater than or equal to spec.minSize",
        fieldPath=".maxSize",
        reason="FieldValueInvalid",
    ),
    dict(
        rule=(
            "!has(self.injectLattice) || !self.injectLattice || "
            "has(self.replicaSpecs.template.spec.containers[0].command)"
        ),
        message=(
            "injectLattice: true needs an explicit command on the first container of "
            "spec.replicaSpecs.template (the agent wraps that command; it cannot read the image's entrypoint)"
        ),
        fieldPath=".replicaSpecs.template.spec.containers",
        reason="FieldValueRequired",
    ),
]

# Rules on the worker pod template's pod spec.
POD_SPEC_CEL_RULES = [
    dict(
        rule="!has(self.nodeName) || self.nodeName == ''",
        message=(
            "spec.replicaSpecs.template.spec.nodeName must not be set: the operator places every "
            "worker itself (use nodeSelector, affinity or tolerations to choose nodes)"
        ),
        fieldPath=".nodeName",
        reason="FieldValueForbidden",
    ),
]

SPEC[CEL_RULES] = SPEC_CEL_RULES

PRINTER_COLUMNS = [
    dict(name="Stage", type="string", jsonPath=".status.stage", description="Stage of the job"),
    dict(
        name="Size", type="integer", jsonPath=".status.currentSize", description="Current number of workers"
    ),
    dict(name="Min", type="integer", jsonPath=".spec.minSize", description="Minimum number of workers"),
    dict(name="Max", type="integer", jsonPath=".spec.maxSize", description="Maximum number of workers"),
    dict(name="Priority", type="integer", jsonPath=".spec.priority", description="Priority of the job"),
    dict(name="Age", type="date", jsonPath=".metadata.creationTimestamp"),
    # `kubectl get tj -o wide` adds these (priority 1).
    dict(
        name="Reason",
        type="string",
        jsonPath=".status.reason",
        priority=1,
        description="Why the job waits or runs below maxSize",
    ),
    dict(name="GPUs", type="integer", jsonPath=".status.gpus.held", priority=1, description="GPUs held"),
    dict(
        name="Wanted",
        type="integer",
        jsonPath=".status.gpus.wanted",
        priority=1,
        description="GPUs wanted: maxSize worth while running, minSize worth while waiting",
    ),
    dict(
        name="Position",
        type="integer",
        jsonPath=".status.queuePosition",
        priority=1,
        description="Position in the queue while waiting",
    ),
]
