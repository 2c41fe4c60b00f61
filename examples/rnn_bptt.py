"""A tanh RNN trained by backpropagation through time (BPTT).

The task: read a noisy sine wave (random frequency, phase and amplitude per
sequence) one sample at a time and predict the next clean value. The RNN is
the textbook recurrence, written as a Python loop over time steps:

    h_t = tanh(x_t Wx + h_{t-1} Wh + b)          y_t = h_t Wy + by

sg.value_and_grad of the sequence loss differentiates straight through the
loop: the generated reverse sweep *is* backpropagation through time, walking
the time steps backwards and keeping only the hidden states it needs. The
parameters are a dict of arrays, trained with Adam; the gradient is checked
once against central finite differences.

Run:  python examples/rnn_bptt.py
"""
import time

import numpy as np

import s2sgrad as sg

HIDDEN = 16
SEQ_LEN = 30
BATCH = 32
STEPS = 400
LR = 1e-2
NOISE = 0.05


def rnn_loss(params, xs, targets):
    """Mean squared error of the one-step-ahead predictions over a batch of sequences.

    xs, targets: arrays of shape (time, batch).
    """
    h = np.zeros((xs.shape[1], params["Wh"].shape[0]))
    total = 0.0
    for t in range(xs.shape[0]):
        h = np.tanh(xs[t][:, None] @ params["Wx"] + h @ params["Wh"] + params["b"])
        y = (h @ params["Wy"])[:, 0] + params["by"]
        total = total + np.mean((y - targets[t]) ** 2)
    return total / xs.shape[0]


def make_batch(rng, batch=BATCH, seq_len=SEQ_LEN):
    freq = rng.uniform(0.15, 0.4, batch)
    phase = rng.uniform(0.0, 2 * np.pi, batch)
    amp = rng.uniform(1.0, 2.0, batch)
    t = np.arange(seq_len + 1)[:, None]
    clean = amp * np.sin(freq * t + phase)
    noisy = clean + NOISE * rng.standard_normal(clean.shape)
    return noisy[:-1], clean[1:]         # inputs x_0..x_{T-1}; targets: next clean values


def init_params(rng):
    return {"Wx": rng.normal(size=(1, HIDDEN)) * 0.5,
            "Wh": rng.normal(size=(HIDDEN, HIDDEN)) * (0.9 / np.sqrt(HIDDEN)),
            "b": np.zeros(HIDDEN),
            "Wy": rng.normal(size=(HIDDEN, 1)) * (1.0 / np.sqrt(HIDDEN)),
            "by": 0.0}


def main():
    t_start = time.perf_counter()
    rng = np.random.default_rng(0)
    params = init_params(rng)
    val_x, val_y = make_batch(np.random.default_rng(123), batch=256)

    value_and_grad = sg.value_and_grad(rnn_loss)

    # Gradient check on a few entries of every parameter (a short batch).
    xs, ys = make_batch(rng, batch=4, seq_len=12)
    _, g = value_and_grad(params, xs, ys)
    eps = 1e-6
    worst = 0.0
    for name in params:
        p = np.asarray(params[name], dtype=float)
        for flat in rng.choice(p.size, size=min(3, p.size), replace=False):
            index = np.unravel_index(flat, p.shape)
            values = []
            for step in (eps, -eps):
                moved = dict(params)
                moved[name] = p.copy()
                moved[name][index] += step
                values.append(rnn_loss(moved, xs, ys))
            fd = (values[0] - values[1]) / (2 * eps)
            worst = max(worst, abs(np.asarray(g[name])[index] - fd) / max(abs(fd), 1e-6))
    print(f"BPTT gradient vs central finite differences: worst rel. error {worst:.1e}")
    assert worst < 1e-5

    baseline = np.mean((val_x - val_y) ** 2)   # "the next value is the current one"
    first = rnn_loss(params, val_x, val_y)
    print(f"validation loss at start {first:.4f}  (copy-last-input baseline {baseline:.4f})")

    m = {k: np.zeros_like(v) for k, v in params.items()}
    v = {k: np.zeros_like(v) for k, v in params.items()}
    for step in range(1, STEPS + 1):
        xs, ys = make_batch(rng)
        loss, g = value_and_grad(params, xs, ys)
        for k in params:
            m[k] = 0.9 * m[k] + 0.1 * g[k]
            v[k] = 0.999 * v[k] + 0.001 * g[k] ** 2
            update = LR * (m[k] / (1 - 0.9 ** step)) / (np.sqrt(v[k] / (1 - 0.999 ** step)) + 1e-8)
            params[k] = params[k] - update
        if step % 50 == 0:
            print(f"step {step:4d}  batch loss {loss:.4f}  "
                  f"validation loss {rnn_loss(params, val_x, val_y):.4f}")

    final = rnn_loss(params, val_x, val_y)
    print(f"\nvalidation loss: {first:.4f} -> {final:.4f} (reduced {first / final:.0f}x); "
          f"copy-last-input baseline {baseline:.4f}")
    print(f"elapsed: {time.perf_counter() - t_start:.1f} s")
    assert final < first / 10
    assert final < 0.5 * baseline


if __name__ == "__main__":
    main()
