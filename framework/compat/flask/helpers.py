"""``flask.helpers`` under :func:`framework.compat.flask.install`:
:mod:`framework.helpers` plus the three functions Flask keeps there and
this framework keeps elsewhere."""

from __future__ import annotations

import typing as t

import framework.helpers as _helpers
from framework.cli import get_debug_flag as get_debug_flag
from framework.cli import get_load_dotenv as get_load_dotenv
from framework.helpers import *  # noqa: F403  (the whole public API, by design)
from framework.scaffold import find_package_path

#: Flask's name for :func:`framework.scaffold.find_package_path`: the
#: folder holding a module or package.
get_root_path = find_package_path


def __getattr__(name: str) -> t.Any:
    """The other names of :mod:`framework.helpers`."""
    return getattr(_helpers, name)
