# flask.wrappers under framework.compat.flask.install() is the module
# framework.wrappers.

from framework.wrappers import *  # noqa: F403
