"""Rendering a council's own template within limits, and saying where it went wrong.

A template is code a council writes. It runs sandboxed (no Python internals), and here it
is also bounded, so that a mistake in it (a loop that never ends, a string multiplied a
billion times, a macro that calls itself) stops with one line naming the template and its
line instead of hanging the command or eating the machine's memory:

- **time**: `MAX_SECONDS` of the template's own running per render (an interval timer,
  paused while a streamed render's pieces are written; in the main thread only);
- **output**: `MAX_CHARS` characters, counted as the template produces them;
- **memory**: `MAX_MEMORY` bytes more than the command held when the render began
  (the address-space limit; in the main thread, on Linux);
- **single steps**: repeating text or lists (`*`), padding (`center`, `ljust`, widths in
  the `format` filter and `%`), and powers are refused before they run. (`str.format`
  reaches the sandbox's own wrapper, so a wide field there is stopped by the output and
  memory limits instead.)
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import threading
import traceback
from collections.abc import Iterator
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from calloff.errors import InvalidInput, NotFound

MAX_SECONDS = 20
MAX_CHARS = 20_000_000
MAX_MEMORY = 1024 * 2**20
MAX_WIDTH = 10_000  # the widest padding or field a template may ask for
MAX_EXPONENT = 10_000
MAX_TEMPLATE_BYTES = 256_000  # the largest template file read

_WIDTH = re.compile(
    r"%(?:\([^)]*\))?[-+ #0]*(\*|\d+)?(?:\.(\*|\d+))?|\{[^{}]*:[^{}]*?(\d+)[^{}]*\}"
)
_PADDING = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs"})


class TemplateLimit(InvalidInput):
    """A template ran past one of the limits above."""


class _OutOfTime(BaseException):
    """Raised by the timer inside the render; BaseException so templates cannot catch it."""


class BoundedEnvironment(SandboxedEnvironment):
    """The sandbox, with the single steps that could grow without limit checked first."""

    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and isinstance(n, int):
                    _size(len(seq) * n, "repeating text or a list")
        elif operator == "**" and isinstance(right, int | float) and abs(right) > MAX_EXPONENT:
            raise TemplateLimit(f"a power above {MAX_EXPONENT:,} is not allowed in a template")
        elif operator == "%" and isinstance(left, str):
            _widths(left)
        elif operator == "+" and isinstance(left, str | list | tuple) and hasattr(right, "__len__"):
            _size(len(left) + len(right), "joining text or lists")
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, str):
            name = getattr(__obj, "__name__", "")
            if name in _PADDING:
                for a in (*args, *kwargs.values()):
                    if isinstance(a, int) and a > MAX_WIDTH:
                        raise TemplateLimit(
                            f"a width above {MAX_WIDTH:,} is not allowed in a template"
                        )
            elif name in ("format", "format_map"):
                _widths(owner)
        return super().call(__context, __obj, *args, **kwargs)


def _size(n: int, what: str) -> None:
    if n > MAX_CHARS:
        raise TemplateLimit(
            f"{what} would make {n:,} items, more than the {MAX_CHARS:,} a template may produce"
        )


def _widths(fmt: str) -> None:
    for match in _WIDTH.finditer(fmt):
        for group in match.groups():
            if group == "*" or (group and int(group) > MAX_WIDTH):
                raise TemplateLimit(f"a width above {MAX_WIDTH:,} is not allowed in a template")


def _bounded_filter(f: Any) -> Any:
    def checked(*args: Any, **kwargs: Any) -> Any:
        for a in (*args[1:], *kwargs.values()):
            if isinstance(a, int) and not isinstance(a, bool) and a > MAX_WIDTH:
                raise TemplateLimit(
                    f"a width or count above {MAX_WIDTH:,} is not allowed in a template"
                )
        if getattr(f, "__name__", "") == "do_format" and args and isinstance(args[0], str):
            _widths(args[0])
        return f(*args, **kwargs)

    for attribute in ("jinja_pass_arg",):  # keep the filter's context and eval hints
        if hasattr(f, attribute):
            setattr(checked, attribute, getattr(f, attribute))
    return checked


class BoundedLoader(jinja2.FileSystemLoader):
    """A folder of templates, each a regular file of at most MAX_TEMPLATE_BYTES."""

    def get_source(self, environment: jinja2.Environment, template: str) -> Any:
        from jinja2.loaders import split_template_path

        for folder in self.searchpath:
            path = os.path.join(folder, *split_template_path(template))
            if os.path.exists(path) and not os.path.isfile(path):
                raise InvalidInput(
                    f"template {path} is not a regular file: replace it with a template file"
                )
            if os.path.isfile(path) and os.path.getsize(path) > MAX_TEMPLATE_BYTES:
                raise InvalidInput(
                    f"template {path} is larger than "
                    f"{MAX_TEMPLATE_BYTES:,} bytes: is it the right file?"
                )
        return super().get_source(environment, template)


def bound_filters(env: jinja2.Environment) -> None:
    for name in ("center", "indent", "format", "batch", "slice", "wordwrap", "truncate"):
        if name in env.filters:
            env.filters[name] = _bounded_filter(env.filters[name])


def render(env: jinja2.Environment, name: str, context: dict[str, Any]) -> str:
    """Render template `name`; every way it can fail is one line naming it (and its line)."""
    return "".join(stream(env, name, context))


BATCH = 64 * 1024  # characters a streamed render gathers before it hands them on


def stream(env: jinja2.Environment, name: str, context: dict[str, Any]) -> Iterator[str]:
    """Render template `name` a batch of characters at a time, to be written as it goes:
    the template is read (and any fault in reading it raised) now, the rest as the pieces
    are asked for. The limits hold while the template runs, not while its pieces are being
    written: its time is counted across the batches, and a slow reader costs none of it."""
    clock = [float(MAX_SECONDS)]
    with _failures(name), _limits(clock):
        try:  # reading and compiling a template is bounded too
            template = env.get_template(name)
        except jinja2.TemplateNotFound as e:
            raise NotFound(f"template {e.name or name} was not found") from None
        except jinja2.TemplateSyntaxError as e:
            raise InvalidInput(f"template {e.name or name} line {e.lineno}: {e.message}") from None
        except UnicodeDecodeError:
            raise InvalidInput(
                f"template {name} (or one it includes) is not UTF-8 text: save it as UTF-8"
            ) from None
        except RecursionError:
            raise InvalidInput(
                f"template {name} is nested too deeply to read: simplify it"
            ) from None
    return _batches(template, name, context, clock)


def _batches(
    template: jinja2.Template, name: str, context: dict[str, Any], clock: list[float]
) -> Iterator[str]:
    produced, done = 0, False
    with _failures(name), _limits(clock):
        chunks = template.generate(**context)
    while not done:
        parts: list[str] = []
        size = 0
        with _failures(name), _limits(clock):
            for chunk in chunks:
                produced += len(chunk)
                if produced > MAX_CHARS:
                    raise TemplateLimit(f"it produced more than {MAX_CHARS:,} characters")
                parts.append(chunk)
                size += len(chunk)
                if size >= BATCH:
                    break
            else:
                done = True
        if parts:
            yield "".join(parts)


@contextlib.contextmanager
def _failures(name: str) -> Iterator[None]:
    """Every way running a template can fail, as one line naming it (and its line)."""
    try:
        yield
    except _OutOfTime:
        raise InvalidInput(
            _where(name, None) + f"still running after {MAX_SECONDS} seconds: "
            "look for a loop that does not end"
        ) from None
    except MemoryError:
        raise InvalidInput(
            _where(name, None) + f"used more than {MAX_MEMORY // 2**20:,} MB "
            "of memory: look for text or lists that grow without end"
        ) from None
    except RecursionError as e:
        raise InvalidInput(_where(name, e) + "a macro or loop calls itself without end") from None
    except jinja2.UndefinedError as e:
        raise InvalidInput(_where(name, e) + str(e.message)) from None
    except jinja2.exceptions.SecurityError as e:
        raise InvalidInput(_where(name, e) + f"it tried something unsafe: {e}") from None
    except TemplateLimit as e:
        raise TemplateLimit(_where(name, e) + str(e)) from None
    except (ArithmeticError, LookupError, TypeError, ValueError, jinja2.TemplateError) as e:
        raise InvalidInput(_where(name, e) + f"{type(e).__name__}: {e}") from None


def _where(name: str, error: BaseException | None) -> str:
    """`template order.md.j2 line 12: ` from the frames Jinja gives the template's lines."""
    line = None
    if error is not None:
        for frame in traceback.extract_tb(error.__traceback__):
            if frame.filename.endswith(".j2") or frame.filename.endswith(name):
                line = frame.lineno
                name = frame.filename.rsplit("/", 1)[-1]
    return f"template {name}" + (f" line {line}: " if line else ": ")


@contextlib.contextmanager
def _limits(clock: list[float]) -> Iterator[None]:
    """The time and memory limits, where this process can set them: the main thread.
    `clock` holds the seconds left, and is left holding what remains after this run."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    with _memory_limit(), _time_limit(clock):
        yield


@contextlib.contextmanager
def _time_limit(clock: list[float]) -> Iterator[None]:
    if not hasattr(signal, "setitimer"):
        yield
        return

    def out_of_time(signum: int, frame: Any) -> None:
        raise _OutOfTime

    if clock[0] <= 0:
        raise _OutOfTime
    previous = signal.signal(signal.SIGALRM, out_of_time)
    signal.setitimer(signal.ITIMER_REAL, clock[0])
    try:
        yield
    finally:
        clock[0] = signal.setitimer(signal.ITIMER_REAL, 0)[0]
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def _memory_limit() -> Iterator[None]:
    try:
        import resource

        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[0])
        size = pages * resource.getpagesize()
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    except (ImportError, OSError, ValueError):
        yield
        return
    limit = size + MAX_MEMORY
    if soft != resource.RLIM_INFINITY and soft <= limit:
        yield  # already tighter than ours
        return
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
