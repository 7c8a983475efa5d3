# flask.logging under framework.compat.flask.install() is the module
# framework.logging.

from framework.logging import *  # noqa: F403
