"""The one way sync frameworks (Flask, WSGI) reach the async core: a long-lived event loop.

The core, its adapters and their connection pools are async. A WSGI worker thread cannot
await, and ``asyncio.run`` per request would build and tear down an event loop (and every
pool bound to it) on each call. So one daemon thread runs one event loop for the whole
process, started on first use; request threads hand it coroutines and block on the result.

* :func:`run` is for sync code. It also works on a thread whose own loop is running (a Flask
  ``async def`` view runs inside asgiref's loop): the coroutine still runs on the bridge loop,
  never on the caller's, so adapters see one loop.
* ``run(coro, inline=True)`` is for a coroutine that never waits (a JWT session read with plain
  ``def`` callbacks: ``_core.server_session.reads_without_waiting``). It runs the coroutine to
  its end on the caller's thread: no event loop is needed, and the hop to the bridge thread and
  back (two thread switches, most of what the sync face cost over Starlette's) is saved.
* :func:`run_async` is for async code on another loop: it awaits the bridge's result without
  blocking that loop.
* The caller's ``contextvars`` travel with the coroutine (Flask's ``request`` and ``g`` stay
  readable in callbacks), and the loop is stopped at interpreter exit and restarted in a child
  after ``fork`` (a pre-forking server such as gunicorn ``--preload``).
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextvars
import os
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_thread: threading.Thread | None = None


def _running_loop() -> asyncio.AbstractEventLoop:
    """The bridge loop, started on first use; thread-safe."""
    global _loop, _thread
    loop = _loop
    if loop is not None:
        return loop
    with _lock:
        if _loop is None:
            loop = asyncio.new_event_loop()
            started = threading.Event()

            def serve() -> None:
                asyncio.set_event_loop(loop)
                loop.call_soon(started.set)
                loop.run_forever()

            # A daemon: the interpreter joins non-daemon threads before atexit hooks run, so a
            # plain thread would keep the process alive; ``shutdown`` stops it cleanly instead.
            thread = threading.Thread(target=serve, name="authsession-bridge", daemon=True)
            thread.start()
            started.wait()
            _loop, _thread = loop, thread
        return _loop


def _start(
    coro: Coroutine[Any, Any, T], when_started: Callable[[], bool], when_done: Callable[[asyncio.Task[T]], None]
) -> None:
    """Run ``coro`` as a task on the bridge loop, in the caller's context; ``when_done`` gets the task.

    ``when_started`` runs on the loop first; if it says no (the caller gave up), ``coro`` is closed.
    """
    loop = _running_loop()
    if threading.current_thread() is _thread:
        coro.close()
        raise RuntimeError(
            "authsession's sync face was called from its own event loop (a callback or adapter calling "
            "get_server_session?): await the async API there instead"
        )
    context = contextvars.copy_context()

    def start() -> None:
        if not when_started():
            coro.close()
            return
        loop.create_task(coro, context=context).add_done_callback(when_done)

    loop.call_soon_threadsafe(start)


def _submit(coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
    # For run_async: a future asyncio.wrap_future can await on another loop, and cancel.
    result: concurrent.futures.Future[T] = concurrent.futures.Future()
    _start(coro, result.set_running_or_notify_cancel, lambda done: _copy_outcome(done, result))
    return result


def _copy_outcome(task: asyncio.Task[T], result: concurrent.futures.Future[T]) -> None:
    if task.cancelled():
        result.cancel()
    elif (error := task.exception()) is not None:
        result.set_exception(error)
    else:
        result.set_result(task.result())


def run(coro: Coroutine[Any, Any, T], *, inline: bool = False) -> T:
    """Run ``coro`` on the bridge loop and return its result (or raise its exception).

    ``inline=True`` runs it here instead, for a coroutine that never waits; one that does is
    stopped with a :class:`RuntimeError`.
    """
    if not inline:
        return _wait(coro)
    try:
        coro.send(None)
    except StopIteration as finished:
        result: T = finished.value
        return result
    coro.close()
    raise RuntimeError("authsession ran a coroutine inline that waited on I/O; run it on the bridge loop")


def _wait(coro: Coroutine[Any, Any, T]) -> T:
    # The loop releases a bare lock the caller waits on. A concurrent.futures.Future (its
    # Condition, its state machine) made the hop to the loop and back about a third dearer.
    done = threading.Lock()
    done.acquire()
    finished: list[asyncio.Task[T]] = []

    def wake(task: asyncio.Task[T]) -> None:
        finished.append(task)
        done.release()

    _start(coro, _always, wake)
    done.acquire()
    return finished[0].result()


def _always() -> bool:
    return True


async def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Await ``coro`` run on the bridge loop, from a coroutine on any other loop."""
    return await asyncio.wrap_future(_submit(coro))


def shutdown() -> None:
    """Stop the bridge loop: cancel what still runs, close async generators, join the thread.

    Registered with :mod:`atexit`; the next :func:`run` starts a new loop.
    """
    global _loop, _thread
    with _lock:
        loop, thread = _loop, _thread
        _loop = _thread = None
    if loop is None or thread is None:
        return

    async def wind_down() -> None:
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await loop.shutdown_asyncgens()

    if thread.is_alive():
        asyncio.run_coroutine_threadsafe(wind_down(), loop).result(timeout=5)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)
    loop.close()


def _forget_after_fork() -> None:
    # The thread did not survive the fork; the loop (and a lock held mid-start) must not be reused.
    global _loop, _thread, _lock
    _loop = _thread = None
    _lock = threading.Lock()


atexit.register(shutdown)
os.register_at_fork(after_in_child=_forget_after_fork)

__all__ = ["run", "run_async", "shutdown"]
