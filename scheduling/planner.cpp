#include "scheduling/planner.hpp"

#include "scheduling/constraints.hpp"
#include "scheduling/plan_builder.hpp"

#include <algorithm>
#include <functional>
#include <string_view>

namespace lattice::scheduling {

plan make_plan(const snapshot& snap, const planner_config& cfg, time_point now) {
  return detail::plan_builder{snap, cfg, now}.build();
}

namespace detail {

namespace {

/// Above this a size is surely a typo; it would also make plans huge.
constexpr int32_t max_workers_per_job = 100'000;

std::optional<std::string> validate_job(const job_info& j) {
  if (j.name.empty())
    return std::string{"metadata.name is empty"};
  if (j.min_size < 1)
    return "minSize " + std::to_string(j.min_size) + " must be at least 1";
  if (j.max_size < j.min_size)
    return "maxSize " + std::to_string(j.max_size) + " is below minSize " + std::to_string(j.min_size);
  if (j.max_size > max_workers_per_job)
    return "maxSize " + std::to_string(j.max_size) + " exceeds " + std::to_string(max_workers_per_job);
  bool any = false;
  for (const auto& [name, amount] : j.worker_resources.entries()) {
    if (amount < 0)
      return "worker request " + name + " is negative (" + std::to_string(amount) + ")";
    any = any || amount > 0;
  }
  if (!any)
    return std::string{
        "the worker template requests no resources (cpu, memory or GPUs), so it cannot be placed"};
  if (auto err = validate_constraints(j.constraints))
    return err;
  if (j.stage == job_stage::running && !j.workers.empty()) {
    std::vector<int32_t> indices;
    indices.reserve(j.workers.size());
    for (const auto& w : j.workers) {
      if (w.index < 0)
        return "worker index " + std::to_string(w.index) + " is negative";
      if (w.index >= max_workers_per_job)
        return "worker index " + std::to_string(w.index) + " exceeds " + std::to_string(max_workers_per_job);
      indices.push_back(w.index);
    }
    std::sort(indices.begin(), indices.end());
    if (auto dup = std::adjacent_find(indices.begin(), indices.end()); dup != indices.end())
      return "worker index " + std::to_string(*dup) + " appears twice";
  }
  return std::nullopt;
}

} // namespace

plan_builder::plan_builder(const snapshot& snap, const planner_config& cfg, time_point now)
    : snap_(snap), cfg_(cfg), now_(now), index_(cfg.gpu_resource) {}

plan plan_builder::build() {
  index_nodes();
  make_slots();
  hold_current_workers();
  order_victims();
  // Eligibility indexes are built after the bulk of reservations above, so
  // those did not have to keep them up to date.
  state_->build_indexes();
  // Phase A: admission at minSize (and repair of running jobs), in queue
  // order. The first job that does not fit may get nodes reserved, which
  // the jobs behind it cannot use.
  for (int id : order_) {
    job_slot& s = slots_[id];
    if (s.invalid || s.cooling)
      continue;
    admit(s);
    if (!s.admitted) {
      if (could_ever_fit(s)) {
        auto [it, fresh] = waiting_by_class_.try_emplace(s.cls, s.priority());
        it->second = std::max(it->second, s.priority());
        lowest_waiting_ = std::min(lowest_waiting_.value_or(s.priority()), s.priority());
        highest_waiting_ = std::max(highest_waiting_.value_or(s.priority()), s.priority());
      }
      if (cfg_.reserve_for_head && reserved_for_ < 0)
        reserve_for(s);
      else if (reserved_for_ >= 0)
        s.behind_reservation = true;
    }
  }
  // Phase B: growth toward maxSize with the capacity left.
  std::vector<int> growth_order = grow_all();
  // Lending and consolidation in phase B can leave room a waiting job was
  // refused in phase A: it gets it now, in queue order, from free capacity
  // only (the head of the queue with its reserved nodes).
  second_chance();
  // What the head's reserved nodes hold free is lent after the second
  // chance, which may admit the head there.
  lend_reserved(growth_order);
  if (reserved_for_ >= 0)
    count_lent_on_reserved();
  out_.jobs.reserve(slots_.size());
  for (const auto& s : slots_)
    out_.jobs.push_back(decide(s));
  for (int id : order_)
    out_.queue.push_back(slots_[id].input);
  if (reserved_for_ >= 0) {
    out_.reserved_for = slots_[reserved_for_].job->key();
    for (int n : reserved_nodes_)
      out_.reserved_nodes.push_back(state_->node(n).name);
    std::sort(out_.reserved_nodes.begin(), out_.reserved_nodes.end());
  }
  // Invalid jobs close the queue listing, in input order.
  for (const auto& s : slots_)
    if (s.invalid)
      out_.queue.push_back(s.input);
  return std::move(out_);
}

void plan_builder::index_nodes() {
  nodes_.reserve(snap_.nodes.size());
  for (const auto& n : snap_.nodes)
    max_node_gpus_ = std::max(max_node_gpus_, n.allocatable.get(cfg_.gpu_resource));
  for (const auto& n : snap_.nodes) {
    auto bad = std::find_if(n.allocatable.entries().begin(), n.allocatable.entries().end(),
                            [](const auto& e) { return e.second < 0; });
    if (n.name.empty())
      out_.warnings.emplace_back("a node has an empty name; ignored");
    else if (bad != n.allocatable.entries().end())
      out_.warnings.push_back("node " + n.name + ": allocatable " + bad->first + " is negative; ignored");
    else
      nodes_.push_back(&n);
  }
  std::stable_sort(nodes_.begin(), nodes_.end(), [](auto* a, auto* b) { return a->name < b->name; });
  auto dup =
      std::adjacent_find(nodes_.begin(), nodes_.end(), [](auto* a, auto* b) { return a->name == b->name; });
  while (dup != nodes_.end()) {
    out_.warnings.push_back("node " + (*dup)->name + " appears more than once; the first is used");
    nodes_.erase(dup + 1);
    dup =
        std::adjacent_find(nodes_.begin(), nodes_.end(), [](auto* a, auto* b) { return a->name == b->name; });
  }
}

void plan_builder::make_slots() {
  slots_.resize(snap_.jobs.size());
  for (std::size_t i = 0; i < snap_.jobs.size(); ++i) {
    auto& s = slots_[i];
    s.job = &snap_.jobs[i];
    s.input = i;
    s.invalid = validate_job(*s.job);
    if (!s.invalid)
      index_.add_names(s.job->worker_resources);
  }
  mark_duplicate_keys();
  state_.emplace(nodes_, index_);
  if (!cfg_.topology_keys.empty())
    state_->set_topology(cfg_.topology_keys);
  std::size_t dims = index_.size();
  requests_.assign(slots_.size() * dims, 0);
  for (auto& s : slots_) {
    const job_info& j = *s.job;
    s.was_running = j.stage == job_stage::running;
    s.priority_ = j.priority;
    s.min_ = static_cast<std::size_t>(std::max(j.min_size, 0));
    s.max_ = static_cast<std::size_t>(std::max(j.max_size, 0));
    int64_t* req = &requests_[s.input * dims];
    for (const auto& [name, amount] : j.worker_resources.entries())
      for (std::size_t d = 0; d < dims; ++d)
        if (index_.name(d) == name)
          req[d] = s.invalid ? std::max<int64_t>(amount, 0) : amount; // a bad amount never frees capacity
    s.req = req;
    if (s.was_running && !s.invalid)
      for (const auto& w : j.workers) {
        if (s.old_nodes.size() <= static_cast<std::size_t>(w.index))
          s.old_nodes.resize(static_cast<std::size_t>(w.index) + 1, -1);
        int node = state_->find_node(w.node);
        // A worker on a NotReady or cordoned node is a hole: placed again
        // elsewhere (moved), or the job shrinks or waits if nothing fits.
        if (node >= 0 && !(state_->node(node).ready && state_->node(node).schedulable))
          node = -1;
        s.old_nodes[static_cast<std::size_t>(w.index)] = node;
      }
    if (s.invalid)
      continue;
    std::string_view bytes{reinterpret_cast<const char*>(s.req), dims * sizeof(int64_t)};
    s.shape = shapes_.emplace(bytes, static_cast<int>(shapes_.size())).first->second;
    s.cls = state_->eligibility_class(j.constraints);
    s.queued = j.effective_queued_time().time_since_epoch().count();
    s.started = j.last_resize_time ? j.last_resize_time->time_since_epoch().count() : s.queued;
    s.cooling = !s.was_running && j.cooldown_time && now_ < *j.cooldown_time;
    describe_service(s);
    order_.push_back(static_cast<int>(s.input));
  }
  // Sort compact keys; only exact ties look at the names.
  struct queue_key {
    int32_t priority;
    time_point::rep queued;
    int id;
  };
  std::vector<queue_key> keyed;
  keyed.reserve(order_.size());
  for (int id : order_)
    keyed.push_back({slots_[id].priority(), slots_[id].queued, id});
  std::sort(keyed.begin(), keyed.end(), [this](const queue_key& a, const queue_key& b) {
    if (a.priority != b.priority)
      return a.priority > b.priority;
    if (a.queued != b.queued)
      return a.queued < b.queued;
    const job_info& x = *slots_[a.id].job;
    const job_info& y = *slots_[b.id].job;
    if (x.namespace_ != y.namespace_)
      return x.namespace_ < y.namespace_;
    return x.name < y.name;
  });
  for (std::size_t k = 0; k < keyed.size(); ++k)
    order_[k] = keyed[k].id;
  for (auto it = order_.rbegin(); it != order_.rend(); ++it)
    if (slots_[*it].was_running)
      victims_.push_back(*it);
}

void plan_builder::mark_duplicate_keys() {
  // Hash, sort, and compare names only within equal hashes: no allocation per job.
  std::vector<std::pair<std::size_t, std::size_t>> hashes;
  hashes.reserve(slots_.size());
  for (const auto& s : slots_)
    if (!s.invalid)
      hashes.emplace_back(
          std::hash<std::string>{}(s.job->namespace_) * 31 + std::hash<std::string>{}(s.job->name), s.input);
  std::sort(hashes.begin(), hashes.end());
  for (std::size_t a = 0; a < hashes.size(); ++a)
    for (std::size_t b = a + 1; b < hashes.size() && hashes[b].first == hashes[a].first; ++b) {
      const job_info& x = *slots_[hashes[a].second].job;
      job_slot& later = slots_[hashes[b].second];
      if (!later.invalid && x.namespace_ == later.job->namespace_ && x.name == later.job->name)
        later.invalid = "another job in the snapshot has the same namespace/name";
    }
}

void plan_builder::hold_current_workers() {
  for (auto& s : slots_) {
    if (!s.was_running)
      continue;
    if (s.invalid) {
      // Left exactly as they are: their workers keep their capacity.
      for (const auto& w : s.job->workers)
        if (int node = state_->find_node(w.node); node >= 0)
          state_->reserve(node, s.req, 1);
      continue;
    }
    std::size_t current = s.job->workers.size();
    s.protected_count = s.locked ? std::clamp(current, s.min(), s.max()) : s.min();
    std::size_t keep = std::min(current, s.max());
    for (std::size_t i = 0; i < std::max(keep, s.protected_count); ++i) {
      int node = i < s.old_nodes.size() ? s.old_nodes[i] : -1;
      // Holes below the protected count are repaired in phase A; above it
      // the held run simply stops (phase B may still keep later workers).
      if (node < 0 && i >= s.protected_count)
        break;
      s.planned.push_back(node);
      if (node >= 0)
        state_->reserve(node, s.req, 1);
    }
  }
}

void plan_builder::grow(job_slot& s, std::size_t limit) {
  std::vector<int> placed;
  limit = std::min(limit, s.max());
  while (s.planned.size() < limit) {
    std::size_t i = s.planned.size();
    int old = i < s.old_nodes.size() ? s.old_nodes[i] : -1;
    if (old >= 0 && state_->capacity(old, s.req) >= 1) {
      // Keep a running worker where it is.
      state_->reserve(old, s.req, 1);
      s.planned.push_back(old);
      continue;
    }
    bool more_old =
        std::any_of(s.old_nodes.begin() + static_cast<std::ptrdiff_t>(std::min(i + 1, s.old_nodes.size())),
                    s.old_nodes.end(), [](int n) { return n >= 0; });
    auto want = static_cast<int64_t>(more_old ? 1 : limit - i);
    int64_t room = state_->total_capacity(s.cls, s.req, want);
    if (room == 0)
      break;
    placed.clear();
    int64_t got = state_->place(s.cls, s.req, std::min(room, want), s.planned, placed);
    s.planned.insert(s.planned.end(), placed.begin(), placed.end());
    if (got < want)
      break;
  }
}

std::vector<int> plan_builder::nodes_of(const std::vector<int>& ids) const {
  std::vector<int> out;
  for (int n : ids)
    if (n >= 0)
      out.push_back(n);
  return out;
}

job_decision plan_builder::decide(const job_slot& s) const {
  const job_info& j = *s.job;
  job_decision d;
  d.namespace_ = j.namespace_;
  d.name = j.name;
  if (s.invalid) {
    d.invalid = true;
    d.stage = j.stage;
    d.workers = s.was_running ? j.workers : std::vector<worker_placement>{};
    std::sort(d.workers.begin(), d.workers.end(), [](auto& a, auto& b) { return a.index < b.index; });
    d.size = static_cast<int32_t>(d.workers.size());
    d.reason = "invalid: " + *s.invalid;
    return d;
  }
  d.stage = s.admitted ? job_stage::running : job_stage::waiting;
  if (s.admitted)
    d.workers.reserve(s.planned.size());
  if (s.admitted)
    for (std::size_t i = 0; i < s.planned.size(); ++i)
      d.workers.push_back({static_cast<int32_t>(i), state_->node(s.planned[i]).name});
  d.size = static_cast<int32_t>(d.workers.size());
  std::vector<worker_placement> old;
  if (s.was_running) {
    old = j.workers;
    std::sort(old.begin(), old.end(), [](auto& a, auto& b) { return a.index < b.index; });
  }
  // Both lists are sorted by index: a merge finds what to create and delete.
  for (std::size_t a = 0, b = 0; a < d.workers.size() || b < old.size();) {
    if (b == old.size() || (a < d.workers.size() && d.workers[a].index < old[b].index)) {
      d.added.push_back(d.workers[a++]);
    } else if (a == d.workers.size() || old[b].index < d.workers[a].index) {
      d.removed.push_back(old[b++]);
    } else {
      if (d.workers[a].node != old[b].node) {
        d.added.push_back(d.workers[a]);
        d.removed.push_back(old[b]);
      }
      ++a;
      ++b;
    }
  }
  d.changed = d.stage != j.stage || d.size != static_cast<int32_t>(old.size());
  d.preempted = s.was_running && !s.admitted && s.preempted;
  d.moved = s.repacked && !d.changed;
  if (s.taken_by >= 0)
    d.preempted_by = slots_[s.taken_by].job->key();
  d.reason = reason_for(s);
  return d;
}

} // namespace detail
} // namespace lattice::scheduling
