"""RendezvousState: generations, ranks and membership changes (pure, time passed in)."""

import pytest
from lattice.rendezvous.state import FORMING, RUNNING, RendezvousState, Settings, UnknownMember


def make(min_size=1, max_size=4, settle=5.0, lease=15.0):
    return RendezvousState(Settings(min_size, max_size, settle, lease, master_port=29500))


def join(state, name, index, now, nproc=1):
    state.join(name, f"{name}.addr", nproc, index, now)


def roster_names(state):
    return [entry["node_id"] for entry in state.roster]


def test_first_round_closes_at_max_size_without_waiting():
    state = make(min_size=2, max_size=2)
    join(state, "a", 0, 0.0)
    state.tick(10.0)
    assert state.status == FORMING  # below min size, however long past settle
    join(state, "b", 1, 10.1)
    assert state.status == RUNNING and roster_names(state) == ["a", "b"]
    assert state.view("b")["assignment"] == {
        "node_rank": 1,
        "first_rank": 1,
        "nproc": 1,
        "nnodes": 2,
        "world_size": 2,
        "master_addr": "a.addr",
        "master_port": 29500,
    }


def test_first_round_without_target_waits_for_settle():
    state = make(min_size=1, max_size=4, settle=5.0)
    join(state, "a", 0, 0.0)
    join(state, "b", 1, 2.0)
    state.tick(6.9)
    assert state.status == FORMING
    state.tick(7.0)
    assert state.status == RUNNING and roster_names(state) == ["a", "b"]


def test_ranks_follow_worker_index_and_sum_processes_per_node():
    state = make(min_size=2, max_size=2)
    join(state, "late", 1, 0.0, nproc=2)
    join(state, "first", 0, 0.1, nproc=4)
    assert roster_names(state) == ["first", "late"]
    view = state.view("late")
    assert view["assignment"]["first_rank"] == 4 and view["world_size"] == 6
    assert view["assignment"]["master_addr"] == "first.addr"


@pytest.mark.parametrize(
    "target, joined, closes",
    [
        (3, 2, False),  # operator is creating a third pod: wait for it
        (3, 3, True),
        (2, 2, True),
    ],
)
def test_announced_target_holds_the_round_open(target, joined, closes):
    state = make(min_size=1, max_size=4)
    state.announce(target, 0.0)
    for i in range(joined):
        join(state, f"n{i}", i, 0.0)
    assert (state.status == RUNNING) == closes


def test_settle_timeout_starts_a_smaller_generation():
    state = make(min_size=1, max_size=4, settle=5.0)
    state.announce(3, 0.0)
    join(state, "a", 0, 0.0)
    join(state, "b", 1, 1.0)
    state.tick(5.9)
    assert state.status == FORMING
    state.tick(6.0)
    assert state.status == RUNNING and len(state.roster) == 2


def test_new_member_waits_then_is_admitted_when_target_reached():
    state = make(min_size=1, max_size=4)
    state.announce(2, 0.0)
    join(state, "a", 0, 0.0)
    join(state, "b", 1, 0.0)
    assert state.status == RUNNING and state.generation == 0
    join(state, "c", 2, 1.0)
    assert state.status == RUNNING and state.generation == 0 and state.waiting == ["c"]
    assert state.view("c")["assignment"] is None
    state.announce(3, 1.5)
    assert state.generation == 1 and state.status == FORMING and state.participants == ["c"]
    join(state, "a", 0, 2.0)
    join(state, "b", 1, 2.0)
    assert state.status == RUNNING and roster_names(state) == ["a", "b", "c"]
    assert state.view()["world_size"] == 3


def test_new_member_admitted_after_settle_without_announcement():
    state = make(min_size=1, max_size=4, settle=5.0)
    state.announce(1, 0.0)
    join(state, "a", 0, 0.0)
    state.announce(None, 0.0)
    join(state, "b", 1, 10.0)  # arrives while generation 0 runs with a alone
    assert state.generation == 0 and state.status == RUNNING
    state.tick(14.9)
    assert state.generation == 0
    state.tick(15.0)
    assert state.generation == 1


def test_round_after_a_grow_waits_for_members_still_checkpointing():
    # a and b stop their workers for the grow (rank 0 writes the checkpoint),
    # heartbeating meanwhile. However long that takes, c must not start a
    # generation alone: it would restore an older checkpoint, and the
    # generation would end again as soon as a and b re-join.
    state = make(min_size=1, max_size=4, settle=5.0, lease=3.0)
    state.announce(2, 0.0)
    join(state, "a", 0, 0.0)
    join(state, "b", 1, 0.0)
    state.announce(3, 1.0)
    join(state, "c", 2, 1.0)
    assert state.generation == 1 and state.participants == ["c"]
    for second in range(2, 40):
        for name in "abc":
            state.heartbeat(name, float(second))
        state.tick(float(second))
        assert state.status == FORMING, f"round closed at {second}s with {roster_names(state)}"
    join(state, "a", 0, 40.0)
    assert state.status == FORMING
    join(state, "b", 1, 40.5)
    assert state.status == RUNNING and state.generation == 1 and roster_names(state) == ["a", "b", "c"]


def test_round_after_a_grow_closes_without_a_member_that_died_while_stopping():
    state = make(min_size=1, max_size=4, settle=5.0, lease=3.0)
    state.announce(2, 0.0)
    join(state, "a", 0, 0.0)
    join(state, "b", 1, 0.0)
    state.announce(3, 1.0)
    join(state, "c", 2, 1.0)
    join(state, "b", 1, 2.0)
    state.heartbeat("c", 2.0)
    state.tick(3.9)  # a (killed mid-checkpoint) silent since 0.0: its 3 s lease ran out
    assert "a" not in state.members
    assert state.status == RUNNING and roster_names(state) == ["b", "c"]


def test_removing_index_zero_moves_rank_zero_and_master():
    state = make(min_size=1, max_size=4)
    for i, name in enumerate("abc"):
        state.announce(3, 0.0)
        join(state, name, i, 0.0)
    assert roster_names(state) == ["a", "b", "c"]
    state.announce(2, 1.0)
    state.leave("a", succeeded=False, now=1.0)
    assert state.generation == 1 and state.status == FORMING
    join(state, "b", 1, 2.0)
    join(state, "c", 2, 2.0)
    assert roster_names(state) == ["b", "c"]
    assignment = state.view("b")["assignment"]
    assert assignment["node_rank"] == 0 and assignment["master_addr"] == "b.addr"


def test_missed_heartbeats_expire_a_member_and_end_the_generation():
    state = make(min_size=1, max_size=2, lease=3.0)
    join(state, "a", 0, 0.0)
    join(state, "b", 1, 0.0)
    assert state.status == RUNNING
    state.heartbeat("a", 2.0)
    state.tick(3.5)  # b silent since 0.0
    assert state.generation == 1 and "b" not in state.members
    with pytest.raises(UnknownMember):
        state.heartbeat("b", 3.6)


def test_roster_member_joining_again_asks_for_a_new_generation():
    state = make(min_size=1, max_size=2)
    join(state, "a", 0, 0.0)
    join(state, "b", 1, 0.0)
    assert state.generation == 0 and state.status == RUNNING
    join(state, "a", 0, 1.0)  # a's workers crashed: restart everyone
    assert state.generation == 1 and state.status == FORMING and state.participants == ["a"]


def test_success_completes_the_job_without_a_new_generation():
    state = make(min_size=1, max_size=2)
    join(state, "a", 0, 0.0)
    join(state, "b", 1, 0.0)
    state.leave("a", succeeded=True, now=1.0)
    assert state.completed and state.generation == 0 and state.status == RUNNING


def test_max_size_caps_the_roster_and_extra_members_wait():
    state = make(min_size=1, max_size=2)
    for i, name in enumerate("abc"):
        join(state, name, i, 0.0)
    assert roster_names(state) == ["a", "b"] and state.waiting == ["c"]
    state.tick(1.0)
    assert state.generation == 0  # full: c is not admitted


@pytest.mark.parametrize(
    "settings, message",
    [
        (Settings(0, 2), "min size"),
        (Settings(3, 2), "below min size"),
        (Settings(1, 2, master_port=70000), "not a TCP port"),
    ],
)
def test_invalid_settings_are_rejected(settings, message):
    with pytest.raises(ValueError, match=message):
        RendezvousState(settings)


def test_member_beyond_a_stale_target_is_admitted_after_settle():
    # The rendezvous pod was created when the job had one worker (target 1);
    # the job grew without a new announcement. The new member must not wait
    # forever: after the settle time it joins like an unannounced one.
    state = make(min_size=1, max_size=4, settle=5.0)
    state.announce(1, 0.0)
    join(state, "a", 0, 0.0)
    assert state.status == RUNNING and state.generation == 0
    join(state, "b", 1, 10.0)
    state.tick(14.9)
    assert state.generation == 0 and state.waiting == ["b"]
    state.tick(15.0)
    assert state.generation == 1 and state.status == FORMING
    join(state, "a", 0, 15.5)
    assert state.status == RUNNING and roster_names(state) == ["a", "b"]
