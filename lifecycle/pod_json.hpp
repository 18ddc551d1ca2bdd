#pragma once

#include "k8s/object_meta.hpp"
#include "k8s/result.hpp"

#include <boost/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lattice::lifecycle {

/// JSON-level edits of pod templates that the codec's generic builder
/// (k8s::encode_pod_from_template) does not do: the Lattice agent injection
/// of docs/design/agent.md §2 and ownerReference details. Shared by the
/// worker and rendezvous pod builders.

/// Names and paths fixed by docs/design/agent.md.
inline constexpr std::string_view agent_volume_name = "lattice-agent";
inline constexpr std::string_view agent_mount_path = "/lattice/agent";
inline constexpr std::string_view agent_init_container_name = "lattice-agent-install";
inline constexpr std::string_view operator_binary_path = "/usr/local/bin/lattice-operator";
inline constexpr std::int32_t rendezvous_port = 29400;
/// Port the rank-0 training process opens on injected jobs (agent.md).
inline constexpr std::int32_t injected_master_port = 29500;

/// The `-c` program that runs `module` from the wheel in the agent volume:
/// "import runpy,sys; sys.path.insert(0,'/lattice/agent/lattice_agent.whl');
/// runpy.run_module('<module>', run_name='__main__', alter_sys=True)".
std::string agent_bootstrap_code(std::string_view module);

/// The interpreter for the agent: `command0` when its base name matches
/// ^python[0-9.]*$, otherwise "python".
std::string python_for(std::string_view command0);

/// The wrapped command: [PY, "-c", bootstrap(lattice.agent), "--", C..., A...].
std::vector<std::string> agent_command(const std::vector<std::string>& command,
                                       const std::vector<std::string>& args);

/// {name: lattice-agent, emptyDir: {}}.
boost::json::object agent_volume();

/// The `lattice-agent-install` init container running `operator_image`.
boost::json::object agent_init_container(std::string_view operator_image);

/// Adds the agent volume (and the init container, first) to a pod spec.
/// Fails naming `path` (e.g. "template.spec.volumes") when a list has the
/// wrong type or a volume/init container of the same name already exists.
std::optional<k8s::error> add_agent_volume_and_installer(boost::json::object& spec,
                                                         std::string_view operator_image,
                                                         const std::string& object_key);

/// Appends {name, value} to `container`'s env unless a variable of that name
/// is already there (the user's value wins, agent.md §2).
void add_env_if_absent(boost::json::object& container, std::string_view name, std::string_view value);

/// Same with a fieldRef (`metadata.name`, `status.podIP`).
void add_field_ref_env_if_absent(boost::json::object& container, std::string_view name,
                                 std::string_view field_path);

/// The TrainingJob as controller owner: apiVersion `<group>/v1`, kind TrainingJob.
k8s::owner_ref job_owner(std::string_view group, const k8s::object_meta& job_meta);

/// Sets `blockOwnerDeletion: true` on every controller ownerReference of an
/// encoded object (the codec writes controller only), so foreground deletion
/// of the TrainingJob waits for its pods and Services.
std::string with_block_owner_deletion(const std::string& object_json);

} // namespace lattice::lifecycle
