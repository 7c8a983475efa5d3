# flask.templating under framework.compat.flask.install() is the module
# framework.templating.

from framework.templating import *  # noqa: F403
