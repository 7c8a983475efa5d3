# flask.sessions under framework.compat.flask.install() is the module
# framework.sessions.

from framework.sessions import *  # noqa: F403
