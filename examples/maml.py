"""MAML: meta-learn an initialisation that adapts to a new sine wave in one step.

Model-Agnostic Meta-Learning (Finn et al., 2017) on the classic sine-wave
regression problem. Each task is a sine wave y = A sin(x - phi) with its own
amplitude and phase; the learner sees K = 10 points of a task, takes ONE
gradient step from the shared parameters, and is scored on 10 fresh points of
the same wave:

    adapted   = params - alpha * grad(inner_loss)(params, x_support, y_support)
    meta_loss = inner_loss(adapted, x_query, y_query)

The meta-gradient d meta_loss / d params differentiates *through* the inner
gradient step, so it contains second derivatives of the network. With s2sgrad
this is just `sg.grad` of a function that itself calls `sg.grad`: the inner
derivative is inlined into the outer one and differentiated again.

The network is a tiny MLP (1 -> 40 -> 40 -> 1, tanh) whose parameters are a
tuple of arrays; Adam on the meta-gradient, averaged over a batch of tasks,
trains the initialisation. We compare the post-adaptation loss on held-out
tasks before and after meta-training.

Run:  python examples/maml.py
"""
import time

import numpy as np

import s2sgrad as sg

HIDDEN = 40
K = 10                # points per task for adaptation (and 10 more for scoring)
ALPHA = 0.01          # inner (adaptation) step size
META_LR = 5e-3        # Adam step size for the outer loop
META_BATCH = 4         # tasks per meta-step
META_STEPS = 1200


def mlp(params, x):
    W1, b1, W2, b2, W3, b3 = params
    h = np.tanh(x @ W1 + b1)
    h = np.tanh(h @ W2 + b2)
    return h @ W3 + b3


def inner_loss(params, x, y):
    """Mean squared error of the network on one task's points."""
    return np.mean((mlp(params, x) - y) ** 2)


def adapt(params, x, y, alpha):
    """One gradient step on a task's support points (differentiable)."""
    W1, b1, W2, b2, W3, b3 = params
    g1, gb1, g2, gb2, g3, gb3 = sg.grad(inner_loss)(params, x, y)
    return (W1 - alpha * g1, b1 - alpha * gb1,
            W2 - alpha * g2, b2 - alpha * gb2,
            W3 - alpha * g3, b3 - alpha * gb3)


def maml_loss(params, xs, ys, xq, yq, alpha):
    """Query loss after one adaptation step on the support set."""
    adapted = adapt(params, xs, ys, alpha)
    return inner_loss(adapted, xq, yq)


def sample_task(rng):
    amplitude = rng.uniform(0.1, 5.0)
    phase = rng.uniform(0.0, np.pi)
    x = rng.uniform(-5.0, 5.0, size=(2 * K, 1))
    y = amplitude * np.sin(x - phase)
    return x[:K], y[:K], x[K:], y[K:]


def init_params(rng):
    def layer(n_in, n_out):
        return rng.normal(size=(n_in, n_out)) * np.sqrt(1.0 / n_in), np.zeros(n_out)
    W1, b1 = layer(1, HIDDEN)
    W2, b2 = layer(HIDDEN, HIDDEN)
    W3, b3 = layer(HIDDEN, 1)
    return (W1, b1, W2, b2, W3, b3)


def mean_losses(params, tasks):
    """Average query loss without adaptation and after one adaptation step."""
    before = np.mean([inner_loss(params, xq, yq) for xs, ys, xq, yq in tasks])
    after = np.mean([maml_loss(params, xs, ys, xq, yq, ALPHA) for xs, ys, xq, yq in tasks])
    return before, after


def main():
    t_start = time.perf_counter()
    rng = np.random.default_rng(0)
    params = init_params(rng)
    test_tasks = [sample_task(np.random.default_rng(1000 + i)) for i in range(100)]

    meta_grad = sg.value_and_grad(maml_loss, wrt=0)

    # Check the meta-gradient (second order: it goes through sg.grad) against
    # central finite differences on a few parameter entries.
    task = sample_task(rng)
    _, g = meta_grad(params, *task, ALPHA)
    eps = 1e-6
    worst = 0.0
    for leaf, index in ((0, (0, 3)), (2, (5, 7)), (3, (11,)), (4, (2, 0)), (5, (0,))):
        def shifted(delta):
            moved = [p.copy() for p in params]
            moved[leaf][index] += delta
            return maml_loss(tuple(moved), *task, ALPHA)
        fd = (shifted(eps) - shifted(-eps)) / (2 * eps)
        rel = abs(g[leaf][index] - fd) / max(abs(fd), 1e-8)
        worst = max(worst, rel)
    print(f"meta-gradient vs central finite differences: worst rel. error {worst:.1e}")
    assert worst < 1e-5

    before_no_adapt, before = mean_losses(params, test_tasks)
    print(f"held-out tasks, random init: loss {before_no_adapt:.3f} unadapted, "
          f"{before:.3f} after one step")

    # Outer loop: Adam on the meta-gradient averaged over a batch of tasks.
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    beta1, beta2 = 0.9, 0.999
    for step in range(1, META_STEPS + 1):
        total = [np.zeros_like(p) for p in params]
        batch_loss = 0.0
        for _ in range(META_BATCH):
            value, g = meta_grad(params, *sample_task(rng), ALPHA)
            batch_loss += value / META_BATCH
            for acc, gi in zip(total, g):
                acc += gi / META_BATCH
        new = []
        for i, (p, gi) in enumerate(zip(params, total)):
            m[i] = beta1 * m[i] + (1 - beta1) * gi
            v[i] = beta2 * v[i] + (1 - beta2) * gi ** 2
            m_hat = m[i] / (1 - beta1 ** step)
            v_hat = v[i] / (1 - beta2 ** step)
            new.append(p - META_LR * m_hat / (np.sqrt(v_hat) + 1e-8))
        params = tuple(new)
        if step % 200 == 0:
            print(f"meta-step {step:4d}  batch meta-loss {batch_loss:.3f}")

    after_no_adapt, after = mean_losses(params, test_tasks)
    print(f"held-out tasks, meta-learned init: loss {after_no_adapt:.3f} unadapted, "
          f"{after:.3f} after one step")
    print(f"\nmeta-loss (after one adaptation step): {before:.3f} -> {after:.3f}")
    print(f"elapsed: {time.perf_counter() - t_start:.1f} s")
    assert after < 0.3 * before
    # The meta-learned initialisation really uses the inner step.
    assert after < 0.5 * after_no_adapt


if __name__ == "__main__":
    main()
