"""Quantisation-aware training with a straight-through estimator (STE).

A linear classifier whose weights are quantised in the forward pass to the
grid {-1, -0.75, ..., 0.75, 1}:

    def quantize(w):
        return np.clip(np.round(w * 4) / 4, -1.0, 1.0)

np.round is flat almost everywhere, so the true gradient of the loss with
respect to the real-valued weights is zero and gradient descent cannot move.
The straight-through estimator pretends the quantiser is the identity in the
backward pass (passing the gradient only where |w| <= 1, the "clipped" STE).
It is registered as a user rule on the small wrapper,

    ext.defvjp(quantize, lambda g, ans, w: g * (np.abs(w) <= 1.0))

and s2sgrad inlines the rule into the generated code like a built-in one: the
script prints that source. We train on synthetic data, check the gradient
against finite differences (of the bias exactly; of the weights against the
unquantised loss at the quantised point, which is what the STE computes),
and assert the accuracy is far above chance.

Run:  python examples/ste_quantized.py
"""
import time

import numpy as np

import s2sgrad as sg
import s2sgrad.extend as ext

N_FEATURES = 16
N_SAMPLES = 600
LR = 0.5
STEPS = 300


def quantize(w):
    """Round weights to multiples of 1/4 in [-1, 1]."""
    return np.clip(np.round(w * 4) / 4, -1.0, 1.0)


def loss(w, b, X, y):
    """Mean logistic loss of the classifier with quantised weights (labels y in {0, 1})."""
    logits = X @ quantize(w) + b
    return np.mean(np.logaddexp(0.0, logits) - y * logits)


def float_loss(q, b, X, y):
    """The same loss with the weights used as they are (no quantisation)."""
    logits = X @ q + b
    return np.mean(np.logaddexp(0.0, logits) - y * logits)


def accuracy(w, b, X, y):
    return np.mean(((X @ quantize(w) + b) > 0) == (y > 0.5))


def make_data(rng):
    w_true = rng.choice([-1.0, -0.5, 0.0, 0.5, 1.0], size=N_FEATURES)
    X = rng.standard_normal((N_SAMPLES, N_FEATURES))
    logits = X @ w_true + 0.3
    y = (logits + 0.5 * rng.standard_normal(N_SAMPLES) > 0).astype(float)
    return X, y


def main():
    t_start = time.perf_counter()
    rng = np.random.default_rng(0)
    X, y = make_data(rng)
    X_train, y_train, X_test, y_test = X[:400], y[:400], X[400:], y[400:]

    w = 0.05 * rng.standard_normal(N_FEATURES)
    b = 0.0
    dloss = sg.grad(loss, wrt=(0, 1))

    # Without a rule, the gradient through np.round is zero: training is stuck.
    gw, _ = dloss(w, b, X_train, y_train)
    print(f"without the STE: |d loss / d w| = {np.linalg.norm(gw):.1e}")
    assert not gw.any()

    # The straight-through estimator, as a user rule on the wrapper.
    ext.defvjp(quantize, lambda g, ans, w: g * (np.abs(w) <= 1.0))
    gw, gb = dloss(w, b, X_train, y_train)
    print(f"with the STE:    |d loss / d w| = {np.linalg.norm(gw):.1e}")

    # Gradient checks. The bias is not quantised: its derivative is exact.
    check = sg.check_grad(loss, w, b, X_train, y_train, wrt=1)
    print(f"d loss / d b vs finite differences: rel. error {check.max_rel_error:.1e}")
    assert check.ok
    # For the weights, the STE gradient is the gradient of the unquantised
    # loss taken at the quantised weights (all |w| <= 1 here).
    q = quantize(w)
    eps = 1e-6
    fd = np.array([(float_loss(q + eps * e, b, X_train, y_train)
                    - float_loss(q - eps * e, b, X_train, y_train)) / (2 * eps)
                   for e in np.eye(N_FEATURES)])
    rel = np.max(np.abs(gw - fd)) / np.max(np.abs(fd))
    print(f"STE d loss / d w vs finite differences of the unquantised loss: rel. error {rel:.1e}")
    assert rel < 1e-6

    print("\nThe generated derivative, with the STE rule inlined:\n")
    print(dloss.source)

    acc0 = accuracy(w, b, X_test, y_test)
    loss0 = loss(w, b, X_train, y_train)
    for step in range(STEPS + 1):
        if step % 50 == 0:
            print(f"step {step:4d}  loss {loss(w, b, X_train, y_train):.4f}  "
                  f"test accuracy {accuracy(w, b, X_test, y_test):.3f}")
        if step == STEPS:
            break
        gw, gb = dloss(w, b, X_train, y_train)
        w = np.clip(w - LR * gw, -1.5, 1.5)     # keep the latent weights bounded
        b = b - LR * gb

    acc = accuracy(w, b, X_test, y_test)
    print(f"\nquantised weights: {quantize(w)}")
    print(f"loss {loss0:.4f} -> {loss(w, b, X_train, y_train):.4f}; "
          f"test accuracy {acc0:.3f} -> {acc:.3f} (chance 0.5)")
    print(f"elapsed: {time.perf_counter() - t_start:.1f} s")
    assert acc > 0.85
    assert set(np.unique(quantize(w) * 4)) <= set(range(-4, 5))


if __name__ == "__main__":
    main()
