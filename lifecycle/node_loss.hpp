#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

namespace lattice::lifecycle {

/// What became of a node, as the node actor reports it.
enum class node_loss : std::uint8_t {
  /// Ready (again): nothing to do.
  none = 0,
  /// NotReady for unresponsive_node_after: its kubelet confirms nothing.
  unresponsive = 1,
  /// The Node object is gone.
  deleted = 2,
};

/// A node NotReady this long is unresponsive: its pods being deleted are
/// force-deleted. Short against the node controller's own grace (40 s by
/// default before it marks a silent node NotReady at all), long enough that a
/// kubelet restart is not taken for a lost node.
inline constexpr std::chrono::seconds unresponsive_node_after{20};

/// "deleted", "unresponsive", "none".
std::string_view to_text(node_loss loss);
/// The enum from the protocol's value; unknown values read as none.
node_loss node_loss_from(std::uint8_t value);

} // namespace lattice::lifecycle
