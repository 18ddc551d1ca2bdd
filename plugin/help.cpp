// The --help text of every verb (docs/reference/kubectl-lattice.md says the same).
#include "plugin/verbs.hpp"

namespace lattice::plugin {
namespace {

constexpr const char* common = R"(
Connection flags (every verb):
  --kubeconfig FILE        kubeconfig to use (default: $KUBECONFIG's first file, else ~/.kube/config)
  --context NAME           kubeconfig context (default: the current context)
  --group GROUP            the TrainingJob API group (default: breezeml.ai, or the one group serving
                           trainingjobs when breezeml.ai does not); answers say which (-o json:
                           apiGroup), and simulate -f wants a manifest of that group
  --operator-flags 'ARGS'  the operator's planner flags (e.g. '--rescale-interval 5s'); default: read
                           from the operator's Deployment when readable, else the operator's defaults
  --snapshot FILE          plan from a snapshot document (kubectl lattice snapshot's output, - for
                           stdin) instead of the cluster: offline, its settings and "now" included
  -o, --output FORMAT      table (default), json or yaml
  -h, --help               this text

Exit codes: 0 success, 1 cluster unreachable or unreadable, 2 bad flags or file,
3 job or TrainingJob CRD not found, 4 no right to read what the verb needs,
5 simulate --exit-code: the job would wait.
)";

} // namespace

std::string help(const std::string& verb) {
  std::string text;
  if (verb == "queue") {
    text = R"(kubectl lattice queue [-n NS | -A]

The queue in planner order (priority, then queued time, then name): each Waiting and Running
TrainingJob's position, priority, time queued, min/max/current size, GPUs held and wanted, the
stage and size the planner decides now, an estimated start, the planner's reason, and what would
have to change for it to run (each counterfactual checked with the planner itself).

  -n, --namespace NS       jobs of this namespace (default: the context's namespace)
  -A, --all-namespaces     jobs of every namespace
Positions count every job of the cluster, whichever namespaces are shown.
)";
  } else if (verb == "why") {
    text = R"(kubectl lattice why JOB [-n NS]

Why one TrainingJob waits or runs below maxSize: its queue row, what would have to change, an
estimated start, and its history (admissions, resizes, preemptions with who took its GPUs,
requeues, cooldowns) from its status conditions and Events.

  -n, --namespace NS       the job's namespace (default: the context's namespace)
)";
  } else if (verb == "simulate") {
    text = R"(kubectl lattice simulate -f FILE [--priority N] [-n NS] [--exit-code]

What the operator's planner would decide if the TrainingJob in FILE (YAML or JSON, - for stdin)
were applied now to the cluster as it is: admitted or not, at what size, on which nodes, which
running jobs it would shrink or preempt, and its queue position and estimated start if it waits.
Nothing is written to the cluster.

  -f, --filename FILE      the TrainingJob manifest (the first document of kind TrainingJob)
  --priority N             override spec.priority
  -n, --namespace NS       the job's namespace (default: the manifest's, else the context's)
  --exit-code              exit 5 when the job would wait (0 when admitted)
)";
  } else if (verb == "top") {
    text = R"(kubectl lattice top [--node-group-label LABEL]

GPUs allocatable, allocated and idle per node group, TrainingJobs per stage, the queue's length
and its oldest wait. Idle counts only Ready, schedulable nodes.

  --node-group-label LABEL the node label that names a node's group (default lattice.dev/node-group)
)";
  } else if (verb == "snapshot") {
    text = R"(kubectl lattice snapshot > snap.json

The planner's exact input, built from the live cluster as the operator builds it, as a snapshot
document (docs/reference/snapshot-format.md). Replay it offline with
  lattice-operator plan --snapshot snap.json [--now TIME]
)";
  } else {
    text =
        R"(kubectl lattice: the Lattice Operator's queue, its reasons and its planner, from your kubeconfig.

Verbs:
  queue      the queue in planner order, with reasons and what would have to change
  why JOB    one job: reason, what would have to change, estimated start, history
  simulate   what the planner would do with a new job, without creating it
  top        GPUs per node group, jobs per stage, queue length and oldest wait
  snapshot   the planner's input as a snapshot document (for lattice-operator plan)

Needs only read rights: get/list on TrainingJobs, Pods, Nodes and Events.
Run 'kubectl lattice VERB --help' for a verb's flags.
)";
  }
  return text + common;
}

} // namespace lattice::plugin
