#include "actors/write_queue.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

namespace lattice::actors {
namespace {

using protocol::write_class;

/// Pops until the queue gives nothing, returning the items in order.
std::vector<std::string> pop_all(write_queue<std::string>& q) {
  std::vector<std::string> out;
  while (auto e = q.pop())
    out.push_back(e->item);
  return out;
}

TEST(WriteQueue, ANewJobsCreatesPassTheDeletesAndStatusWritesQueuedBeforeThem) {
  write_queue<std::string> q;
  for (int i = 0; i < 20; ++i)
    q.push(write_class::bookkeeping, "", "status-" + std::to_string(i));
  for (int i = 0; i < 20; ++i)
    q.push(write_class::free_gpus, "", "delete-" + std::to_string(i));
  for (int i = 0; i < 8; ++i)
    q.push(write_class::start_pods, "", "create-" + std::to_string(i));
  for (int i = 0; i < 8; ++i)
    EXPECT_EQ(q.pop()->item, "create-" + std::to_string(i)) << "creates go first, in order";
}

TEST(WriteQueue, WithEveryClassWaitingEachElevenWritesAreEightStartsTwoFreesOneBookkeeping) {
  write_queue<std::string> q;
  for (int i = 0; i < 100; ++i) {
    q.push(write_class::start_pods, "", "s");
    q.push(write_class::free_gpus, "", "f");
    q.push(write_class::bookkeeping, "", "b");
  }
  for (int round = 0; round < 5; ++round) {
    std::map<std::string, int> counts;
    for (int i = 0; i < 11; ++i)
      ++counts[q.pop()->item];
    EXPECT_EQ(counts["s"], 8) << "round " << round;
    EXPECT_EQ(counts["f"], 2) << "round " << round;
    EXPECT_EQ(counts["b"], 1) << "round " << round << ": bookkeeping never stops";
  }
}

TEST(WriteQueue, AClassAloneGetsEveryTurnAndTheOthersShareByWeight) {
  write_queue<std::string> q;
  for (int i = 0; i < 30; ++i)
    q.push(write_class::bookkeeping, "", "b");
  EXPECT_EQ(pop_all(q).size(), 30u) << "nothing else waits: bookkeeping takes every turn";

  for (int i = 0; i < 30; ++i) {
    q.push(write_class::free_gpus, "", "f");
    q.push(write_class::bookkeeping, "", "b");
  }
  std::map<std::string, int> counts;
  for (int i = 0; i < 30; ++i)
    ++counts[q.pop()->item];
  EXPECT_EQ(counts["f"], 20) << "frees : bookkeeping = 2 : 1 when nothing starts";
  EXPECT_EQ(counts["b"], 10);
}

TEST(WriteQueue, ACreateOnANodeWaitsForTheDeletesThatFreeItsGpus) {
  write_queue<std::string> q;
  q.push(write_class::start_pods, "", "node-a", "create-a");
  q.push(write_class::start_pods, "", "node-b", "create-b");
  q.push(write_class::free_gpus, "", "node-a", "delete-a");
  EXPECT_EQ(pop_all(q), (std::vector<std::string>{"create-b", "delete-a"}))
      << "create-a waits while the delete on its node is queued, and while it is in flight";
  EXPECT_TRUE(q.held("node-a"));
  q.freed("node-a");
  EXPECT_FALSE(q.held("node-a"));
  EXPECT_EQ(pop_all(q), (std::vector<std::string>{"create-a"}))
      << "answered: the node's GPUs are being freed";
}

TEST(WriteQueue, AnnouncedDeletesHoldTheirNodeUntilTheyCameOrAreForgotten) {
  write_queue<std::string> q;
  q.expect_frees("node-a", 2);
  q.push(write_class::start_pods, "", "node-a", "create-a");
  EXPECT_FALSE(q.pop().has_value()) << "two deletes on node-a are on their way";
  q.push(write_class::free_gpus, "", "node-a", "delete-1");
  EXPECT_EQ(pop_all(q), (std::vector<std::string>{"delete-1"}));
  q.freed("node-a");
  EXPECT_FALSE(q.pop().has_value()) << "one announced delete has not come";
  q.forget_expected("node-a", 2);
  EXPECT_EQ(pop_all(q), (std::vector<std::string>{"create-a"})) << "waited long enough for it";
}

TEST(WriteQueue, WritesOfOneKeyGoOneAtATimeInOrderOthersPassThem) {
  write_queue<std::string> q;
  q.push(write_class::bookkeeping, "lattice/resnet", "resnet-status-1");
  q.push(write_class::bookkeeping, "lattice/resnet", "resnet-event");
  q.push(write_class::bookkeeping, "lattice/resnet", "resnet-status-2");
  q.push(write_class::bookkeeping, "lattice/bert", "bert-status");
  q.push(write_class::start_pods, "", "resnet-worker-0");

  EXPECT_EQ(pop_all(q), (std::vector<std::string>{"resnet-worker-0", "resnet-status-1", "bert-status"}))
      << "resnet's later writes wait for its first";
  EXPECT_EQ(q.size(), 2u);
  EXPECT_EQ(q.size(write_class::bookkeeping), 2u) << "waiting for their key, still queued";
  EXPECT_EQ(q.size(write_class::start_pods), 0u);
  q.done("lattice/bert");
  EXPECT_FALSE(q.pop().has_value()) << "bert's answer frees only bert's key";
  q.done("lattice/resnet");
  EXPECT_EQ(pop_all(q), (std::vector<std::string>{"resnet-event"}));
  q.done("lattice/resnet");
  EXPECT_EQ(pop_all(q), (std::vector<std::string>{"resnet-status-2"}));
  q.done("lattice/resnet");
  q.push(write_class::bookkeeping, "lattice/resnet", "resnet-status-3");
  EXPECT_EQ(pop_all(q), (std::vector<std::string>{"resnet-status-3"})) << "the key is free again";
}

TEST(WriteQueue, AWriteThatWaitedForItsKeyGoesBeforeItsClassesNewcomers) {
  write_queue<std::string> q;
  q.push(write_class::bookkeeping, "lattice/resnet", "resnet-1");
  q.push(write_class::bookkeeping, "lattice/resnet", "resnet-2");
  EXPECT_EQ(q.pop()->item, "resnet-1");
  q.push(write_class::bookkeeping, "lattice/bert", "bert-1");
  q.done("lattice/resnet");
  EXPECT_EQ(pop_all(q), (std::vector<std::string>{"resnet-2", "bert-1"}));
}

TEST(WriteQueue, DrainTakesEveryWriteNotSentIncludingThoseWaitingForTheirKey) {
  write_queue<std::string> q;
  q.push(write_class::bookkeeping, "lattice/resnet", "resnet-1");
  q.push(write_class::bookkeeping, "lattice/resnet", "resnet-2");
  q.push(write_class::start_pods, "", "create");
  EXPECT_EQ(q.pop()->item, "create");
  std::vector<std::string> drained;
  q.drain([&](std::string s) { drained.push_back(std::move(s)); });
  std::sort(drained.begin(), drained.end());
  EXPECT_EQ(drained, (std::vector<std::string>{"resnet-1", "resnet-2"}));
  EXPECT_EQ(q.size(), 0u);
  EXPECT_EQ(q.size(write_class::bookkeeping), 0u);
  EXPECT_FALSE(q.pop().has_value());
}

} // namespace
} // namespace lattice::actors
