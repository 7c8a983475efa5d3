# flask.sansio.scaffold under framework.compat.flask.install():
# framework.scaffold plus the private helpers of Flask's module that
# extensions import.

from framework.compat.flask.scaffold import (
    Scaffold,
    _endpoint_from_view_func,
    _find_package_path,
    _sentinel,
    find_package,
    get_root_path,
    setupmethod,
)

__all__ = [
    "Scaffold",
    "_endpoint_from_view_func",
    "_find_package_path",
    "_sentinel",
    "find_package",
    "get_root_path",
    "setupmethod",
]
