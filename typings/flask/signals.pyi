# flask.signals under framework.compat.flask.install() is the module
# framework.signals; blinker's Namespace is importable from both.

from blinker import Namespace as Namespace

from framework.signals import *  # noqa: F403
