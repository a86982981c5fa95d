"""Jinja's sandbox, bounded by the work a template does, not by its shape.

One budget per rendering (one message, note, card or description): every loop step (over
anything: ``range``, a string, a list), every call and filter is one step (a macro call ten),
and every 100 characters or items a template builds (``*``, ``+``, ``~``, ``%``, a filter, a
method) or writes (``{{ ... }}``, also inside ``{% set %}`` blocks) is one more; ``MAX_WORK``
steps and ``MAX_SECONDS`` of wall-clock time at most. Besides, no single text or list may exceed
``MAX_SEQUENCE`` items, and numbers given to calls and filters stay under ``MAX_NUMBER`` (a
width, a count), so nothing is built that the budget would only notice afterwards.

The loops and writes are counted by rewriting the parsed template (``_Sandbox._parse``): each
``for`` iterates over ``environment.counted(...)``, each written expression passes through
``environment.written(...)``, each ``~`` through ``environment.grown(...)``. Templates cannot
reach or shadow these (they are attributes of the environment, not template names).
"""

from __future__ import annotations

import functools
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.sandbox import SandboxedEnvironment

from outreach.errors import OutreachError

MAX_WORK = 1_000_000
"""Steps one rendering may take (see the module doc)."""
MAX_SECONDS = 5.0
"""Wall-clock seconds one rendering may take."""
MAX_OUTPUT = 1_000_000
"""Characters one rendering may produce (an e-mail, a note, a card, a description)."""
MAX_NUMBER = 100_000
"""The largest number a template may pass to a function or filter (a width, a count)."""
MAX_SEQUENCE = 1_000_000
"""The longest text or list a template may build."""
CHARACTERS_PER_STEP = 100
MACRO_STEPS = 10  # a macro call costs what some ten loop steps do


class TemplateLimit(OutreachError):
    """A template asked for more than a message needs (see ``MAX_WORK``, ``MAX_OUTPUT``)."""


class _Spent(threading.local):
    steps = 0
    deadline = float("inf")


_spent = _Spent()


def start_budget() -> None:
    """A fresh budget for the rendering about to start."""
    _spent.steps = 0
    _spent.deadline = time.monotonic() + MAX_SECONDS


def spend(steps: int = 1) -> None:
    _spent.steps += steps
    if _spent.steps > MAX_WORK:
        raise TemplateLimit(f"more than {MAX_WORK:,} steps of work (each loop step, call and "
                            f"filter, and each {CHARACTERS_PER_STEP} characters built or "
                            "written, is one)")
    if time.monotonic() > _spent.deadline:
        raise TemplateLimit(f"rendering took more than {MAX_SECONDS:g} s")


def spend_on(value: Any) -> Any:
    """Count a text or list just built; refuse one over ``MAX_SEQUENCE``. Returns ``value``."""
    if isinstance(value, str | list | tuple | dict):
        size = len(value)
        if size > MAX_SEQUENCE:
            raise TemplateLimit(f"a text or list of over {MAX_SEQUENCE:,} items")
        spend(1 + size // CHARACTERS_PER_STEP)
    return value


class _Range:
    """``range`` for templates, with its numbers bounded (its loop steps count as any)."""

    def __init__(self, *args: int) -> None:
        _check_numbers(args)
        self._range = range(*args)

    def __len__(self) -> int:
        return len(self._range)

    def __getitem__(self, index: Any) -> Any:
        return self._range[index]

    def __iter__(self) -> Iterator[int]:
        return iter(self._range)


_WIDTH = re.compile(r"\d{6,}")


def _check_widths(fmt: str) -> None:
    """A format string may not ask for a field millions of characters wide."""
    for digits in _WIDTH.findall(fmt):
        _check_numbers((int(digits),))


def _check_numbers(values: Any) -> None:
    for value in values:
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_NUMBER:
            raise TemplateLimit(f"the number {value} is over the limit of {MAX_NUMBER:,}")


def _check_growth(name: str, value: Any, args: tuple[Any, ...]) -> None:
    """Refuse ``replace`` and ``join`` whose result would exceed ``MAX_SEQUENCE`` before they
    build it (one call could otherwise square a text's length)."""
    if name in ("replace", "do_replace") and isinstance(value, str) and len(args) >= 2:
        old, new = str(args[0]), str(args[1])
        count = value.count(old) if old else len(value) + 1
        if len(args) > 2 and isinstance(args[2], int) and args[2] >= 0:
            count = min(count, args[2])
        if len(value) + count * (len(new) - len(old)) > MAX_SEQUENCE:
            raise TemplateLimit(f"a text or list of over {MAX_SEQUENCE:,} items")
    elif name in ("join", "do_join") and isinstance(value, list | tuple):
        glue = len(str(args[0])) if args and isinstance(args[0], str) else 0
        if sum(len(str(item)) + glue for item in value[:MAX_SEQUENCE]) > MAX_SEQUENCE:
            raise TemplateLimit(f"a text or list of over {MAX_SEQUENCE:,} items")


def _sized(value: Any) -> int:
    return len(value) if isinstance(value, str | list | tuple) else 0


def _counting(expression: nodes.Node, hook: str) -> nodes.Call:
    return nodes.Call(nodes.EnvironmentAttribute(hook), [expression], [], None, None,
                      lineno=expression.lineno)


class _Sandbox(SandboxedEnvironment):
    """Jinja's sandbox with the budget of the module doc."""

    intercepted_binops = frozenset(["*", "**", "%", "+"])

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.globals["range"] = _Range
        self.globals.pop("lipsum", None)
        self.filters = {name: _bounded(f) for name, f in self.filters.items()}

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        for loop in tree.find_all(nodes.For):
            loop.iter = _counting(loop.iter, "counted")
        for concat in list(tree.find_all(nodes.Concat)):
            concat.nodes = [_counting(nodes.Concat(concat.nodes, lineno=concat.lineno),
                                      "grown")]
        for output in tree.find_all(nodes.Output):
            output.nodes = [n if isinstance(n, nodes.TemplateData) else _counting(n, "written")
                            for n in output.nodes]
        tree.set_environment(self)
        return tree

    def counted(self, iterable: Iterable[Any]) -> Iterator[Any]:
        """A ``for`` loop's items, one step each."""
        for item in iterable:
            spend()
            yield item

    def written(self, value: Any) -> Any:
        """What ``{{ ... }}`` writes, counted by its length (undefined values stay strict)."""
        spend(1 + len(str(value)) // CHARACTERS_PER_STEP)
        return value

    def grown(self, value: Any) -> Any:
        return spend_on(value)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        owner = getattr(getattr(__obj, "__wrapped__", __obj), "__self__", None)
        if owner is __self:  # the budget's own hooks
            return __obj(*args)
        spend(MACRO_STEPS if isinstance(__obj, jinja2.runtime.Macro) else 1)
        if isinstance(owner, str):  # "x".center(10**9), "{:999999999}".format(1)
            if getattr(__obj, "__name__", "") in ("format", "format_map"):
                _check_widths(owner)
            else:
                _check_numbers(args)
                _check_numbers(kwargs.values())
            name = getattr(__obj, "__name__", "")
            if name == "join" and args:
                _check_growth("join", list(args[0]) if isinstance(args[0], list | tuple)
                              else [], (owner,))
            else:
                _check_growth(name, owner, args)
        return spend_on(super().call(__context, __obj, *args, **kwargs))

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            _check_numbers((right,))
            if isinstance(left, int) and isinstance(right, int) and right > 64 and abs(left) > 1:
                raise TemplateLimit(f"{left} ** {right} is too large a number")
        elif operator == "%" and isinstance(left, str):
            _check_widths(left)
        elif operator == "*":
            for sequence, count in ((left, right), (right, left)):
                if isinstance(sequence, str | list | tuple) and isinstance(count, int) and (
                        len(sequence) * count > MAX_SEQUENCE):
                    raise TemplateLimit(f"a text or list of over {MAX_SEQUENCE:,} items")
        elif operator == "+" and _sized(left) + _sized(right) > MAX_SEQUENCE:
            raise TemplateLimit(f"a text or list of over {MAX_SEQUENCE:,} items")
        return spend_on(super().call_binop(context, operator, left, right))


_PASSED = (jinja2.Environment, jinja2.runtime.Context, jinja2.nodes.EvalContext)


def _bounded(function: Callable[..., Any]) -> Callable[..., Any]:
    """A filter with its numbers bounded and its result counted."""

    @functools.wraps(function)
    def checked(*args: Any, **kwargs: Any) -> Any:
        skip = 0  # the environment or context a filter may be passed, then the value itself
        while skip < len(args) and isinstance(args[skip], _PASSED):
            skip += 1
        _check_numbers(args[skip + 1:])
        _check_numbers(kwargs.values())
        if function.__name__ == "do_format" and skip < len(args) and isinstance(args[skip], str):
            _check_widths(args[skip])
        if skip < len(args):
            _check_growth(function.__name__, args[skip], args[skip + 1:])
        spend()
        return spend_on(function(*args, **kwargs))

    return checked
