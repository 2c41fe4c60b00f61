"""Checkpointed loops: binomial checkpointing ("Revolve", Griewank 1992) for the
reverse sweep of a `for` loop, so that memory holds k snapshots of the loop's
state instead of every iteration's tape.

Generated code hands a `checkpoints` schedule three functions made from the
loop body: `step(i, *state) -> state` (one iteration, values only),
`step_taped(i, *state) -> (state, item)` (one iteration keeping what its
reverse needs) and `step_back(i, item, adjoints, outer) -> (adjoints, outer)`
(that iteration's reverse). The forward run stores snapshots where the
reverse recursion will first need them; the reverse recursion re-runs
segments forward from the nearest snapshot, and reverses single iterations
from their taped item. With s snapshots for n steps, each step is run forward
at most t + 1 times, where t is the least number with C(s + t, s) >= n.
"""
import copy
from math import comb

import numpy as np

__all__ = ["checkpoints", "checkpointed", "predicted_steps"]


def checkpointed(iterable, snapshots=None):
    """Mark a loop for checkpointing: `for i in sg.checkpointed(range(n), snapshots=10)`.
    Called as plain Python it just returns `iterable`."""
    return iterable


def _repetitions(n, s):
    t = 0
    while comb(s + t, s) < n:
        t += 1
    return t


def _split(n, s):
    """Where to put the next snapshot in a segment of n steps with s free snapshots:
    the part after it is reversed with one snapshot fewer."""
    t = _repetitions(n, s)
    right = min(comb(s - 1 + t, s - 1), n - 1)
    return max(1, n - right)


def predicted_steps(n, s):
    """Forward steps (the first sweep included) the schedule runs for n steps and s snapshots."""
    plan = checkpoints(range(n), s)
    plan.forward(lambda i: (), ())
    plan.reverse(lambda i: (), lambda i: ((), None), lambda i, item, adjoints, outer: (adjoints, outer), (), ())
    return plan.forward_steps


def _copied(state):
    return tuple(x.copy() if isinstance(x, np.ndarray) else copy.deepcopy(x) for x in state)


class checkpoints:
    """The schedule of one checkpointed loop over `steps` (a range) with `snapshots` snapshots."""

    def __init__(self, steps, snapshots=None):
        self.indices = steps if isinstance(steps, range) else list(steps)
        n = len(self.indices)
        self.snapshots = max(1, int(snapshots)) if snapshots else max(1, int(np.ceil(np.sqrt(n))))
        self.saved = {}            # position -> state there
        self.forward_steps = 0     # how many iterations ran forward in all (a measure of the cost)
        self.peak_snapshots = 0

    def forward(self, step, state):
        """Run the loop, keeping snapshots at the first positions the reverse needs."""
        n = len(self.indices)
        self.start_objects = state
        self.saved = {0: _copied(state)}
        wanted, lo, s = set(), 0, self.snapshots
        while n - lo > 1 and s > 0:
            lo += _split(n - lo, s)
            wanted.add(lo)
            s -= 1
        for k, i in enumerate(self.indices):
            if k in wanted:
                self.saved[k] = _copied(state)
            state = step(i, *state)
            self.forward_steps += 1
        self.peak_snapshots = len(self.saved)
        return state

    def reverse(self, step, step_taped, step_back, adjoints, outer):
        """Run the reverse sweep of every iteration, last first."""
        self._step, self._taped, self._back = step, step_taped, step_back
        self._adjoints, self._outer = adjoints, outer
        self._reverse(0, len(self.indices), self.saved[0], self.snapshots)
        return self._adjoints, self._outer

    def _advance(self, lo, hi, state):
        state = _copied(state)
        for k in range(lo, hi):
            state = self._step(self.indices[k], *state)
            self.forward_steps += 1
        return state

    def _reverse(self, lo, hi, state, s):
        # the right part recurses with one snapshot fewer (depth <= snapshots); the
        # left part is a loop, so long segments do not deepen the recursion
        while hi > lo:
            n = hi - lo
            if n == 1:
                _, item = self._taped(self.indices[lo], *_copied(state))
                self.forward_steps += 1
                self._adjoints, self._outer = self._back(self.indices[lo], item, self._adjoints, self._outer)
                return
            if s <= 0:
                for k in range(hi - 1, lo - 1, -1):
                    self._reverse(k, k + 1, self._advance(lo, k, state), 0)
                return
            m = lo + _split(n, s)
            mid = self.saved.get(m)
            if mid is None:
                mid = self._advance(lo, m, state)
                self.saved[m] = mid
                self.peak_snapshots = max(self.peak_snapshots, len(self.saved))
            self._reverse(m, hi, mid, s - 1)
            del self.saved[m]
            hi = m

    def last(self):
        """The loop's last index (Python keeps it after the loop)."""
        return self.indices[-1] if self.indices else None

    def rewind(self):
        """Put arrays the loop changed in place back as they were before it (the
        reverse sweep of earlier statements reads them)."""
        for obj, before in zip(self.start_objects, self.saved[0]):
            if isinstance(obj, np.ndarray) and obj.shape == np.shape(before):
                obj[...] = before
