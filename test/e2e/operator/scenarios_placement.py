"""Where running jobs' workers go: repacking moves an injected job spread over two nodes onto one when
a node frees up (a Moved Event, the same size); a plain job in the same spot keeps its pods."""

from e2e_jobs import event_messages, expect_events, training_job
from e2e_kube import expect, wait_until
from e2e_operator import find_reason
from e2e_scenario import Scenario

# A move pays at once in these timings: a spread job is taken to run at half its rate (the assumption
# without throughput reports) and a restart costs 1 s; the rescale interval is the suite's 5 s.
REPACK_NOW = ["--spread-penalty", "0.5", "--restart-cost", "1s", "--resize-payback", "1"]


def nodes_of(st, job):
    return sorted(p["spec"].get("nodeName") for p in st.workers(job))


def uids_of(st, job):
    return {p["metadata"]["name"]: p["metadata"]["uid"] for p in st.workers(job)}


def block_every_node(s, gpus, exit_after):
    """Four single-worker blockers of `gpus` GPUs (more than half a node: one per node), Running."""
    for i in range(4):
        s.apply(training_job(f"block-{i}", s.ns, gpus=gpus, exit_after=exit_after))
    s.wait(
        "the blockers Running, one per node",
        lambda st: all(st.settled(f"block-{i}", "Running", 1) for i in range(4)),
        60,
    )


def scenario_repack():
    """Four blockers of 5 GPUs, one per node, leave 3 GPUs free on each of the 4 nodes of 8: `agent`
    (injected) and `plain`, 2 workers of 3 GPUs each, both run spread over two nodes. The blockers
    finish after 20 s: `agent` moves onto one node (both workers there, a Moved Event, still 2
    workers, no Scaled Event); `plain` keeps its pods where they are (its other worker would lose its
    peer)."""
    with Scenario("repack") as s:
        s.start_operator(extra_args=REPACK_NOW)
        block_every_node(s, gpus=5, exit_after="20s")
        s.apply(
            training_job("agent", s.ns, min_size=2, max_size=2, gpus=3, inject=True),
            training_job("plain", s.ns, min_size=2, max_size=2, gpus=3),
        )
        st = s.wait(
            "agent and plain Running, each spread over two nodes",
            lambda st: (
                st.settled("agent", "Running", 2)
                and st.settled("plain", "Running", 2)
                and len(set(nodes_of(st, "agent"))) == 2
                and len(set(nodes_of(st, "plain"))) == 2
                and st
            ),
            60,
        )
        plain_before = uids_of(st, "plain")
        plain_nodes = nodes_of(st, "plain")
        print(f"ok spread: agent on {nodes_of(st, 'agent')}, plain on {plain_nodes}")
        st = s.wait(
            "agent moved onto one node once the blockers finished",
            lambda st: st.settled("agent", "Running", 2) and len(set(nodes_of(st, "agent"))) == 1 and st,
            90,
        )
        expect_events(s.ns, "agent", "Moved", "a Moved Event on agent")
        expect(not event_messages(s.ns, "agent", "Scaled"), "agent was resized, not moved")
        expect(st.size("agent") == 2, f"agent's size changed: {st.summary()}")
        print(f"ok agent moved onto {nodes_of(st, 'agent')[0]} at the same size")
        st = s.state()
        expect(st.settled("plain", "Running", 2), f"plain is not Running at 2: {st.summary()}")
        expect(uids_of(st, "plain") == plain_before, f"plain's pods were replaced: {st.summary()}")
        expect(nodes_of(st, "plain") == plain_nodes, f"plain moved: {nodes_of(st, 'plain')}")
        expect(not event_messages(s.ns, "plain", "Moved"), "a Moved Event on plain")
        print("ok plain keeps its pods on its two nodes")


def scenario_lend():
    """Four blockers of 6 GPUs, one per node of 8, finish after 45 s. `big` (2 workers of 8 GPUs) waits
    at the head of the queue with two nodes reserved for it; `elastic` (1-8 workers of 1 GPU, the same
    priority) behind it starts on the other nodes and borrows the 4 GPUs the reserved nodes hold free:
    8 workers, 2 on every node, and its status says so (reason LentCapacity). Once the blockers end,
    `big` runs on two whole nodes, taking back what was lent, and `elastic` keeps running. Fails with
    `--lend-reserved=false` (elastic stays at 4)."""
    with Scenario("lend") as s:
        op = s.start_operator()
        block_every_node(s, gpus=6, exit_after="45s")
        s.apply(training_job("big", s.ns, min_size=2, max_size=2, gpus=8))
        st = s.wait(
            "big waiting with nodes reserved for it",
            lambda st: (
                st.stage("big") == "Waiting"
                and "reserved for it" in ((st.condition("big", "Queued") or {}).get("message") or "")
                and st
            ),
            30,
        )
        s.apply(training_job("elastic", s.ns, min_size=1, max_size=8, gpus=1))
        st = s.wait(
            "elastic Running at 8, on every node", lambda st: st.settled("elastic", "Running", 8) and st, 30
        )
        per_node = {n: nodes_of(st, "elastic").count(n) for n in set(nodes_of(st, "elastic"))}
        expect(sorted(per_node.values()) == [2, 2, 2, 2], f"elastic's workers per node: {per_node}")
        expect(st.stage("big") == "Waiting", f"big did not wait: {st.summary()}")
        print(f"ok elastic borrowed the reserved nodes' free GPUs: {per_node}")
        st = s.wait(
            "elastic's status says its GPUs are lent",
            lambda st: st.status("elastic").get("reason") == "LentCapacity" and st,
            20,
        )
        message = st.status("elastic").get("message") or ""
        expect("4 workers on nodes reserved for" in message, f"elastic's status message: {message!r}")
        print(f"ok elastic's status: LentCapacity, {message!r}")

        # (A waiting job's status message follows the plan within --status-message-delay; the plan's
        # reason is on the debug port at once.)
        def big_reason():
            reason = find_reason(op.debug("/debug/autoscaler"), s.ns, "big")
            return reason if reason and "4 GPUs there lent until it fits" in reason else None

        reason = wait_until("big's reason counts the lent GPUs", big_reason, timeout=20)
        print(f"ok big's reason: {reason!r}")
        st = s.wait("big Running on two whole nodes", lambda st: st.settled("big", "Running", 2) and st, 90)
        big_nodes = nodes_of(st, "big")
        expect(len(set(big_nodes)) == 2, f"big's workers: {big_nodes}")
        others = [n for n in nodes_of(st, "elastic") if n in big_nodes]
        expect(not others, f"elastic still has workers on big's nodes: {others}")
        expect(st.stage("elastic") == "Running", f"elastic stopped: {st.summary()}")
        expect(not event_messages(s.ns, "elastic", "Preempted"), "elastic was preempted whole")
        print(f"ok big runs on {sorted(set(big_nodes))}, elastic gave back what it borrowed and runs on")
