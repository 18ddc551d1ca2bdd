#pragma once

#include "lifecycle/job_model.hpp"
#include "lifecycle/node_loss.hpp"

#include <string>
#include <vector>

// Pods on a lost node. A kubelet that is gone never confirms a delete, so a
// worker there stays Terminating (and its name taken) until PodGC removes it
// (about 40 s after the Node is deleted) or the stuck-terminating rule forces
// it (15 s past its grace period). The node actor tells each job whose pods
// are bound to a node when that node is lost; the job then force-deletes
// those pods at once, and the replacement, which has the same name, follows.

namespace lattice::lifecycle {

/// Records what the node actor said of `node` (none: forgets it). True when
/// the job's view changed.
bool note_node_loss(job_model& job, const std::string& node, node_loss loss);

/// How `node` is lost for the job (none for "" and for nodes not lost).
node_loss loss_of(const job_model& job, const std::string& node);

/// Why `pod` is force-deleted now because of its node, or "":
/// - its node was deleted: every pod there but a Succeeded one (kept: the
///   job completes when all have succeeded; PodGC removes it);
/// - its node is unresponsive: a pod being deleted (Terminating), the
///   operator's own delete or anyone else's;
/// - at most one forced delete per pod (uid), even while an ordinary
///   delete of it is still in flight: that one waits for a kubelet.
std::string forced_by_lost_node(const job_model& job, const pod_record& pod);

/// A decision's placements, about to replace the target: a lost node they
/// place a worker on exists and is Ready again (re-registered under its
/// name), and one that neither they nor any pod names is no longer the
/// job's business; both are forgotten.
void forget_lost_nodes_for(job_model& job, const std::vector<scheduling::worker_placement>& placed);

/// Forgets lost nodes that none of the job's pods and no target placement
/// names any more (the job's view stays as small as its pods).
void forget_unused_lost_nodes(job_model& job);

} // namespace lattice::lifecycle
