# flask.globals under framework.compat.flask.install() is the module
# framework.globals.

from framework.globals import *  # noqa: F403
