// Phase B: growth above minSize. The growth order (priority, then service
// class or queue order), the lending of workers above minSize to jobs
// earlier in that order, the gain rule that keeps resizes worth their
// restart, and consolidation of jobs that restart anyway.
#include "scheduling/plan_builder.hpp"

#include <algorithm>
#include <cmath>
#include <queue>

namespace lattice::scheduling::detail {

bool plan_builder::growth_blocked(const job_slot& s) const {
  // Rule 2: a lower priority never grows while a higher priority waits
  // (for nodes the waiting job could use).
  if (!highest_waiting_ || *highest_waiting_ <= s.priority())
    return false;
  // The highest such priority (class ids depend on input order; the reason
  // must not).
  std::optional<int32_t> by;
  for (const auto& [cls, priority] : waiting_by_class_) {
    if (priority <= s.priority() || (by && priority <= *by))
      continue;
    auto key = std::minmax(cls, s.cls);
    auto [it, fresh] = overlap_.try_emplace(key, false);
    if (fresh)
      for (int n = 0; n < state_->node_count() && !it->second; ++n)
        it->second = state_->eligible(cls, n) && state_->eligible(s.cls, n);
    if (it->second)
      by = priority;
  }
  if (by)
    held_by_[static_cast<int>(s.input)] = *by;
  return by.has_value();
}

double plan_builder::run_seconds(const job_slot& s) const {
  double per_worker = s.req[0] > 0 ? static_cast<double>(s.req[0]) : 1.0;
  return s.current > 0 ? s.attained / (per_worker * static_cast<double>(s.current)) : 0.0;
}

double plan_builder::horizon_seconds(const job_slot& s) const {
  // A job that has run for T is expected to run about T more (the heavy
  // tail of training times); never less than the rescale interval.
  double interval = std::chrono::duration<double>(cfg_.rescale_interval).count();
  return std::max(interval, run_seconds(s));
}

std::optional<time_point> plan_builder::growth_allowed_at(const job_slot& s) const {
  std::optional<time_point> at;
  const job_info& j = *s.job;
  if (cfg_.growth_age_fraction > 0 && j.last_resize_time) {
    // The growth budget: a job resized at L may grow again once t - L is at
    // least f x its age t - S (at most max_rescale_hold), so a long job
    // filling capacity that arrivals reclaim is not grown and shrunk again
    // at every completion and arrival. Solved for t, so review_at is exact.
    using seconds_d = std::chrono::duration<double>;
    double f = cfg_.growth_age_fraction;
    double since = seconds_d(*j.last_resize_time - j.submit_time).count();
    double cap = seconds_d(cfg_.max_rescale_hold).count();
    double wait = f < 1 ? std::max(0.0, f * since / (1 - f)) : cap;
    auto next = *j.last_resize_time
                + std::chrono::duration_cast<milliseconds>(seconds_d(std::ceil(std::min(wait, cap))));
    if (next > now_)
      at = next;
  }
  if (cfg_.growth_quiet.count() > 0 && last_arrival_) {
    auto next = *last_arrival_ + cfg_.growth_quiet;
    if (next > now_ && (!at || next > *at))
      at = next;
  }
  return at;
}

bool plan_builder::worth_resizing(const job_slot& s, std::size_t from, std::size_t to) const {
  if (from == 0 || from == to)
    return true;
  double cost = std::chrono::duration<double>(cfg_.restart_cost).count();
  double horizon = horizon_seconds(s);
  if (to < from)
    return true;
  if (static_cast<double>(to) < cfg_.min_resize_ratio * static_cast<double>(from))
    return false;
  // Time saved on the expected remaining work against the restart.
  double saved = horizon * (1.0 - speed(s, from) / std::max(speed(s, to), 1e-12));
  return saved >= cfg_.resize_payback * cost;
}

void plan_builder::note_review(const job_slot& s, std::size_t from, std::size_t to) {
  // The expected remaining time grows with the time run (horizon_seconds):
  // the growth becomes worth it once the job has run `needed` seconds.
  double gain = 1.0 - speed(s, from) / std::max(speed(s, to), 1e-12);
  if (from == 0 || to <= from || gain <= 0
      || static_cast<double>(to) < cfg_.min_resize_ratio * static_cast<double>(from))
    return;
  double needed = cfg_.resize_payback * std::chrono::duration<double>(cfg_.restart_cost).count() / gain;
  double wait = needed - run_seconds(s);
  if (wait <= 0 || wait > 1e9)
    return;
  auto at = now_ + std::chrono::duration_cast<milliseconds>(std::chrono::duration<double>(std::ceil(wait)));
  if (!out_.review_at || at < *out_.review_at)
    out_.review_at = at;
}

int64_t plan_builder::take_lent(job_slot& s, int64_t need, const std::vector<int>& order,
                                std::size_t position, std::vector<lent_worker>& taken) {
  // Free capacity first, then workers above minSize of unlocked running jobs
  // later in the order with a later service class or a lower priority; the
  // last in the order (most served, lowest priority) lend first, their
  // highest index first.
  int64_t total = state_->total_capacity(s.cls, s.req, need);
  // Two passes: jobs that restart in this plan anyway (shrunk for an
  // admission) lend first, whatever their rescale interval, since lending
  // more costs them no extra restart; then unlocked jobs.
  for (int pass = 0; pass < 2 && total < need; ++pass) {
    for (std::size_t k = order.size(); k-- > position + 1 && total < need;) {
      job_slot& v = slots_[order[k]];
      if (!v.was_running || v.priority() > s.priority() || v.planned.size() <= v.target)
        continue;
      bool changing = v.planned.size() != v.current;
      // Hysteresis: a running job lends only when it holds well above its
      // target (a job restarting anyway lends any surplus).
      if (!changing
          && static_cast<double>(v.planned.size())
                 < (1.0 + cfg_.lend_hysteresis) * static_cast<double>(std::max<std::size_t>(v.target, 1)))
        continue;
      if (pass == 0 ? !changing : (changing || v.locked))
        continue;
      auto floor = std::max(v.min(), v.target);
      while (v.planned.size() > floor
             && (total < need || (cfg_.lend_in_bulk && !taken.empty() && taken.back().victim == order[k]))) {
        int node = v.planned.back();
        v.planned.pop_back();
        if (node >= 0)
          release_slot_worker(v, node, s, total);
        taken.push_back({order[k], v.planned.size(), node});
      }
    }
  }
  return std::min(total, need);
}

void plan_builder::give_back_lent(const job_slot& s, const std::vector<lent_worker>& taken) {
  // What the job did not use goes back, newest first, to the node it was on
  // (at the lender's next index: a lender that shrinks restarts anyway, so a
  // worker changing index costs nothing more).
  for (auto u = taken.rbegin(); u != taken.rend(); ++u) {
    job_slot& v = slots_[u->victim];
    bool same_index = v.planned.size() == u->index;
    // At another index the worker is a new pod: only where a new one may go.
    if (u->node >= 0 && !same_index && !state_->eligible(v.cls, u->node))
      continue;
    if (u->node >= 0 && state_->raw_capacity(u->node, v.req) < 1)
      continue;
    if (u->node >= 0)
      state_->reserve(u->node, v.req, 1);
    v.planned.push_back(u->node);
  }
  mark_lenders(s, taken);
}

void plan_builder::mark_lenders(const job_slot& s, const std::vector<lent_worker>& taken) {
  for (const auto& u : taken) {
    job_slot& v = slots_[u.victim];
    if (v.planned.size() < v.current && v.taken_by < 0)
      v.taken_by = static_cast<int>(s.input);
  }
}

void plan_builder::consolidate(job_slot& s) {
  std::vector<int> before = nodes_of(s.planned);
  std::sort(before.begin(), before.end());
  auto distinct_before = static_cast<std::size_t>(std::unique(before.begin(), before.end()) - before.begin());
  if (distinct_before <= 1)
    return;
  for (int node : s.planned)
    if (node >= 0)
      state_->release(node, s.req, 1);
  std::vector<int> fresh;
  int64_t placed = state_->place(s.cls, s.req, static_cast<int64_t>(s.planned.size()), {}, fresh);
  std::vector<int> after = fresh;
  std::sort(after.begin(), after.end());
  auto distinct_after = static_cast<std::size_t>(std::unique(after.begin(), after.end()) - after.begin());
  if (placed == static_cast<int64_t>(s.planned.size()) && distinct_after < distinct_before) {
    // Keep each worker index on its old node where the new placement still
    // has one there, so fewer pods move.
    std::vector<int> next(s.planned.size(), -1);
    std::vector<int> pool = fresh;
    for (std::size_t i = 0; i < s.planned.size(); ++i) {
      auto it = std::find(pool.begin(), pool.end(), s.planned[i]);
      if (it != pool.end()) {
        next[i] = *it;
        pool.erase(it);
      }
    }
    std::sort(pool.begin(), pool.end());
    for (auto& n : next)
      if (n < 0) {
        n = pool.front();
        pool.erase(pool.begin());
      }
    s.planned = std::move(next);
    return;
  }
  for (int node : fresh)
    state_->release(node, s.req, 1);
  for (int node : s.planned)
    if (node >= 0)
      state_->reserve(node, s.req, 1);
}

std::size_t plan_builder::distinct_nodes(const std::vector<int>& planned) const {
  std::vector<int> nodes = nodes_of(planned);
  std::sort(nodes.begin(), nodes.end());
  return static_cast<std::size_t>(std::unique(nodes.begin(), nodes.end()) - nodes.begin());
}

double plan_builder::speed_on(const job_slot& s, std::size_t n, std::size_t nodes) const {
  // The fitted scaling knows what spanning nodes costs only once the job
  // has reported from one node with several workers and from several nodes.
  if (s.scaling && s.node_evidence)
    return s.scaling->rate(static_cast<int>(n), static_cast<int>(std::max<std::size_t>(nodes, 1)));
  double penalty = nodes > 1 ? std::clamp(cfg_.spread_penalty, 0.0, 1.0) : 0.0;
  return static_cast<double>(n) * (1.0 - penalty);
}

void plan_builder::repack_running(const std::vector<int>& order) {
  double cost = std::chrono::duration<double>(cfg_.restart_cost).count();
  for (int id : order) {
    job_slot& s = slots_[id];
    // Jobs whose size changes in this plan were consolidated above; locked
    // ones keep their placement for the rescale interval (rule 6).
    if (!s.job->movable || !s.was_running || s.locked || s.planned.size() != s.current || s.planned.size() < 2
        || s.job->placement_incomplete
        || std::any_of(s.planned.begin(), s.planned.end(), [](int node) { return node < 0; }))
      continue;
    // The nodes a move vacates would be ones a waiting job was refused.
    if (lowest_waiting_ && *lowest_waiting_ <= s.priority())
      continue;
    std::size_t before = distinct_nodes(s.planned);
    if (before <= 1)
      continue;
    std::vector<int> old = s.planned;
    consolidate(s);
    std::size_t after = distinct_nodes(s.planned);
    if (after >= before)
      continue;
    double gain =
        1.0 - speed_on(s, s.planned.size(), before) / std::max(speed_on(s, s.planned.size(), after), 1e-12);
    if (horizon_seconds(s) * gain >= cfg_.resize_payback * cost) {
      s.repacked = true;
      continue;
    }
    // Not worth its restart: back where it was.
    for (int node : s.planned)
      state_->release(node, s.req, 1);
    for (int node : old)
      state_->reserve(node, s.req, 1);
    s.planned = std::move(old);
  }
}

void plan_builder::grow_one(job_slot& s, std::size_t limit, bool may_borrow, const std::vector<int>& order,
                            std::size_t pos) {
  std::size_t base = s.planned.size();
  if (base >= limit)
    return;
  // A job whose size already changes in this plan (admitted, shrunk, lost
  // workers) restarts anyway: growing it costs nothing extra.
  bool restarting = base != s.current || s.job->placement_incomplete;
  if (restarting && s.growth_held == growth_hold::headroom)
    s.growth_held = growth_hold::none; // it grew past the headroom earlier in this plan
  auto want = static_cast<int64_t>(limit - base);
  // (total_capacity may count past its limit: it adds whole nodes.)
  if (!restarting) {
    if (auto at = growth_allowed_at(s)) {
      bool quiet =
          cfg_.growth_quiet.count() > 0 && last_arrival_ && *last_arrival_ + cfg_.growth_quiet > now_;
      s.growth_held = quiet ? growth_hold::quiet : growth_hold::budget;
      if (!out_.review_at || *at < *out_.review_at)
        out_.review_at = at;
      return;
    }
  }
  int64_t free_now = std::min(want, state_->total_capacity(s.cls, s.req, want));
  if (!restarting && headroom_ > 0) {
    // Leave room for arrivals: a running job starts growing only into what
    // is free beyond the headroom. Once it grows it restarts anyway, and
    // the fill pass may give it the rest (one larger step rather than a
    // second restart later): the headroom decides whether a running job
    // grows at all more than how far.
    int64_t per = std::max<int64_t>(s.req[0], 1);
    int64_t spare = state_->total_capacity(s.cls, s.req, want + headroom_ / per);
    int64_t usable = std::max<int64_t>(0, std::min(want, spare - headroom_ / per));
    if (usable < free_now) {
      s.growth_held = growth_hold::headroom;
      // The adaptive headroom shrinks as arrivals leave its window.
      if (headroom_changes_ && (!out_.review_at || *headroom_changes_ < *out_.review_at))
        out_.review_at = headroom_changes_;
    }
    free_now = usable;
  }
  std::vector<lent_worker> taken;
  // While a job of this priority or above waits, capacity a lender frees is
  // that job's to take first (rule 2): nobody borrows.
  bool waiter = highest_waiting_ && *highest_waiting_ >= s.priority();
  may_borrow = may_borrow && !waiter && cfg_.rebalance && (restarting || !cfg_.lend_to_restarting_only);
  int64_t reach = may_borrow && free_now < want ? take_lent(s, want, order, pos, taken) : free_now;
  std::size_t target = base + static_cast<std::size_t>(reach);
  if (!restarting && !worth_resizing(s, s.current, target)) {
    target = base + static_cast<std::size_t>(free_now);
    if (!worth_resizing(s, s.current, target)) {
      note_review(s, s.current, target);
      target = base;
      s.growth_held = growth_hold::not_worth;
    }
  }
  if (target > base)
    grow(s, target);
  if (!cfg_.lend_in_bulk || target == base)
    give_back_lent(s, taken);
  else
    mark_lenders(s, taken);
}

void plan_builder::grow_by_service(const std::vector<int>& order) {
  // Pass 1: every job toward its target, borrowing from jobs above theirs.
  for (std::size_t pos = 0; pos < order.size(); ++pos) {
    job_slot& s = slots_[order[pos]];
    if (s.locked || growth_blocked(s)) {
      s.growth_held = s.locked ? growth_hold::locked : growth_hold::priority;
      continue;
    }
    // A job shrunk for an admission in this plan does not grow back now:
    // its worker would only reappear on another node.
    if (cfg_.resize_payback > 0 && s.taken_by >= 0 && s.was_running)
      continue;
    grow_one(s, s.target, true, order, pos);
  }
  // Jobs that restart anyway move onto the fewest nodes before anyone takes
  // the capacity left, so that capacity is where it really is.
  auto consolidate_changed = [this](job_slot& s) {
    // Not while a job of this priority or below waits: the nodes a move
    // vacates are ones it was just refused.
    bool waiter = lowest_waiting_ && *lowest_waiting_ <= s.priority();
    if (cfg_.consolidate && !waiter && s.planned.size() != s.current && s.planned.size() > 1)
      consolidate(s);
  };
  for (int id : order)
    consolidate_changed(slots_[id]);
  if (cfg_.repack_running)
    repack_running(order);
  // Pass 2: capacity nobody's target claims is not left idle: jobs grow
  // into it toward maxSize, in the same order, without borrowing. A job
  // consolidated on the way may free room for one before it: again, until
  // nothing grows (a few rounds at most: every round only adds workers).
  for (bool grew = true; grew;) {
    grew = false;
    for (std::size_t pos = 0; pos < order.size(); ++pos) {
      job_slot& s = slots_[order[pos]];
      // A job that lent in this plan does not take capacity back (it would
      // restart on other nodes for nothing).
      if (s.locked || growth_blocked(s) || s.growth_held == growth_hold::not_worth
          || (cfg_.resize_payback > 0 && s.taken_by >= 0))
        continue;
      std::size_t before = s.planned.size();
      grow_one(s, s.useful_max, false, order, pos);
      if (s.planned.size() != before) {
        consolidate_changed(s);
        grew = true;
      }
    }
  }
}

void plan_builder::compute_headroom() {
  headroom_ = cfg_.growth_headroom;
  for (int id : order_) {
    const job_info& j = *slots_[id].job;
    if (j.submit_time <= now_ && (!last_arrival_ || j.submit_time > *last_arrival_))
      last_arrival_ = j.submit_time;
  }
  if (cfg_.arrival_window.count() <= 0)
    return;
  // While jobs arrive, more are likely to: the GPUs the jobs submitted
  // within the window need at minSize stay free, so the next arrivals are
  // admitted without shrinking anyone (a restart each), and running jobs do
  // not grow into capacity that would be reclaimed soon. Only arrivals that
  // still need room count: waiting ones (admitted in this plan or not,
  // if they could ever fit), and
  // ones admitted within the rescale interval (their first size is what
  // they hold; the room beside it is what the next arrival takes). An
  // arrival that has run longer, or completed, holds nothing back, so GPUs
  // are not left idle once arrivals stop.
  int64_t recent = 0;
  for (int id : order_) {
    const job_slot& s = slots_[id];
    const job_info& j = *s.job;
    if (j.submit_time > now_ || now_ - j.submit_time >= cfg_.arrival_window)
      continue;
    auto leaves = j.submit_time + cfg_.arrival_window;
    // A waiting job that no emptied cluster could hold never will be
    // admitted: room kept for it would stay idle.
    if (!s.was_running && !s.admitted && !could_ever_fit(s))
      continue;
    if (s.was_running) {
      // Admitted: counts until its rescale interval after admission ends.
      if (!just_admitted(s))
        continue;
      leaves = std::min(leaves, *j.last_resize_time + cfg_.rescale_interval);
    }
    recent += static_cast<int64_t>(s.min()) * std::max<int64_t>(s.req[0], 0);
    if (!headroom_changes_ || leaves < *headroom_changes_)
      headroom_changes_ = leaves;
  }
  auto adaptive = static_cast<int64_t>(std::ceil(static_cast<double>(recent) * cfg_.arrival_headroom_factor));
  headroom_ = std::max<int64_t>(headroom_, adaptive);
}

bool plan_builder::just_admitted(const job_slot& s) const {
  const job_info& j = *s.job;
  if (!j.last_resize_time || now_ - *j.last_resize_time >= cfg_.rescale_interval)
    return false;
  // Its last size change was its admission when it has run at no other
  // size: the service it attained fits in the time since at its size (a
  // job resized after running a while attained more than that).
  double since = std::chrono::duration<double>(now_ - *j.last_resize_time).count();
  double at_size =
      since * static_cast<double>(s.current) * static_cast<double>(std::max<int64_t>(s.req[0], 1));
  return s.attained <= at_size + 1.0;
}

double plan_builder::speed(const job_slot& s, std::size_t n) const {
  if (!s.scaling)
    return static_cast<double>(n);
  int nodes = 1;
  if (s.req[0] > 0 && max_node_gpus_ > 0)
    nodes = static_cast<int>((static_cast<int64_t>(n) * s.req[0] + max_node_gpus_ - 1) / max_node_gpus_);
  return s.scaling->rate(static_cast<int>(n), std::max(nodes, 1));
}

void plan_builder::compute_targets(const std::vector<int>& order) {
  if (cfg_.growth == growth_order::queue) {
    // The first planner's policy: every job grows toward maxSize in turn.
    for (int id : order)
      slots_[id].target = slots_[id].max();
    return;
  }
  // The GPUs the admitted jobs can share: what they hold plus what is free
  // (nodes reserved for the head of the queue excluded). Constraints are
  // ignored here; placement decides what is really reachable.
  int64_t left = 0;
  for (int n = 0; n < state_->node_count(); ++n)
    if (!state_->blocked(n))
      left += std::max<int64_t>(state_->free(n)[0], 0);
  for (int id : order) {
    job_slot& s = slots_[id];
    // Each job's minSize (or what it holds below that) is its own; the
    // rest is shared by the policy. Jobs without GPUs are not limited here.
    s.target = s.req[0] > 0 ? std::min(s.planned.size(), s.min()) : s.max();
    left += static_cast<int64_t>(s.planned.size() - s.target) * std::max<int64_t>(s.req[0], 0);
  }
  if (cfg_.growth == growth_order::least_attained && !cfg_.fair_within_class) {
    // In rounds: each job in turn up to 1/2^k of its maxSize, then 1/2^(k-1),
    // ..., then all of it.
    for (int round = std::clamp(cfg_.growth_rounds, 0, 16); round >= 0; --round)
      for (int id : order) {
        job_slot& s = slots_[id];
        if (s.req[0] <= 0)
          continue;
        std::size_t cap = (s.useful_max + (std::size_t{1} << round) - 1) >> round;
        if (cap <= s.target)
          continue;
        auto extra = std::min<int64_t>(static_cast<int64_t>(cap - s.target), left / s.req[0]);
        extra = std::max<int64_t>(extra, 0);
        s.target += static_cast<std::size_t>(extra);
        left -= extra * s.req[0];
      }
    return;
  }
  // Fair shares: each next worker goes where it raises the job's throughput
  // the most in relative terms (the sum of log-throughputs, proportional
  // fairness). Without reports throughput is taken as linear, and this is
  // plain water-filling: the job with the fewest GPUs grows first.
  // Ties go to the job earlier in the growth order (service class, queue).
  struct step {
    double gain;
    int64_t gpus;
    std::size_t position;
  };
  auto cmp = [](const step& a, const step& b) {
    if (a.gain != b.gain)
      return a.gain < b.gain;
    if (a.gpus != b.gpus)
      return a.gpus > b.gpus;
    return a.position > b.position;
  };
  std::priority_queue<step, std::vector<step>, decltype(cmp)> heap(cmp);
  auto next = [&](std::size_t position) {
    const job_slot& s = slots_[order[position]];
    if (s.req[0] <= 0 || s.target >= s.useful_max)
      return;
    double now = speed(s, std::max<std::size_t>(s.target, 1));
    double more = speed(s, s.target + 1);
    double gain = s.target == 0 ? 1e9 : std::log(std::max(more, 1e-12) / std::max(now, 1e-12));
    heap.push({gain, static_cast<int64_t>(s.target) * s.req[0], position});
  };
  auto share = [&](std::size_t begin, std::size_t end) {
    while (!heap.empty())
      heap.pop();
    for (std::size_t k = begin; k < end; ++k)
      next(k);
    while (!heap.empty() && left > 0) {
      step top = heap.top();
      heap.pop();
      job_slot& s = slots_[order[top.position]];
      if (top.gain <= 0 || s.req[0] > left)
        continue;
      ++s.target;
      left -= s.req[0];
      next(top.position);
    }
  };
  if (cfg_.growth == growth_order::fair) {
    share(0, order.size());
    return;
  }
  // Least attained service with fair shares inside each (priority, class).
  for (std::size_t begin = 0; begin < order.size();) {
    std::size_t end = begin + 1;
    while (end < order.size() && slots_[order[end]].priority() == slots_[order[begin]].priority()
           && slots_[order[end]].service_class == slots_[order[begin]].service_class)
      ++end;
    share(begin, end);
    begin = end;
  }
}

std::vector<int> plan_builder::grow_all() {
  compute_headroom();
  std::vector<int> order;
  for (int id : order_)
    if (slots_[id].admitted)
      order.push_back(id);
  if (cfg_.growth == growth_order::least_attained)
    std::stable_sort(order.begin(), order.end(), [this](int a, int b) {
      const job_slot& x = slots_[a];
      const job_slot& y = slots_[b];
      if (x.priority() != y.priority())
        return x.priority() > y.priority();
      if (x.service_class != y.service_class)
        return x.service_class < y.service_class;
      return false;
    });
  compute_targets(order);
  if (cfg_.growth == growth_order::fair)
    // Those furthest below their target grow first.
    std::stable_sort(order.begin(), order.end(), [this](int a, int b) {
      const job_slot& x = slots_[a];
      const job_slot& y = slots_[b];
      if (x.priority() != y.priority())
        return x.priority() > y.priority();
      return x.planned.size() * static_cast<std::size_t>(std::max<int64_t>(x.req[0], 1))
             < y.planned.size() * static_cast<std::size_t>(std::max<int64_t>(y.req[0], 1));
    });
  grow_by_service(order);
  return order;
}

} // namespace lattice::scheduling::detail
