"""Many gradients at once: `map_grad(df, args_list, client=None)`.

A derivative function pickles by reference (its function and options; it is generated
again where it is unpickled), so the plain APIs already map it over processes:
`client.map(df, ks)` on Dask, `executor.map(df, ks)` on a process pool. `map_grad`
is the short form for lists of argument tuples, on one of those or in this process.
"""

from typing import Any, Callable, Iterable, List, Optional


def map_grad(df: Callable, args_list: Iterable[Any], client: Optional[Any] = None) -> List[Any]:
    """`[df(*args) for args in args_list]`, computed where `client` says.

    `args_list`: argument tuples (an item that is not a tuple is the only argument).
    `client`: None (here, in turn), a `dask.distributed.Client` (the calls are tasks on
    its workers; each worker generates the derivative once, and compiles it once with
    jit=True), or a `concurrent.futures` executor (its `map`). Results come back in
    the order of `args_list`.
    """
    calls = [(df, args if isinstance(args, tuple) else (args,)) for args in args_list]
    if client is None:
        return [_call(c) for c in calls]
    if hasattr(client, "gather"):  # a Dask client: futures, then their results
        return client.gather(client.map(_call, calls, pure=False))
    return list(client.map(_call, calls))


def _call(call):
    df, args = call
    return df(*args)
