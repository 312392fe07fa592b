"""Call user code that may be sync or async, the one way the core does it."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from functools import partial
from typing import Any

import anyio.to_thread


async def call(fn: Callable[..., Any], /, *args: Any, blocking: bool = False, **kwargs: Any) -> Any:
    """Call ``fn(*args, **kwargs)`` and await the result when it is awaitable.

    ``blocking=True`` runs a plain function in a worker thread: use it for user code that may
    hash passwords or query a database (``authorize``), not for cheap per-request callbacks.
    """
    if blocking and not inspect.iscoroutinefunction(fn):
        result = await anyio.to_thread.run_sync(partial(fn, *args, **kwargs))
    else:
        result = fn(*args, **kwargs)
    if inspect.isawaitable(result):
        result = await result
    return result


def accepted_kwargs(fn: Callable[..., Any]) -> frozenset[str] | None:
    """The keyword names ``fn`` takes, or ``None`` when it takes ``**kwargs`` (all of them).

    Callbacks are called with only the arguments they name, so ``def session(session, token)``
    works without a ``**kwargs`` tail.
    """
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return None
    if any(p.kind is p.VAR_KEYWORD for p in params):
        return None
    return frozenset(p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY))


class UserFunction:
    """A user callback, called with only the keyword arguments it names.

    ``known`` lists every argument the core may pass. A parameter the function requires but the
    core leaves out on some call gets ``None`` (as JavaScript's destructuring gets ``undefined``),
    so ``def jwt(token, user)`` works on session reads too; a required parameter the core never
    passes is a mistake, reported when the options are built.
    """

    __slots__ = ("_accepts", "_fill", "blocking", "fn")

    def __init__(self, fn: Callable[..., Any], *, blocking: bool = False, known: frozenset[str] | None = None) -> None:
        self.fn = fn
        self.blocking = blocking
        self._accepts = accepted_kwargs(fn)
        required = required_kwargs(fn)
        if known is not None:
            unknown = required - known
            if unknown:
                name = getattr(fn, "__qualname__", repr(fn))
                raise TypeError(
                    f"{name} requires {sorted(unknown)}, which authsession never passes; "
                    f"it passes {sorted(known)} (name only the ones you need)"
                )
        self._fill = required

    async def __call__(self, **kwargs: Any) -> Any:
        if self._accepts is not None:
            kwargs = {k: v for k, v in kwargs.items() if k in self._accepts}
        for name in self._fill:
            kwargs.setdefault(name, None)
        return await call(self.fn, blocking=self.blocking, **kwargs)

    def __repr__(self) -> str:
        return f"UserFunction({getattr(self.fn, '__qualname__', self.fn)!r})"


def required_kwargs(fn: Callable[..., Any]) -> frozenset[str]:
    """The keyword-passable parameters of ``fn`` that have no default."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return frozenset()
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return frozenset(p.name for p in params if p.kind in kinds and p.default is inspect.Parameter.empty)


async def fire(event: UserFunction | None, **kwargs: Any) -> None:
    """Run an event handler: awaited, but its errors are logged and swallowed, as in NextAuth."""
    if event is None:
        return
    try:
        await event(**kwargs)
    except Exception:
        logging.getLogger("authsession").exception("The %r event handler raised; the request goes on", event)
