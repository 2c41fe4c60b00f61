"""Checkpointed loops: binomial checkpointing ("Revolve", Griewank 1992) for the
reverse sweep of a loop, so that memory holds k states of the loop instead of
every iteration's tape.

Generated code hands a `checkpoints` schedule three functions made from the
loop body: `steps(indices, *state) -> state` (the iterations over `indices`, values
only: the loop itself, run for a segment),
`step_taped(i, *state) -> (state, item)` (one iteration keeping what its
reverse needs) and `step_back(i, item, *adjoints) -> adjoints` (that
iteration's reverse). `snapshots=k` is the number of loop states held at once,
the start state included, as in Revolve.

* A `for` loop over a range: the trip count n is known, so the first sweep
  stores states exactly where the reverse recursion will first need them; the
  recursion re-runs segments from the nearest stored state and reverses single
  iterations from their taped item. Each step runs forward at most t + 1 times,
  t the least number with C(k + t, k) >= n (Griewank's bound, attained).
* A `while` loop: n is known only at the end. The first sweep keeps states at
  multiples of an interval that doubles whenever its budget is full (every other
  one is dropped), so they stay evenly spread; the reverse then takes the
  segments between them last first, each with the binomial recursion and the
  states not held for earlier segments.
* Held entries: where the recursion's left part is a single step, that step is
  run taped at once and its entry held while the steps after it are reversed,
  instead of being run plain now and taped later (one run fewer). The entry
  takes the place of the state before its step and counts against the k states
  by its size, in whole states, at least one (the bytes of its arrays that the
  state after its step does not hold, measured at run time: the state before it
  counts where the entry keeps it): the steps after it are reversed with that
  many states, and the entry is held only where that costs no more re-runs than
  it saves. Where steps write in place, the steps after it may write the state
  after it, and hold entries of their own, only if the entry holds none of that
  state.
"""

from __future__ import annotations

from typing import Iterable, Optional

import copy
from functools import lru_cache
from math import comb

import numpy as np

from .sizes import entry_bytes, state_bytes

__all__ = ["checkpoints", "checkpointed", "predicted_steps"]

WHILE_SNAPSHOTS = 32  # the default for a loop whose trip count is unknown


def checkpointed(loop: Iterable, snapshots: Optional[int] = None) -> Iterable:
    """Mark a loop for checkpointing: `for i in sg.checkpointed(range(n), snapshots=10):`
    or `while sg.checkpointed(t < t_end, snapshots=10):`. Called as plain Python it
    just returns its argument."""
    return loop


def _repetitions(n, s):
    t = 0
    while comb(s + t, s) < n:
        t += 1
    return t


@lru_cache(maxsize=1 << 14)  # the recursion asks the same few (n, s) thousands of times
def _split(n, s):
    """Where to store the next state in a segment of n > 1 steps reversed with s > 1
    states (its start included): the offset that minimises recomputation, by the
    rule of Revolve (Griewank & Walther 2000, ACM TOMS 26). The part after it is
    reversed with s - 1 states. beta(s, t) = C(s + t, s) is the most steps s states
    reverse running no step more than t + 1 times."""
    t = _repetitions(n, s)
    full = comb(s + t, s)  # beta(s, t) >= n
    fewer = comb(s + t - 1, s)  # beta(s, t - 1) < n
    right = comb(s + t - 2, s - 1)  # beta(s - 1, t - 1)
    right2 = comb(s + t - 3, s - 2)  # beta(s - 2, t - 1)
    left = comb(s + t - 2, s)  # beta(s, t - 2)
    tail = comb(s + t - 3, t) if s > 2 else 1
    if n <= fewer + right2:
        offset = left
    elif n >= full - tail:
        offset = fewer
    else:
        offset = n - right - right2
    return max(1, offset)


@lru_cache(maxsize=1 << 14)  # (asked at each single-step split, as _split is)
def _reruns(n, s):
    """The fewest re-run steps that reverse n steps from a held state with s states,
    that one included (Griewank's closed form: t n - C(s + t, t - 1))."""
    if n <= 1:
        return 0
    if s <= 1:
        return n * (n - 1) // 2
    t = _repetitions(n, s)
    return t * n - comb(s + t, t - 1)


def predicted_steps(n, k, trip_count_known=True, entry_states=None, copies=True, entry_shares=True):
    """Forward steps (the first sweep included) the schedule runs for n steps and k states;
    `trip_count_known=False` for a while loop; `entry_states`: the size of a tape entry
    in whole states (None: as for a state without arrays, UNMEASURED_ENTRY); `copies`:
    as the schedule's (False: nothing writes in place); `entry_shares`: may an entry
    hold some of the state after its step (as the schedule measured)?"""
    plan = checkpoints(range(n) if trip_count_known else None, k, copies)
    plan.entry_states = UNMEASURED_ENTRY if entry_states is None else max(1, entry_states)
    plan.entry_shares = entry_shares
    if trip_count_known:
        plan.forward(lambda indices: (), ())
    else:
        plan.forward(lambda indices, count: (count + len(indices),), (0,), lambda count: count < n)
    plan.reverse(lambda indices, *s: s, lambda i, *s: (s, None), lambda i, item: (), ())
    return plan.forward_steps


# values no step can change: held as they are
_IMMUTABLE = (float, int, complex, bool, str, bytes, type(None), np.number, np.bool_)

# A tape entry's size in states where the state has no arrays to measure it by (a loop
# over numbers): the state before its step and about one more.
UNMEASURED_ENTRY = 2


_PLAIN = frozenset({float, int, complex, bool, str, bytes, type(None)})


def _copied(state):
    """A state the steps may write in place without changing `state`. (Runs once a
    re-run segment, on states of an array or two: one array, the heat equation's `u`,
    is asked first, then the common types.)"""
    if len(state) == 1 and type(state[0]) is np.ndarray:
        return (state[0].copy(),)
    return tuple([x.copy() if type(x) is np.ndarray else x if type(x) in _PLAIN else _copied_item(x) for x in state])


def _copied_item(x):
    return x.copy() if isinstance(x, np.ndarray) else x if isinstance(x, _IMMUTABLE) else copy.deepcopy(x)


class checkpoints:
    """The schedule of one checkpointed loop: over `steps` (a range), or a while loop
    (`steps=None`), holding at most `snapshots` states. `copies=False`: nothing in the
    function changes an array or container in place (the compiler says so), so a state
    is held as the step made it, never copied."""

    def __init__(self, steps, snapshots=None, copies=True):
        self.indices = steps if steps is None or isinstance(steps, range) else list(steps)
        self.copies = copies
        if snapshots:
            self.snapshots = max(1, int(snapshots))
        elif steps is None:
            self.snapshots = WHILE_SNAPSHOTS
        else:
            self.snapshots = max(1, int(np.ceil(np.sqrt(len(self.indices)))))
        self.saved = {}  # position -> the loop state there
        self.forward_steps = 0  # iterations run forward in all (a measure of the cost)
        self.peak_snapshots = 0  # most states held at once (held tape entries by their size)
        self.state_bytes = 0  # the start state's arrays (0: none, entries are not measured)
        self.entry_states = None  # a tape entry's size in whole states, as last measured
        self.entry_shares = True  # may an entry hold some of the state after its step (as last measured)?
        self.held_states = 0  # what the tape entries held now count
        self._view_owners, self._probes = {}, 2  # (see sizes.entry_bytes)

    # -- the first sweep ---------------------------------------------------------------
    def forward(self, steps, state, more=None):
        """Run the loop (while `more(*state)` for a while loop), storing states."""
        self.start_objects = state
        self.state_bytes = state_bytes(state)
        if self.entry_states is None:  # (the least until measured: the first chance to hold one measures it)
            self.entry_states = 1 if self.state_bytes else UNMEASURED_ENTRY
        self._store(0, state)
        if self.indices is None:
            return self._forward_while(steps, state, more)
        n = len(self.indices)
        wanted, lo, s = set(), 0, self.snapshots
        while n - lo > 1 and s > 1:
            lo += _split(n - lo, s)
            wanted.add(lo)
            s -= 1
        done = 0
        for position in sorted(wanted) + [n]:
            state = steps(self.indices[done:position], *state)
            if position < n:
                self._store(position, state)
            done = position
        self.forward_steps += n
        return state

    def _forward_while(self, steps, state, more):
        # States are kept at multiples of `interval`: at first every state, up to k;
        # whenever the budget is full, every other one is dropped and the interval
        # doubles. After the first thinning the budget is k / 2, so that the reverse of
        # each segment between them still has half the states for its own recursion
        # (measured against schedules that knew n: 5-11% more steps for n >= 100 k,
        # at most 1.3x for short loops; with all k for the sweep, up to 6x).
        count, interval, budget = 0, 1, self.snapshots
        while more(*state):
            if count and count % interval == 0:
                while len(self.saved) >= budget and count % interval == 0:
                    interval *= 2
                    budget = max(1, self.snapshots // 2)
                    for position in [p for p in self.saved if p % interval]:
                        del self.saved[position]
                if count % interval == 0:
                    self._store(count, state)
            state = steps(range(count, count + 1), *state)
            count += 1
            self.forward_steps += 1
        self.indices = range(count)
        return state

    def _store(self, position, state):
        self._hold(position, _copied(state) if self.copies else state)

    def _hold(self, position, state):
        self.saved[position] = state
        self.peak_snapshots = max(self.peak_snapshots, len(self.saved) + self.held_states)

    # -- the reverse sweep -------------------------------------------------------------
    def reverse(self, steps, step_taped, step_back, adjoints):
        """Run the reverse of every iteration, last first; returns the adjoints."""
        self._steps, self._taped, self._back_step = steps, step_taped, step_back
        self._adjoints = tuple(adjoints)
        positions = sorted(self.saved)
        ends = positions[1:] + [len(self.indices)]
        # segments last first; the states of the earlier ones stay held meanwhile
        for j in range(len(positions) - 1, -1, -1):
            lo = positions[j]
            self._reverse(lo, ends[j], self.snapshots - j, owned=lo != 0)
            if lo != 0:
                self.saved.pop(lo, None)  # (a held entry took its place)
        return self._adjoints

    def _advance(self, lo, hi, state):
        self.forward_steps += hi - lo
        if self.copies:
            state = _copied(state)
        return self._steps(self.indices[lo:hi], *state)

    def _back(self, lo, state, owned):
        """Run step lo taped from `state` and reverse it at once."""
        run = _copied(state) if self.copies and not owned else state
        after, item = self._taped(self.indices[lo], *run)
        self.forward_steps += 1
        if self._probes and self.state_bytes:
            # the first entries (the loop's last steps, reversed before any entry may be
            # held) give the entries' size, and the arrays that their views share
            self._probes -= 1
            self._measure(item, after)
        del run, after
        self._adjoints = tuple(self._back_step(self.indices[lo], item, *self._adjoints))

    def _measure(self, item, after):
        """The entry's size in whole states: what it holds beyond the state after its step
        (the state before it counts where the entry keeps that), at least one state; and
        whether it holds anything of the state after it."""
        extra, self._view_owners, self.entry_shares = entry_bytes(item, (after,), self._view_owners, self.state_bytes)
        self.entry_states = max(1, -(-extra // self.state_bytes))

    def _reverse(self, lo, hi, s, owned):
        """Reverse steps lo..hi-1 from the state held at lo with s states, that one
        included. `owned`: no one else needs that state (the caller drops it after),
        so the last step may run on it in place instead of on a copy, and a held entry
        may take its place."""
        # the right part recurses with one state fewer (depth <= s); the left part is
        # a loop, so long segments do not deepen the recursion
        state = self.saved[lo]
        while hi > lo:
            n = hi - lo
            if n == 1:
                return self._back(lo, state, owned)
            if s <= 1:  # only the state at lo: re-run from it for every step
                for k in range(hi - 1, lo, -1):
                    self._back(k, self._advance(lo, k, state), owned=True)
                hi = lo + 1
                continue
            m = lo + _split(n, s)
            if m == lo + 1 and owned and self._pays(n, s, self.entry_states):
                del state  # (the entry may take its place)
                if self._held_entry(lo, hi, s):
                    return
                state = self.saved[lo]
            if m not in self.saved:
                self._hold(m, self._advance(lo, m, state))
            self._reverse(m, hi, s - 1, owned=True)
            self.saved.pop(m, None)  # (a held entry took its place)
            hi = m

    def _pays(self, n, s, entry):
        """Does holding step lo's tape entry (`entry` states) while the n - 1 steps after
        it are reversed cost no more re-runs than the one it saves? The entry takes the
        place of the state at lo; those steps get the states it leaves."""
        left = s - entry
        return left >= 1 and _reruns(n - 1, left) <= _reruns(n - 1, s - 1)

    def _held_entry(self, lo, hi, s):
        """Run step lo taped now and hold its entry while lo+1..hi-1 are reversed, if
        the entry, measured, still pays its way; True if it did. Otherwise its state
        after the step is stored as a re-run would have stored it (no step is lost).
        The state at lo is the caller's to let go (`owned`): the entry takes its place."""
        run = _copied(self.saved[lo]) if self.copies else self.saved[lo]
        mid, item = self._taped(self.indices[lo], *run)
        self.forward_steps += 1
        if self.state_bytes:
            self._measure(item, mid)
        size, shares = self.entry_states, self.entry_shares
        if not self._pays(hi - lo, s, size):
            self._hold(lo + 1, mid)
            return False
        del self.saved[lo], run  # (what the entry keeps of the state at lo is in its size)
        self.held_states += size
        self._hold(lo + 1, mid)
        del mid  # (the steps after may let it go)
        # Where steps write in place and the entry holds some of the state at lo + 1, the
        # steps after it must neither change that state nor let it go (an entry there would
        # hold a copy of it); elsewhere an entry there takes its place as this one took lo's.
        self._reverse(lo + 1, hi, s - size, owned=not (self.copies and shares))
        self.saved.pop(lo + 1, None)  # (a held entry may have taken its place)
        self.held_states -= size
        self._adjoints = tuple(self._back_step(self.indices[lo], item, *self._adjoints))
        return True

    def copied(self, copy):
        """This schedule for another reverse sweep (a pullback called again: the sweep
        uses up states and rewinds the loop's arrays): its states and the loop's start
        objects passed through `copy`, which keeps them shared with the other saved values."""
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        new.saved = {position: copy(state) for position, state in self.saved.items()}
        new.start_objects = copy(self.start_objects)
        return new

    def last(self):
        """The loop's last index (Python keeps it after the loop)."""
        return self.indices[-1] if self.indices else None

    def rewind(self):
        """Put arrays the loop changed in place back as they were before it (the
        reverse sweep of earlier statements reads them)."""
        for obj, before in zip(self.start_objects, self.saved[0]):
            # (a read-only array, a view np.diag gives, say, cannot have been written)
            if isinstance(obj, np.ndarray) and obj.flags.writeable and obj.shape == np.shape(before):
                obj[...] = before
