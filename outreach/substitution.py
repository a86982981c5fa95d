"""Templates of text and ``{{ name }}`` values only, rendered without Jinja (issue 23).

Most e-mail templates are text with a few values; rendering them through a Jinja context per
recipient cost a third of a plain e-mail. ``Substitution`` renders such a template by joining
its text with its values, looked up as the sandbox looks them up, and gives None for
whatever it cannot render exactly as Jinja would, so the caller renders that recipient with
the template (``outreach.templating``), which says what is wrong as usual.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.sandbox import SandboxedEnvironment

from outreach.sandbox import MAX_OUTPUT


class Substitution:
    """A template that is only text and ``{{ name }}`` or ``{{ name.attr }}`` values (most
    e-mail templates): rendered by joining its text with its values, without a Jinja
    context per recipient (issue 23: a third of a plain e-mail's cost). The values are
    looked up as the sandbox looks them up (``environment.getattr``) and passed to
    ``finalize`` with their template line; the text is what Jinja's lexer made of the file.
    Whatever it cannot render exactly as Jinja would (an undefined name, a value whose text
    fails, output over ``MAX_OUTPUT``) gives ``None``: the caller renders that recipient
    with the template, which says what is wrong as usual."""

    def __init__(self, environment: SandboxedEnvironment,
                 pieces: list[str | tuple[str, tuple[str, ...], int]]) -> None:
        self.environment = environment
        self.values: list[tuple[str, str, tuple[str, ...], int]] = []  # (text before, value)
        text = ""
        for piece in pieces:
            if isinstance(piece, str):
                text += piece
            else:
                self.values.append((text, *piece))
                text = ""
        self.tail = text
        self.size = sum(len(before) for before, _, _, _ in self.values) + len(text)
        self.names = frozenset(name for _, name, _, _ in self.values)
        """The names the template reads (each ``{{ name }}`` or ``{{ name.attr }}``)."""

    @classmethod
    def of(cls, template: jinja2.Template) -> Substitution | None:
        """The template as a substitution, or None when it has tags, filters, calls..."""
        from jinja2.parser import Parser

        env = template.environment
        if not isinstance(env, SandboxedEnvironment) or env.loader is None or not template.name:
            return None
        source, filename, _ = env.loader.get_source(env, template.name)
        tree = Parser(env, source, template.name, filename).parse()  # not rewritten: as written
        pieces: list[str | tuple[str, tuple[str, ...], int]] = []
        for output in tree.body:
            if not isinstance(output, nodes.Output):
                return None
            for node in output.nodes:
                piece = _piece(node)
                if piece is None:
                    return None
                pieces.append(piece)
        return cls(env, pieces)

    def render(self, values: Mapping[str, Any], finalize: Callable[[Any, int], str]
               ) -> str | None:
        """The text, each value through ``finalize(value, line)``; None: render with Jinja."""
        filled = self.finalized(values, finalize)
        if filled is None:
            return None
        out: list[str] = []
        for (before, _, _, _), value in zip(self.values, filled, strict=True):
            out += (before, value)
        out.append(self.tail)
        return "".join(out)

    def finalized(self, values: Mapping[str, Any], finalize: Callable[[Any, int], str]
                  ) -> list[str] | None:
        """Each value's text, in order, as ``render`` puts them between the template's text
        (None where it would give None)."""
        out = []
        env = self.environment
        size = self.size
        for _, name, attributes, line in self.values:
            value = values.get(name, _MISSING)
            if value is _MISSING:
                value = env.globals.get(name, _MISSING)
            for attribute in attributes:
                if value is _MISSING or isinstance(value, jinja2.Undefined):
                    return None
                value = env.getattr(value, attribute)
            if value is _MISSING or isinstance(value, jinja2.Undefined):
                return None
            try:
                text = finalize(value, line)
            except Exception:  # the template path raises it, with file:line
                return None
            size += len(text)
            out.append(text)
        return out if size <= MAX_OUTPUT else None


_MISSING = object()


def _piece(node: nodes.Node) -> str | tuple[str, tuple[str, ...], int] | None:
    """Text, or (name, attributes, line) for ``{{ name.a.b }}``; None for anything else."""
    if isinstance(node, nodes.TemplateData):
        return node.data
    attributes: list[str] = []
    while isinstance(node, nodes.Getattr):
        attributes.insert(0, node.attr)
        node = node.node
    if isinstance(node, nodes.Name) and node.ctx == "load":
        return node.name, tuple(attributes), node.lineno
    return None
