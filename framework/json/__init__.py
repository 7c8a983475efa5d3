"""JSON helpers that use the current app's JSON provider.

Layer 2. Outside an app context they fall back to the standard library with
the default provider's conversions.
"""

from __future__ import annotations

import json as _json
import typing as t

from .provider import _current_provider, default

if t.TYPE_CHECKING:  # pragma: no cover
    from ..wrappers import Response

__all__ = ["dump", "dumps", "jsonify", "load", "loads"]


def dumps(obj: t.Any, **kwargs: t.Any) -> str:
    """Serialize ``obj`` with ``current_app.json``, or with the standard
    library outside an app."""
    provider = _current_provider()
    if provider is not None:
        return provider.dumps(obj, **kwargs)
    kwargs.setdefault("default", default)
    return _json.dumps(obj, **kwargs)


def dump(obj: t.Any, fp: t.IO[str], **kwargs: t.Any) -> None:
    """Serialize ``obj`` to the text file ``fp``."""
    provider = _current_provider()
    if provider is not None:
        provider.dump(obj, fp, **kwargs)
        return
    kwargs.setdefault("default", default)
    _json.dump(obj, fp, **kwargs)


def loads(s: str | bytes, **kwargs: t.Any) -> t.Any:
    """Deserialize a JSON document with ``current_app.json``."""
    provider = _current_provider()
    if provider is not None:
        return provider.loads(s, **kwargs)
    return _json.loads(s, **kwargs)


def load(fp: t.IO[t.AnyStr], **kwargs: t.Any) -> t.Any:
    """Deserialize the JSON document read from ``fp``."""
    provider = _current_provider()
    if provider is not None:
        return provider.load(fp, **kwargs)
    return _json.load(fp, **kwargs)


def jsonify(*args: t.Any, **kwargs: t.Any) -> Response:
    """A JSON response from the arguments, made by ``current_app.json``:
    ``jsonify(obj)``, ``jsonify(a, b)`` for a list, or ``jsonify(key=value)``
    for an object. Needs an app context."""
    provider = _current_provider()
    if provider is None:
        raise RuntimeError(
            "jsonify() needs an active app context to know the app's response"
            " class; call it inside a view or 'with app.app_context():'."
        )
    return provider.response(*args, **kwargs)
