"""Truncated products of jets: the derivatives of any order of products,
exact at zero factors (cumprod's and prod's rules, through `prod_others`)."""

import numpy as np


__all__ = []


# Derivatives of products of any order, exact at zero factors: expand
# prod_k (a_k + eps_1 t_1k + ... + eps_m t_mk) and keep the square-free terms, one
# coefficient per subset S of the tangents (a bitmask). The coefficient of
# eps_1 ... eps_m is the m-th derivative in the directions t_1 .. t_m.


def times_jet(poly, factor, tangents, mul=np.multiply):
    """poly * (factor + sum_i eps_i tangents[i]), square-free terms only; poly maps a
    bitmask to a coefficient, None being the empty product."""
    out = {}
    for s, c in poly.items():
        for bit, f in [(0, factor)] + [(1 << i, t) for i, t in enumerate(tangents)]:
            if s & bit:
                continue
            term = f if c is None else mul(c, f)
            out[s | bit] = term if s | bit not in out else out[s | bit] + term
    return out


def prefix_jets(a, tangents):
    """jets[j]: the coefficients of prod_{k < j} (a_k + sum_i eps_i t_ik) along the last axis."""
    jets = [{0: np.ones(a.shape[:-1])}]
    for k in range(a.shape[-1]):
        jets.append(times_jet(jets[-1], a[..., k], [t[..., k] for t in tangents]))
    return jets


def jet_adjoint_last(g, a, tangents):
    """sum_{k >= j} g_k times the (m+1)-th derivative of cumprod(a)_k contracted with e_j and
    the m tangents, for each j along the last axis (m = 0: the adjoint of cumprod)."""
    n, full = a.shape[-1], (1 << len(tangents)) - 1
    before = prefix_jets(a, tangents)
    out = np.zeros(np.broadcast_shapes(a.shape, np.shape(g)))
    after = {}  # the coefficients of sum_{k >= j} g_k prod_{j < i <= k} (...)
    for j in range(n - 1, -1, -1):
        if j < n - 1:
            after = times_jet(after, a[..., j + 1], [t[..., j + 1] for t in tangents])
        after[0] = after[0] + g[..., j] if 0 in after else g[..., j]
        out[..., j] = sum(c * after[full ^ s] for s, c in before[j].items() if full ^ s in after)
    return out
