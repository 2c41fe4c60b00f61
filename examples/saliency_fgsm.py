"""Gradients with respect to the *input*: a saliency map and an FGSM attack.

A logistic-regression classifier is trained on synthetic 8 x 8 "images": class 0
shows a diagonal stroke (\\), class 1 an anti-diagonal stroke (/), with
varying brightness and pixel noise. Then, for one test image:

* the saliency map |d logit / d image| -- which pixels the decision is most
  sensitive to -- comes from sg.grad with wrt="image" (for this linear model it
  equals |W|, which the script checks);
* the fast gradient sign method (FGSM, Goodfellow et al. 2014) takes one step
  x_adv = clip(x + eps * sign(d loss / d x), 0, 1) with the loss at the true label; the
  script finds the smallest eps on a grid that flips the prediction and prints
  the model's confidence before and after.

If matplotlib is installed, the image, the saliency map and the adversarial
image are saved to a PNG (by default saliency.png in the system's temporary
directory; pass another path as the first argument); otherwise drawing is
skipped.

Run:  python examples/saliency_fgsm.py [output.png]
"""
import os
import sys
import tempfile
import time

import numpy as np

import s2sgrad as sg

SIZE = 8
N_TRAIN = 400


def logit(image, W, b):
    return np.sum(W * image) + b


def loss(image, W, b, label):
    """Logistic loss of one image with label 0 or 1."""
    z = logit(image, W, b)
    return np.logaddexp(0.0, z) - label * z


def batch_loss(W, b, images, labels, l2):
    z = np.sum(images * W, axis=(1, 2)) + b
    return np.mean(np.logaddexp(0.0, z) - labels * z) + l2 * np.sum(W ** 2)


def probability(image, W, b):
    return 1.0 / (1.0 + np.exp(-logit(image, W, b)))


def make_images(rng, n):
    labels = rng.integers(0, 2, n)
    diag = np.eye(SIZE)
    anti = diag[::-1]
    brightness = rng.uniform(0.5, 1.0, n)[:, None, None]
    strokes = np.where(labels[:, None, None] == 1, anti, diag)
    images = brightness * strokes + 0.25 * rng.standard_normal((n, SIZE, SIZE))
    return np.clip(images, 0.0, 1.0), labels.astype(float)


def save_png(path, image, saliency, adversarial, p_before, p_after, eps):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: skipping the picture")
        return
    fig, axes = plt.subplots(1, 3, figsize=(9, 3.2))
    panels = [(image, f"image: P(class 1) = {p_before:.2f}", "gray", 1.0),
              (saliency, "saliency |d logit / d x|", "hot", None),
              (adversarial, f"FGSM, eps = {eps:.2f}: P(class 1) = {p_after:.2f}", "gray", 1.0)]
    for ax, (data, title, cmap, vmax) in zip(axes, panels):
        ax.imshow(data, cmap=cmap, vmin=0.0, vmax=vmax)
        ax.set_title(title, fontsize=9)
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print(f"saved the image, its saliency map and the adversarial image to {path}")


def main():
    t_start = time.perf_counter()
    rng = np.random.default_rng(0)
    images, labels = make_images(rng, N_TRAIN)
    test_images, test_labels = make_images(np.random.default_rng(1), 200)

    # Train the classifier (plain gradient descent on W and b).
    W, b, l2 = np.zeros((SIZE, SIZE)), 0.0, 1e-3
    dparams = sg.grad(batch_loss, wrt=(0, 1))
    for _ in range(300):
        gW, gb = dparams(W, b, images, labels, l2)
        W, b = W - 2.0 * gW, b - 2.0 * gb
    predicted = (np.sum(test_images * W, axis=(1, 2)) + b) > 0
    accuracy = np.mean(predicted == (test_labels > 0.5))
    print(f"test accuracy of the classifier: {accuracy:.3f}")
    assert accuracy > 0.95

    # Input gradients, checked against central finite differences.
    image, label = test_images[0], test_labels[0]
    d_logit = sg.grad(logit, wrt="image")
    d_loss = sg.grad(loss, wrt="image")
    check = sg.check_grad(logit, image, W, b, wrt="image")
    print(f"d logit / d image vs finite differences: rel. error {check.max_rel_error:.1e}")
    assert check.ok
    check = sg.check_grad(loss, image, W, b, label, wrt="image")
    print(f"d loss / d image vs finite differences:  rel. error {check.max_rel_error:.1e}")
    assert check.ok

    saliency = np.abs(d_logit(image, W, b))
    assert np.allclose(saliency, np.abs(W))      # a linear model's saliency is |W|
    top = np.argsort(saliency.ravel())[::-1][:8]
    print("the 8 most salient pixels (row, col):",
          ", ".join(f"({i // SIZE}, {i % SIZE})" for i in top))

    # FGSM: one signed-gradient step, with the smallest eps on a grid that flips
    # the prediction.
    p_before = probability(image, W, b)
    print(f"\ntrue class {int(label)}; model's P(class 1) = {p_before:.3f}")
    direction = np.sign(d_loss(image, W, b, label))
    for eps in np.arange(0.02, 1.01, 0.02):
        adversarial = np.clip(image + eps * direction, 0.0, 1.0)
        p_after = probability(adversarial, W, b)
        if (p_after > 0.5) != (label > 0.5):
            break
    print(f"FGSM step eps = {eps:.2f} (pixel values lie in [0, 1]): P(class 1) {p_before:.3f} -> {p_after:.3f}")
    print(f"max pixel change {np.max(np.abs(adversarial - image)):.2f}, "
          f"mean |change| {np.mean(np.abs(adversarial - image)):.2f}")
    assert (p_before > 0.5) == (label > 0.5)
    assert (p_after > 0.5) != (label > 0.5)

    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(tempfile.gettempdir(), "saliency.png")
    save_png(path, image, saliency, adversarial, p_before, p_after, eps)
    print(f"elapsed: {time.perf_counter() - t_start:.1f} s")


if __name__ == "__main__":
    main()
