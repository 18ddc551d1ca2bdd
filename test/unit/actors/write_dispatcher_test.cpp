#include "actor_test_support.hpp"
#include "actors/write_dispatcher.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

// The write dispatcher on CAF's test coordinator, in front of gateways that
// hold every call until the test answers it: what is in flight where, and
// what goes next when a gateway answers.

namespace lattice::actors {
namespace {

using protocol::api_call;
using protocol::api_result;
using protocol::api_verb;
using protocol::write_class;

api_call write(api_verb verb, std::string name, write_class urgency, std::string key = "") {
  api_call c;
  c.verb = verb;
  c.namespace_ = "lattice";
  c.name = std::move(name);
  c.urgency = urgency;
  c.order_key = std::move(key);
  return c;
}

api_call create(std::string name) {
  return write(api_verb::create_pod, std::move(name), write_class::start_pods);
}

api_call create_on(std::string name, std::string node) {
  auto c = create(std::move(name));
  c.node = std::move(node);
  return c;
}

api_call delete_on(std::string name, std::string node) {
  auto c = write(api_verb::delete_pod, std::move(name), write_class::free_gpus);
  c.node = std::move(node);
  return c;
}

api_call status(std::string name) {
  return write(api_verb::patch_job_status, name, write_class::bookkeeping, "lattice/" + name);
}

using answer_log = std::vector<std::pair<std::string, api_result>>;

/// Sends each call, as a job actor would, and records the answers.
void caller(caf::event_based_actor* self, protocol::gateway_actor writes, std::vector<api_call> calls,
            std::shared_ptr<answer_log> out) {
  for (const auto& c : calls)
    self->request(writes, caf::infinite, c).then([out, name = c.name](api_result& r) {
      out->emplace_back(name, std::move(r));
    });
}

class WriteDispatcherTest : public test::actor_test {
protected:
  std::vector<std::shared_ptr<test::held_writes>> held_;
  std::vector<caf::actor> gateways_;
  protocol::write_dispatcher_actor dispatcher_;
  protocol::gateway_actor writes_;
  /// Answers the callers got, by call name, in the order they came.
  std::shared_ptr<answer_log> answers_ = std::make_shared<answer_log>();

  /// Set before start(): the dispatcher records its backlog here.
  std::shared_ptr<observability::metrics> metrics_;

  void start(int gateways) {
    std::vector<protocol::gateway_actor> handles;
    for (int i = 0; i < gateways; ++i) {
      held_.push_back(std::make_shared<test::held_writes>());
      held_.back()->held_verb.reset(); // hold every call
      gateways_.push_back(keep(sys_.spawn(test::holding_gateway, held_.back())));
      handles.push_back(caf::actor_cast<protocol::gateway_actor>(gateways_.back()));
    }
    dispatcher_ = keep(spawn_write_dispatcher(sys_, handles, default_frees_wait, metrics_));
    writes_ = dispatcher_;
    run();
  }

  void send(std::vector<api_call> calls) {
    sys_.spawn(caller, writes_, std::move(calls), answers_);
    run();
  }

  /// Answers gateway `i`'s call in flight (ok).
  void answer(std::size_t i) {
    caf::anon_send(gateways_[i], api_result{true, 200, ""});
    run();
  }

  /// The names of the calls gateway `i` took, in order.
  std::vector<std::string> taken(std::size_t i) const {
    std::vector<std::string> out;
    for (const auto& c : held_[i]->calls)
      out.push_back(c.name);
    return out;
  }

  std::size_t sent() const {
    std::size_t n = 0;
    for (const auto& h : held_)
      n += h->calls.size();
    return n;
  }
};

TEST_F(WriteDispatcherTest, OneCallInFlightOnEachGatewayTheNextGoesToTheFirstThatAnswers) {
  start(3);
  std::vector<api_call> creates;
  for (int i = 0; i < 10; ++i)
    creates.push_back(create("resnet-worker-" + std::to_string(i)));
  send(creates);
  for (std::size_t g = 0; g < 3; ++g)
    EXPECT_EQ(held_[g]->calls.size(), 1u) << "gateway " << g << " has one call, the rest wait here";

  answer(1);
  EXPECT_EQ(held_[1]->calls.size(), 2u) << "the gateway that answered takes the next";
  EXPECT_EQ(sent(), 4u);
  ASSERT_EQ(answers_->size(), 1u);
  EXPECT_TRUE(answers_->front().second.ok) << "the caller gets the gateway's answer";

  for (int i = 0; i < 7; ++i)
    answer(static_cast<std::size_t>(i % 3));
  EXPECT_EQ(sent(), 10u);
  EXPECT_EQ(answers_->size(), 8u);
}

TEST_F(WriteDispatcherTest, TheBacklogByClassAndEachWritesWaitForAGatewayAreRecorded) {
  metrics_ = std::make_shared<observability::metrics>();
  start(1);
  auto queued = [this](const char* c) { return metrics_->write_queue_length(c).Value(); };
  auto waits = [this](const char* c) {
    auto m = metrics_->write_queue_wait(c).Collect().histogram;
    return std::make_pair(m.sample_count, m.sample_sum);
  };
  EXPECT_EQ(queued("start_pods"), 0) << "every class reads 0 from the start, not no data";
  send({create("a-worker-0"), create("a-worker-1"), delete_on("b-worker-0", "node-1"), status("a"),
        status("b")});
  EXPECT_EQ(taken(0), (std::vector<std::string>{"a-worker-0"}));
  EXPECT_EQ(queued("start_pods"), 1);
  EXPECT_EQ(queued("free_gpus"), 1);
  EXPECT_EQ(queued("bookkeeping"), 2);
  EXPECT_EQ(waits("start_pods"), std::make_pair(std::uint64_t{1}, 0.0))
      << "the first create waited for nothing";

  wait(std::chrono::milliseconds(250));
  answer(0);
  EXPECT_EQ(queued("start_pods"), 0);
  EXPECT_EQ(waits("start_pods"), std::make_pair(std::uint64_t{2}, 0.25)) << "the second waited for the first";
  for (int i = 0; i < 3; ++i)
    answer(0);
  EXPECT_EQ(queued("free_gpus"), 0);
  EXPECT_EQ(queued("bookkeeping"), 0);
  EXPECT_EQ(waits("bookkeeping").first, 2u);
}

TEST_F(WriteDispatcherTest, ANewJobsCreatesGoBeforeTheDeletesAndStatusWritesWaitingForAGateway) {
  start(1);
  std::vector<api_call> backlog;
  for (int i = 0; i < 5; ++i) {
    backlog.push_back(
        write(api_verb::delete_pod, "bert-worker-" + std::to_string(i), write_class::free_gpus));
    backlog.push_back(status("job-" + std::to_string(i)));
  }
  send(backlog);
  send({create("resnet-worker-0"), create("resnet-worker-1")});
  ASSERT_EQ(taken(0), std::vector<std::string>{"bert-worker-0"});
  answer(0);
  answer(0);
  EXPECT_EQ(taken(0), (std::vector<std::string>{"bert-worker-0", "resnet-worker-0", "resnet-worker-1"}));
}

TEST_F(WriteDispatcherTest, AJobsSecondStatusWriteWaitsForTheFirstsAnswerEvenWithAGatewayFree) {
  start(2);
  send({status("resnet"), status("resnet"), create("resnet-worker-0")});
  ASSERT_EQ(sent(), 2u) << "the first status write and the create";
  const std::size_t create_at = held_[0]->calls.at(0).verb == api_verb::create_pod ? 0 : 1;
  answer(create_at); // that gateway is free now
  EXPECT_EQ(sent(), 2u) << "the second status write must not overtake the first";
  answer(1 - create_at);
  EXPECT_EQ(sent(), 3u) << "sent once the first is answered";
}

TEST_F(WriteDispatcherTest, AtExitEveryWriteNotAnsweredIsAnsweredCancelled) {
  start(1);
  send({create("resnet-worker-0"), status("resnet"), status("resnet")});
  ASSERT_EQ(sent(), 1u);
  caf::anon_send_exit(writes_, caf::exit_reason::user_shutdown);
  run();
  ASSERT_EQ(answers_->size(), 3u) << "the one in flight and the two queued";
  for (const auto& [name, r] : *answers_) {
    EXPECT_FALSE(r.ok) << name;
    EXPECT_TRUE(r.cancelled) << name << ": a shutdown, not a failure to log";
  }
}

TEST_F(WriteDispatcherTest, AGatewayThatIsGoneAnswersCancelled) {
  start(1);
  caf::anon_send_exit(gateways_[0], caf::exit_reason::user_shutdown);
  run();
  send({create("resnet-worker-0")});
  ASSERT_EQ(answers_->size(), 1u);
  EXPECT_TRUE(answers_->front().second.cancelled);
}

TEST_F(WriteDispatcherTest, AGatewayThatIsGoneGetsNoMoreWrites) {
  start(2);
  caf::anon_send_exit(gateways_[0], caf::exit_reason::kill);
  run();
  send({create("resnet-worker-0")}); // the longest idle gateway takes it: gone
  ASSERT_EQ(answers_->size(), 1u);
  EXPECT_TRUE(answers_->back().second.cancelled);
  send({create("resnet-worker-1"), create("resnet-worker-2"), create("resnet-worker-3")});
  for (int i = 0; i < 3; ++i)
    answer(1);
  ASSERT_EQ(answers_->size(), 4u);
  for (std::size_t i = 1; i < 4; ++i)
    EXPECT_TRUE((*answers_)[i].second.ok) << (*answers_)[i].first << " went to the gateway that is gone";
  EXPECT_EQ(taken(1), (std::vector<std::string>{"resnet-worker-1", "resnet-worker-2", "resnet-worker-3"}));
}

TEST_F(WriteDispatcherTest, WithNoGatewayLeftWritesAreAnsweredCancelledNotKept) {
  start(1);
  caf::anon_send_exit(gateways_[0], caf::exit_reason::kill);
  run();
  send({create("resnet-worker-0"), create("resnet-worker-1")});
  ASSERT_EQ(answers_->size(), 2u);
  for (const auto& [name, r] : *answers_)
    EXPECT_TRUE(r.cancelled) << name;
}

TEST_F(WriteDispatcherTest, ACreateOnANodeWhoseGpusAPlanIsFreeingWaitsForTheDeletes) {
  start(2);
  caf::anon_send(dispatcher_, protocol::gpus_freeing{{{"node-a", 1}}});
  run();
  send({create_on("bert-worker-0", "node-a"), create_on("bert-worker-1", "node-b")});
  EXPECT_EQ(sent(), 1u) << "bert-worker-0 waits for the delete the plan announced on node-a";
  EXPECT_EQ(taken(0), std::vector<std::string>{"bert-worker-1"});
  send({delete_on("resnet-worker-3", "node-a")}); // the victim's delete arrives (after the create)
  EXPECT_EQ(taken(1), std::vector<std::string>{"resnet-worker-3"});
  EXPECT_EQ(sent(), 2u) << "still in flight: the create waits for its answer";
  answer(1);
  EXPECT_EQ(taken(1), (std::vector<std::string>{"resnet-worker-3", "bert-worker-0"}))
      << "the node's GPUs are being freed: the create goes";
}

TEST_F(WriteDispatcherTest, AnAnnouncedDeleteThatNeverComesHoldsTheNodeOnlyForAWhile) {
  start(1);
  caf::anon_send(dispatcher_, protocol::gpus_freeing{{{"node-a", 1}}});
  run();
  send({create_on("bert-worker-0", "node-a")});
  EXPECT_EQ(sent(), 0u);
  wait(default_frees_wait);
  EXPECT_EQ(taken(0), std::vector<std::string>{"bert-worker-0"});
}

// Fencing: the Lease is lost.

TEST_F(WriteDispatcherTest, LosingTheLeaseAnswersTheBacklogCancelledAndSendsNothingMore) {
  start(2);
  std::vector<api_call> creates;
  for (int i = 0; i < 6; ++i)
    creates.push_back(create("resnet-worker-" + std::to_string(i)));
  send(creates);
  ASSERT_EQ(sent(), 2u) << "one in flight per gateway, four queued";
  caf::anon_send(dispatcher_, protocol::set_leader{false});
  run();
  ASSERT_EQ(answers_->size(), 4u) << "the backlog is answered at once";
  for (const auto& [name, r] : *answers_) {
    EXPECT_FALSE(r.ok) << name;
    EXPECT_TRUE(r.cancelled) << name;
    EXPECT_NE(r.message.find("lost its Lease"), std::string::npos) << r.message;
  }
  answer(0);
  answer(1);
  EXPECT_EQ(sent(), 2u) << "a gateway freed after the loss takes nothing more";
  send({status("resnet")});
  EXPECT_EQ(sent(), 2u) << "a write that comes after the loss is refused";
  ASSERT_EQ(answers_->size(), 7u);
  EXPECT_TRUE(answers_->back().second.cancelled);
  caf::anon_send(dispatcher_, protocol::set_leader{true});
  run();
  send({status("resnet")});
  EXPECT_EQ(sent(), 3u) << "leading again: writes go";
}

} // namespace
} // namespace lattice::actors
