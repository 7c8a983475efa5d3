# flask.ctx under framework.compat.flask.install() is the module
# framework.ctx.

from framework.ctx import *  # noqa: F403
