"""App's serving lifespan: the hooks that run when a server starts and
stops serving the app, and the background tasks it runs meanwhile.

Layer 3, part of :mod:`framework.app`: :class:`ServingMethods` is a base
class of :class:`~framework.App`, documented as ``App``'s methods. When the
hooks run is :mod:`framework.lifespan`'s business, how tasks run
:mod:`framework.background`'s; these methods register them.
"""

from __future__ import annotations

import functools
import typing as t

from .. import background, lifespan
from ..scaffold import setupmethod

__all__ = ["ServingMethods"]

T_serving = t.TypeVar("T_serving", bound=lifespan.ServingCallable)
T_while_serving = t.TypeVar("T_while_serving", bound=lifespan.WhileServingCallable)


class ServingMethods:
    """Part of :class:`~framework.App`: its serving lifespan methods."""

    @functools.cached_property
    def serving_hooks(self) -> lifespan.ServingHooks:
        """The serving hooks (:meth:`before_serving`, :meth:`while_serving`,
        :meth:`after_serving`) and whether they ran in this process."""
        return lifespan.ServingHooks()

    @property
    def before_serving_funcs(self) -> list[lifespan.ServingCallable]:
        """The :meth:`before_serving` functions, in registration order."""
        return self.serving_hooks.before_serving_funcs

    @property
    def after_serving_funcs(self) -> list[lifespan.ServingCallable]:
        """The :meth:`after_serving` functions, in registration order (they
        run in reverse)."""
        return self.serving_hooks.after_serving_funcs

    @property
    def while_serving_gens(self) -> list[lifespan.WhileServingCallable]:
        """The :meth:`while_serving` generator functions, in registration
        order."""
        return self.serving_hooks.while_serving_gens

    @setupmethod
    def before_serving(self, f: T_serving) -> T_serving:
        """Run ``f()`` once when a server starts serving the app, before
        any request, in an app context; sync or async. If it raises, the
        server does not start (see :doc:`/lifespan` for when exactly each
        server runs it).

        :param f: the function; takes no arguments.
        """
        self.serving_hooks.before_serving_funcs.append(f)
        return f

    @setupmethod
    def after_serving(self, f: T_serving) -> T_serving:
        """Run ``f()`` once when the server stops serving the app, in an app
        context, after the last response and the background tasks; sync or
        async. These functions run in the reverse order of registration,
        every one even when another raises.

        :param f: the function; takes no arguments.
        """
        self.serving_hooks.after_serving_funcs.append(f)
        return f

    @setupmethod
    def while_serving(self, f: T_while_serving) -> T_while_serving:
        """Register an async generator function that yields once: its code
        before the ``yield`` runs at startup (after the
        :meth:`before_serving` functions), the code after it at shutdown
        (after the :meth:`after_serving` functions). A resource opened with
        ``async with`` around the ``yield`` lives as long as the server.

        :param f: the async generator function; takes no arguments.
        :raise TypeError: ``f`` is not an async generator function.
        """
        lifespan.check_while_serving(f)
        self.serving_hooks.while_serving_gens.append(f)
        return f

    @functools.cached_property
    def background_tasks_state(self) -> background.BackgroundTasks:
        """The app's running background tasks (see
        :meth:`add_background_task`)."""
        return background.BackgroundTasks()

    def add_background_task(
        self, func: t.Callable[..., t.Any], /, *args: t.Any, **kwargs: t.Any
    ) -> None:
        """Run ``func(*args, **kwargs)`` in the background, in a new app
        context: after the response is sent when called during a request,
        at once otherwise. A sync function runs in the app's pool of
        background threads (at most ``BACKGROUND_TASK_THREADS``; more tasks
        wait for a free one), an async one on the event loop. What it
        raises is logged on :attr:`logger`.
        Shutdown waits for running tasks up to
        ``BACKGROUND_TASK_SHUTDOWN_TIMEOUT`` seconds; work that must outlive
        the process belongs in a task queue (see :doc:`/lifespan`).

        :param func: the function or coroutine function.
        :param args: its positional arguments.
        :param kwargs: its keyword arguments.
        :raise TypeError: ``func`` is not callable.
        """
        background.add(t.cast("background.TaskApp", self), func, *args, **kwargs)
