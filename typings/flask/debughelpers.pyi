# flask.debughelpers under framework.compat.flask.install() is the module
# framework.debughelpers.

from framework.debughelpers import *  # noqa: F403
