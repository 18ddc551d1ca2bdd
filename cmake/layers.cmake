# The layers and the direction they depend in: the one place it is written.
# Each layer is one library (app: the executable). A layer sees the headers
# of the layers it USES and no others: its include root
# (<build>/include-roots/<layer>) holds symlinks to its own PATHS only, and
# it links exactly the layers it USES. scripts/check_layers.py reads these same
# lines and fails on an #include against them (scripts/lint runs it).
#
#   app         sim    plugin
#   actors
#   protocol    lifecycle    observability    k8s    snapshot_json
#   config      k8s_codec
#   scheduling
#   base
#
# A layer uses only layers on the lines below its own; which ones exactly,
# its USES says. Tests and benchmarks sit above app: they include the
# layers they link.
#
# lattice_layer(<layer> TARGET <cmake target> PATHS <paths in the tree> USES <layers>)
lattice_layer(base          TARGET lattice_base          PATHS base USES)
lattice_layer(config        TARGET lattice_config        PATHS config USES base scheduling)
lattice_layer(scheduling    TARGET lattice_scheduling    PATHS scheduling USES base)
lattice_layer(k8s_codec     TARGET lattice_k8s_codec
  PATHS k8s/codec k8s/model k8s/list_watch_types.hpp k8s/object_meta.hpp k8s/quantity.hpp k8s/result.hpp k8s/write.hpp
  USES base)
lattice_layer(k8s           TARGET lattice_k8s           PATHS k8s/auth k8s/client k8s/http k8s/leader k8s/watch
  USES base config k8s_codec)
lattice_layer(snapshot_json TARGET lattice_snapshot_json PATHS snapshot_json USES base scheduling)
lattice_layer(observability TARGET lattice_observability PATHS observability USES base)
lattice_layer(protocol      TARGET lattice_protocol      PATHS protocol USES base k8s_codec scheduling)
lattice_layer(lifecycle     TARGET lattice_lifecycle     PATHS lifecycle USES base k8s_codec scheduling)
lattice_layer(actors        TARGET lattice_actors        PATHS actors
  USES base config k8s_codec k8s observability protocol lifecycle scheduling)
lattice_layer(app           TARGET lattice-operator      PATHS app
  USES base config k8s_codec k8s observability protocol lifecycle scheduling snapshot_json actors)
lattice_layer(sim           TARGET lattice_sim           PATHS sim USES base scheduling snapshot_json)
# kubectl-lattice: one layer of three targets (plugin/CMakeLists.txt); the
# pure core's own includes stay within base, scheduling, k8s_codec and
# snapshot_json, its shell (live_snapshot, cluster_reader) uses the rest.
lattice_layer(plugin        TARGET lattice_plugin_core   PATHS plugin
  USES base config k8s_codec k8s lifecycle scheduling snapshot_json)
