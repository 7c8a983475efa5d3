# flask.config under framework.compat.flask.install() is the module
# framework.config.

from framework.config import *  # noqa: F403
